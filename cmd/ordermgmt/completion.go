package main

import (
	"context"
	"flag"
	"fmt"
	"sort"
	"strings"
)

// The completion scripts ask the program itself what fits (`ordermgmt
// __complete WORDS... CURRENT`), so they know every command, subcommand
// and flag, new ones included, without being generated again. When the
// program offers nothing (a positional argument), the shell completes
// file names.
var completionScripts = map[string]string{
	"bash": `# bash completion for ordermgmt.
# Load it with: source <(ordermgmt completion bash)
_ordermgmt() {
	local IFS=$'\n'
	COMPREPLY=($(compgen -W "$("${COMP_WORDS[0]}" __complete "${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}"))
}
complete -o default -F _ordermgmt ordermgmt
`,
	"zsh": `#compdef ordermgmt
# zsh completion for ordermgmt.
# Load it with: source <(ordermgmt completion zsh)  (after compinit)
_ordermgmt() {
	local -a candidates
	candidates=("${(@f)$("${words[1]}" __complete "${(@)words[2,CURRENT]}" 2>/dev/null)}")
	if (( ${#candidates} )) && [[ -n ${candidates[1]} ]]; then
		compadd -a candidates
	else
		_files
	fi
}
compdef _ordermgmt ordermgmt
`,
	"fish": `# fish completion for ordermgmt.
# Load it with: ordermgmt completion fish | source
complete -c ordermgmt -a '(ordermgmt __complete (commandline -opc)[2..-1] (commandline -ct))'
`,
}

// runCompletion prints the completion script of a shell.
func runCompletion(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("completion", "completion bash|zsh|fish",
		"Prints a script that completes commands, subcommands and flags in bash, zsh or fish.", e,
		"source <(ordermgmt completion bash)       # in ~/.bashrc",
		"source <(ordermgmt completion zsh)        # in ~/.zshrc, after compinit",
		"ordermgmt completion fish | source        # in ~/.config/fish/config.fish")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, "SHELL"); err != nil {
		return err
	}
	script, ok := completionScripts[pos[0]]
	if !ok {
		msg := fmt.Sprintf("completion: unknown shell %q; use bash, zsh or fish", pos[0])
		return &usageError{msg: msg, cmd: "completion"}
	}
	_, err = fmt.Fprint(e.stdout, script)
	return err
}

// runComplete prints what may follow: its arguments are the words after
// the program's name, the last one the word being completed.
func runComplete(ctx context.Context, args []string, e *env) error {
	for _, c := range completions(ctx, args) {
		fmt.Fprintln(e.stdout, c)
	}
	return nil
}

// completions lists the candidates for the last word of words.
func completions(ctx context.Context, words []string) []string {
	if len(words) == 0 {
		words = []string{""}
	}
	cur, before := words[len(words)-1], words[:len(words)-1]
	// Only the words that are not flags name the command and subcommand.
	var path []string
	for _, w := range before {
		if !strings.HasPrefix(w, "-") {
			path = append(path, w)
		}
	}
	if len(path) == 0 {
		if strings.HasPrefix(cur, "-") {
			return withPrefix([]string{"--help", "--version"}, cur)
		}
		return withPrefix(commandNames(), cur)
	}
	if _, ok := commands[path[0]]; !ok {
		return nil
	}
	switch path[0] {
	case "help":
		return withPrefix(commandNames(), cur)
	case "completion":
		if !strings.HasPrefix(cur, "-") {
			return withPrefix([]string{"bash", "fish", "zsh"}, cur)
		}
	}
	pe := describe(ctx, path[0])
	if pe.group != nil {
		if len(path) == 1 {
			if strings.HasPrefix(cur, "-") {
				return withPrefix([]string{"--help"}, cur)
			}
			names := make([]string, 0, len(pe.group))
			for n := range pe.group {
				names = append(names, n)
			}
			sort.Strings(names)
			return withPrefix(names, cur)
		}
		pe = describe(ctx, path[0], path[1])
	}
	if pe.cmd == nil || !strings.HasPrefix(cur, "-") {
		return nil
	}
	var flags []string
	pe.cmd.fs.VisitAll(func(f *flag.Flag) { flags = append(flags, "--"+f.Name) })
	return withPrefix(append(flags, "--help"), cur)
}

func withPrefix(list []string, prefix string) []string {
	var out []string
	for _, s := range list {
		if strings.HasPrefix(s, prefix) {
			out = append(out, s)
		}
	}
	return out
}
