package main

// The machinery every subcommand shares: its flag set and help, flags
// among positional arguments, groups of subcommands, suggestions for
// typos, and failures as JSON. A command written with newFlagSet and
// parseArgs (and group, for one with subcommands) gets -h, help CMD,
// completion, "did you mean" and --json failures without more code.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
)

// cmdHelp is what a command's -h prints.
type cmdHelp struct {
	name     string // "receipt add"
	synopsis string // "receipt add ORDER [--file F] [flags]"
	about    string
	examples []string
	fs       *flag.FlagSet
}

// newFlagSet makes the flag set of a subcommand. Its -h prints, on
// standard output, the synopsis, what the command does (about), its
// flags written as --flag, and the examples, each a command line. The
// flag package itself prints nothing: parseArgs reports mistakes.
func newFlagSet(name, synopsis, about string, e *env, examples ...string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	h := &cmdHelp{name: name, synopsis: synopsis, about: about, examples: examples, fs: fs}
	fs.Usage = func() { h.write(e.stdout) }
	e.cmd = h
	return fs
}

// write prints the help.
func (h *cmdHelp) write(w io.Writer) {
	fmt.Fprintf(w, "Usage: ordermgmt %s\n\n%s\n", h.synopsis, h.about)
	if hasFlags(h.fs) {
		fmt.Fprintln(w, "\nFlags:")
		writeFlags(w, h.fs)
	}
	if len(h.examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for _, ex := range h.examples {
			fmt.Fprintf(w, "  %s\n", ex)
		}
	}
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// writeFlags lists the flags as the README writes them, --name TYPE, with
// their usage and non-zero default underneath.
func writeFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		typ, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if typ != "" {
			line += " " + typ
		}
		fmt.Fprintln(w, line)
		switch f.DefValue {
		case "", "0", "false", "0s":
		default:
			usage += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "      %s\n", usage)
	})
}

// errHelp ends a subcommand after -h: its help is printed, nothing failed.
var errHelp = flag.ErrHelp

// parseArgs parses flags and positional arguments in any order, as in
// `receipt add 1001 --file r.json`; the standard flag package stops at
// the first positional argument. After "--" everything is positional.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		// The flag package calls Usage on every mistake too; only -h
		// should print the help.
		usage := fs.Usage
		fs.Usage = func() {}
		err := fs.Parse(args)
		fs.Usage = usage
		if err != nil {
			if errors.Is(err, flag.ErrHelp) {
				usage()
				return nil, errHelp
			}
			return nil, flagError(fs, err)
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// singleDash finds flag names the flag package writes with one dash.
var singleDash = regexp.MustCompile(`(^|[\s:])-([A-Za-z][\w-]*)`)

// flagError rewrites a mistake the flag package reports: flags as --name,
// and a suggestion for an unknown one.
func flagError(fs *flag.FlagSet, err error) error {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: "); ok {
		name = strings.TrimLeft(name, "-")
		msg = "unknown flag --" + name
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if s := suggest(name, names); s != "" {
			msg += "; did you mean --" + s + "?"
		}
	} else {
		msg = singleDash.ReplaceAllString(msg, "$1--$2")
	}
	return &usageError{msg: fs.Name() + ": " + msg, cmd: fs.Name()}
}

// wantArgs checks the number of positional arguments; names lists them
// for the message, such as "ORDER".
func wantArgs(fs *flag.FlagSet, pos []string, names ...string) error {
	switch {
	case len(pos) < len(names):
		return &usageError{msg: fmt.Sprintf("%s: missing %s", fs.Name(), strings.Join(names[len(pos):], " and ")), cmd: fs.Name()}
	case len(pos) > len(names):
		return &usageError{msg: fmt.Sprintf("%s: unexpected argument %q", fs.Name(), pos[len(names)]), cmd: fs.Name()}
	}
	return nil
}

// group runs the subcommands of a command such as `receipt add` and
// `receipt lint`. Its -h lists them, with the examples of each.
func group(name string, subs map[string]command) func(context.Context, []string, *env) error {
	return func(ctx context.Context, args []string, e *env) error {
		e.group = subs
		names := make([]string, 0, len(subs))
		for n := range subs {
			names = append(names, n)
		}
		sort.Strings(names)
		if len(args) == 0 {
			return &usageError{msg: fmt.Sprintf("%s: missing subcommand: %s", name, strings.Join(names, ", ")), cmd: name}
		}
		switch args[0] {
		case "-h", "-help", "--help", "help":
			if len(args) > 1 && args[0] == "help" {
				return group(name, subs)(ctx, append(args[1:], "-h"), e)
			}
			writeGroupHelp(ctx, e.stdout, name, e.summary, names, subs)
			return nil
		}
		sub, ok := subs[args[0]]
		if !ok {
			msg := fmt.Sprintf("%s: unknown subcommand %q", name, args[0])
			if s := suggest(args[0], names); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			} else {
				msg += "; use one of: " + strings.Join(names, ", ")
			}
			return &usageError{msg: msg, cmd: name}
		}
		err := sub.run(ctx, args[1:], e)
		if errors.Is(err, errHelp) {
			return nil
		}
		return err
	}
}

