package main

import (
	"context"
	"strconv"
)

// runHelp is `ordermgmt help [CMD [SUBCOMMAND]]`: the same help as
// `ordermgmt CMD [SUBCOMMAND] -h`.
func runHelp(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("help", "help [COMMAND [SUBCOMMAND]]",
		"Shows the help of a command, as 'ordermgmt COMMAND -h' does; without a command, the list of commands.", e,
		"ordermgmt help", "ordermgmt help serve", "ordermgmt help receipt add")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		printUsage(e.stdout)
		return nil
	}
	if _, ok := commands[pos[0]]; !ok {
		msg := "help: unknown command " + strconv.Quote(pos[0])
		if s := suggest(pos[0], commandNames()); s != "" {
			msg += "; did you mean " + strconv.Quote(s) + "?"
		}
		return &usageError{msg: msg, cmd: "help"}
	}
	e.cmd = nil
	return run(ctx, append(pos, "-h"), e)
}
