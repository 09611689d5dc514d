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
	"strings"
	"syscall"

	"golang.org/x/term"
)

func main() {
	ctx, stop := signalContext()
	e := &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv,
		stdinTerminal: term.IsTerminal(int(os.Stdin.Fd()))}
	err := run(ctx, os.Args[1:], e)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// env is what a subcommand may touch of the outside world; tests inject it.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// stdinTerminal is true when a person types standard input, who is
	// then told what the command waits for.
	stdinTerminal bool

	// Filled while a command runs: its help (newFlagSet records it, with
	// the flag set) and the subcommands of a group; help, completion and
	// --json failures read them.
	cmd     *cmdHelp
	group   map[string]command
	summary string
}

// command is one subcommand.
type command struct {
	summary string
	run     func(ctx context.Context, args []string, e *env) error
}

// commands lists every subcommand; each lives in its own file. Help,
// completion and the help tests find a new one here by themselves.
var commands = map[string]command{
	"serve":       {"run the API server", runServe},
	"hash-secret": {"print the bcrypt hash of a client secret or console password for a --config file", runHashSecret},
	"bench":       {"measure the server against a bare net/http reference on this machine", runBench},
	"token":       {"print an access token", runToken},
	"image":       {"upload an image for categories (image add FILE)", runImage},
	"category":    {"manage an order's categories (category set ORDER for v2; category add|list ORDER, get|delete ID for v3)", runCategory},
	"receipt":     {"send the receipt of an order (receipt add ORDER) or check one offline (receipt lint F)", runReceipt},
	"order":       {"show an order's category, receipt, totals and VAT (order get ORDER)", runOrder},
	"console":     {"run the support console against any Order Management API", runConsole},
	"relay":       {"run the relay in front of Vipps MobilePay (relay status: its deliveries)", runRelay},
	"sandbox":     {"a sandbox server's testing tools: fault rules, request journal, reset, checklist report", runSandbox},
}

// The commands that read the table above are added at start-up, which
// the table cannot refer to without an initialization cycle.
func init() {
	commands["help"] = command{"show the help of a command: help CMD [SUBCOMMAND]", runHelp}
	commands["version"] = command{"print the version of this program", runVersion}
	commands["completion"] = command{"print a shell completion script: completion bash|zsh|fish", runCompletion}
}

// hiddenCommands run but are not listed: the completion scripts call them.
var hiddenCommands = map[string]command{
	"__complete": {"", runComplete},
}

// usageError is a mistake in how the command was called (exit status 2).
// It is printed as one line and a pointer to the help of cmd.
type usageError struct {
	msg string
	cmd string // "receipt add"; "" for ordermgmt itself
}

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// run is the whole program, minus the process: main only connects it to
// os.Args, the standard streams, the environment and the signals.
func run(ctx context.Context, args []string, e *env) (err error) {
	e.stdin = newContextReader(ctx, e.stdin)
	defer func() {
		if errors.Is(err, errHelp) {
			err = nil
		}
		if err == nil {
			return
		}
		var sig interrupted
		if ctx.Err() != nil && errors.As(context.Cause(ctx), &sig) {
			err = sig
		}
		var ue *usageError
		if errors.As(err, &ue) && ue.cmd == "" && e.cmd != nil {
			ue.cmd = e.cmd.name
		}
		var reported *reportedError
		if wantsJSON(args, e) && !errors.As(err, &reported) {
			_ = writeJSON(e.stdout, failureJSON(err))
		}
	}()
	if len(args) == 0 {
		printUsage(e.stdout)
		return nil
	}
	switch args[0] {
	case "-h", "-help", "--help":
		printUsage(e.stdout)
		return nil
	case "--version", "-version":
		return runVersion(ctx, args[1:], e)
	}
	name := args[0]
	cmd, ok := commands[name]
	if !ok {
		cmd, ok = hiddenCommands[name]
	}
	if !ok {
		msg := fmt.Sprintf("unknown command %q", name)
		if strings.HasPrefix(name, "-") {
			msg = fmt.Sprintf("unknown flag %s; flags follow the command, as in 'ordermgmt token --json'", name)
		} else if s := suggest(name, commandNames()); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return usagef("%s", msg)
	}
	e.summary = cmd.summary
	return cmd.run(ctx, args[1:], e)
}

// commandNames lists the commands in order, without the hidden ones.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "ordermgmt runs the Order Management API server and talks to it, or to the real API.")
	fmt.Fprintln(w, "\nUsage: ordermgmt <command> [flags]")
	fmt.Fprintln(w, "\nCommands:")
	names := commandNames()
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nFlags:")
	fmt.Fprintln(w, "  -h, --help  show this help")
	fmt.Fprintln(w, "  --version   print the version")
	fmt.Fprintln(w, "\nExamples:")
	fmt.Fprintln(w, "  ordermgmt serve")
	fmt.Fprintln(w, "  ordermgmt receipt add 1001 --file examples/receipt.json")
	fmt.Fprintln(w, "  ordermgmt help order get")
	fmt.Fprintln(w, "\nRun 'ordermgmt <command> -h' (or 'ordermgmt help <command>') for a command's flags and examples.")
}

// exitCode prints err and maps it to the exit status: 2 for usage
// mistakes, 128 + the signal's number after SIGINT or SIGTERM, 1 for
// everything else.
func exitCode(err error, stderr io.Writer) int {
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "ordermgmt:", err)
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "Run '%s -h' for usage.\n", strings.TrimSpace("ordermgmt "+ue.cmd))
		return 2
	}
	var sig interrupted
	if errors.As(err, &sig) {
		return 128 + int(sig.sig)
	}
	return 1
}

// interrupted is the error of a command stopped by a signal.
type interrupted struct{ sig syscall.Signal }

func (i interrupted) Error() string {
	if i.sig == syscall.SIGTERM {
		return "terminated"
	}
	return "interrupted"
}

// signalContext is cancelled by the first SIGINT or SIGTERM, with the
// signal as its cause, so that every command stops what it waits for and
// says why. A second signal ends the process at once, as it would by
// default, in case something does not stop.
func signalContext() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			signal.Stop(ch)
			n, _ := s.(syscall.Signal)
			cancel(interrupted{n})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}