func writeGroupHelp(ctx context.Context, w io.Writer, name, summary string, names []string, subs map[string]command) {
	fmt.Fprintf(w, "Usage: ordermgmt %s <subcommand> [flags]\n", name)
	if summary != "" {
		fmt.Fprintf(w, "\n%s\n", summary)
	}
	fmt.Fprintln(w, "\nSubcommands:")
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	var examples []string
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, subs[n].summary)
		if h := describeRun(ctx, subs[n].run, nil); h.cmd != nil {
			examples = append(examples, h.cmd.examples...)
		}
	}
	if len(examples) > 0 {
		fmt.Fprintln(w, "\nExamples:")
		for _, ex := range examples {
			fmt.Fprintf(w, "  %s\n", ex)
		}
	}
	fmt.Fprintf(w, "\nRun 'ordermgmt %s <subcommand> -h' for a subcommand's flags.\n", name)
}

// describe runs a command with -h and its output thrown away, and returns
// what it recorded: its flags and help, or its subcommands. path is the
// command and, for a group, the subcommand.
func describe(ctx context.Context, path ...string) *env {
	cmd, ok := commands[path[0]]
	if !ok {
		return &env{}
	}
	pe := describeRun(ctx, cmd.run, path[1:])
	pe.summary = cmd.summary
	return pe
}

func describeRun(ctx context.Context, run func(context.Context, []string, *env) error, args []string) *env {
	pe := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	_ = run(ctx, append(append([]string{}, args...), "-h"), pe)
	return pe
}

// flagOn reports whether the running command has a boolean flag name
// that is set.
func (e *env) flagOn(name string) bool {
	if e.cmd == nil {
		return false
	}
	f := e.cmd.fs.Lookup(name)
	return f != nil && f.Value.String() == "true"
}

// wantsJSON reports whether a failure is to be printed as JSON too: the
// command's --json is set, or given on the command line before a mistake
// stopped the parsing.
func wantsJSON(args []string, e *env) bool {
	if e.flagOn("json") {
		return true
	}
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "--json", "-json", "--json=true", "-json=true":
			return true
		}
	}
	return false
}

// reportedError is a failure whose --json output the command printed
// itself, such as `receipt lint`'s verdict; only its sentence is added.
type reportedError struct{ msg string }

func (e *reportedError) Error() string { return e.msg }

// failureOut is a failure as --json prints it on standard output; the
// sentence still goes to standard error. Status, code, trace id and
// invalid parameters are those of the service's answer when there was
// one; a usage mistake has code "usage", a service that could not be
// reached "unreachable" and an interrupted command "interrupted".
type failureOut struct {
	Status        int                `json:"status,omitempty"`
	Code          string             `json:"code"`
	Message       string             `json:"message"`
	TraceID       string             `json:"traceId,omitempty"`
	InvalidParams []api.InvalidParam `json:"invalidParams"`
	ExitCode      int                `json:"exitCode"`
}

// failureJSON describes err for --json.
func failureJSON(err error) failureOut {
	// The first line is the sentence; the lines under it (base URL, trace
	// id, each problem) have fields of their own.
	msg, _, _ := strings.Cut(err.Error(), "\n")
	out := failureOut{Message: msg, InvalidParams: []api.InvalidParam{}, ExitCode: exitCode(err, io.Discard)}
	var ue *usageError
	var se *client.Error
	var sig interrupted
	var p *api.Problem
	switch {
	case errors.As(err, &ue):
		// Every mistake, one a line: there are no fields for them.
		out.Code, out.Message = "usage", err.Error()
	case errors.As(err, &sig):
		out.Code = "interrupted"
	case errors.As(err, &se):
		out.Status, out.Code, out.TraceID = se.Status, se.Code, se.TraceID
		if se.InvalidParams != nil {
			out.InvalidParams = se.InvalidParams
		}
	case errors.As(err, &p):
		out.Status, out.Code = p.Status, p.Code
		if p.InvalidParams != nil {
			out.InvalidParams = p.InvalidParams
		}
	default:
		if _, ok := client.Unreachable(err); ok {
			out.Code = "unreachable"
		} else {
			out.Code = "error"
		}
	}
	return out
}

// suggest returns the candidate closest to s, if it is close enough to be
// a typo: within a third of its length in edits, or s is a prefix of it.
func suggest(s string, candidates []string) string {
	limit := max(1, len(s)/3)
	best, bestD := "", limit+1
	for _, c := range candidates {
		if strings.HasPrefix(c, "__") {
			continue
		}
		d := editDistance(s, c)
		if len(s) >= 2 && strings.HasPrefix(c, s) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, counting an
// adjacent transposition as one edit.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
