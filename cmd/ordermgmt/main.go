// Command ordermgmt runs the Order Management API server and talks to it
// (or to the real API) from the command line.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv})
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// env is what a subcommand may touch of the outside world; tests inject it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, e *env) error
}

// commands lists every subcommand; each lives in its own file.
var commands = map[string]command{
	"serve":       {"run the API server", runServe},
	"hash-secret": {"print the bcrypt hash of a client secret or console password for a --config file", runHashSecret},
	"bench":       {"measure the server against a bare net/http reference on this machine", runBench},
	"token":       {"print an access token", runToken},
	"image":       {"image add FILE: upload an image for categories", runImage},
	"category":    {"category set ORDER: add or replace the category of an order", runCategory},
	"receipt":     {"receipt add ORDER, receipt lint F: send or check a receipt", runReceipt},
	"order":       {"order get ORDER: show an order's category, receipt, totals and VAT", runOrder},
	"relay":       {"run the relay in front of Vipps MobilePay; relay status: its deliveries", runRelay},
}

// usageError is a mistake in how the command was called (exit status 2).
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...)}
}

func run(ctx context.Context, args []string, e *env) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(e.stdout)
		if len(args) == 0 {
			return usagef("no command given")
		}
		return nil
	}
	cmd, ok := commands[args[0]]
	if !ok {
		printUsage(e.stderr)
		return usagef("unknown command %q", args[0])
	}
	return cmd.run(ctx, args[1:], e)
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "Usage: ordermgmt <command> [flags]")
	fmt.Fprintln(w, "\nCommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-12s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'ordermgmt <command> -h' for a command's flags.")
}

// exitCode prints err and maps it to the exit status: 2 for usage
// mistakes, 1 for everything else.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "ordermgmt:", err)
		return 2
	}
	fmt.Fprintln(stderr, "ordermgmt:", err)
	return 1
}
