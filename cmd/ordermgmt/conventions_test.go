package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/client/clienttest"
)

// TestMain lets a test run this very test binary as the ordermgmt program
// (ORDERMGMT_TEST_MAIN=1), for what needs a real process: signals and
// shell completion.
func TestMain(m *testing.M) {
	if os.Getenv("ORDERMGMT_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// commandPaths lists every command and subcommand as the help sees them,
// so the tests below cover commands added later without being told.
func commandPaths(t *testing.T) [][]string {
	t.Helper()
	var paths [][]string
	for _, name := range commandNames() {
		paths = append(paths, []string{name})
		pe := describe(context.Background(), name)
		var subs []string
		for s := range pe.group {
			subs = append(subs, s)
		}
		sort.Strings(subs)
		for _, s := range subs {
			paths = append(paths, []string{name, s})
		}
	}
	return paths
}

// shortFlag finds a flag written with one dash, as the README never does.
var shortFlag = regexp.MustCompile(`(^|[\s(\[])-[a-z][a-z-]+`)

// TestHelpGolden: every command's -h goes to standard output with exit
// status 0, says what the command does, shows examples, writes flags as
// --flag, matches `help CMD`, and is kept in testdata/help/. A new
// command gets a golden file with -update.
func TestHelpGolden(t *testing.T) {
	env := map[string]string{envClientSecret: testSecret, envSubscriptionKey: testSubKey}
	paths := append([][]string{{}}, commandPaths(t)...)
	for _, path := range paths {
		name := strings.Join(path, "-")
		if name == "" {
			name = "ordermgmt"
		}
		t.Run(name, func(t *testing.T) {
			args := append(append([]string{}, path...), "-h")
			got := runCLI(t, args, "", env)
			if got.code != 0 || got.stderr != "" || got.stdout == "" {
				t.Fatalf("ordermgmt %s: exit %d, stderr %q, stdout %d bytes; want exit 0, help on stdout only", strings.Join(args, " "), got.code, got.stderr, len(got.stdout))
			}
			for _, want := range []string{"Usage: ordermgmt", "Examples:\n  "} {
				if !strings.Contains(got.stdout, want) {
					t.Errorf("ordermgmt %s lacks %q:\n%s", strings.Join(args, " "), want, got.stdout)
				}
			}
			if m := shortFlag.FindString(got.stdout); m != "" {
				t.Errorf("ordermgmt %s writes a flag with one dash (%q); write --flag as the README does", strings.Join(args, " "), strings.TrimSpace(m))
			}
			if strings.Contains(got.stdout, testSecret) || strings.Contains(got.stdout, testSubKey) {
				t.Errorf("ordermgmt %s printed a secret from the environment", strings.Join(args, " "))
			}
			if len(path) > 0 {
				viaHelp := runCLI(t, append([]string{"help"}, path...), "", env)
				if viaHelp.stdout != got.stdout || viaHelp.code != 0 {
					t.Errorf("ordermgmt help %s differs from ordermgmt %s (exit %d):\n%s", strings.Join(path, " "), strings.Join(args, " "), viaHelp.code, viaHelp.stdout)
				}
			}
			checkGolden(t, filepath.Join("testdata", "help", name+".golden"), got.stdout)
		})
	}
}

// TestUnknownFlagEveryCommand: a mistyped flag, for every command, is one
// line with a suggestion and a pointer to the command's -h, exit 2.
func TestUnknownFlagEveryCommand(t *testing.T) {
	for _, path := range commandPaths(t) {
		pe := describe(context.Background(), path...)
		if pe.cmd == nil {
			continue // a group: its subcommands have the flags
		}
		args := append(append([]string{}, path...), "--no-such-flag")
		got := runCLI(t, args, "", nil)
		want := "ordermgmt: " + strings.Join(path, " ") + ": unknown flag --no-such-flag\nRun 'ordermgmt " + strings.Join(path, " ") + " -h' for usage.\n"
		if got.code != 2 || got.stderr != want || got.stdout != "" {
			t.Errorf("ordermgmt %s: exit %d, stdout %q, stderr %q; want exit 2 and stderr %q", strings.Join(args, " "), got.code, got.stdout, got.stderr, want)
		}
	}
}

// TestConventionsGolden covers version, completion and usage mistakes.
func TestConventionsGolden(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"version", []string{"version"}, 0},
		{"version-flag", []string{"--version"}, 0},
		{"version-json", []string{"version", "--json"}, 0},
		{"completion-bash", []string{"completion", "bash"}, 0},
		{"completion-zsh", []string{"completion", "zsh"}, 0},
		{"completion-fish", []string{"completion", "fish"}, 0},
		{"complete-commands", []string{"__complete", ""}, 0},
		{"complete-command-prefix", []string{"__complete", "re"}, 0},
		{"complete-subcommands", []string{"__complete", "receipt", ""}, 0},
		{"complete-flags", []string{"__complete", "receipt", "add", "1001", "--p"}, 0},
		{"complete-serve-flags", []string{"__complete", "serve", "--"}, 0},
		{"complete-help", []string{"__complete", "help", "o"}, 0},
		{"complete-shells", []string{"__complete", "completion", ""}, 0},
		{"complete-argument", []string{"__complete", "receipt", "lint", "exa"}, 0},
		{"usage-no-command", nil, 0},
		{"usage-unknown-command", []string{"recipt", "add", "1001"}, 2},
		{"usage-unknown-command-far", []string{"frobnicate"}, 2},
		{"usage-flag-before-command", []string{"--json", "token"}, 2},
		{"usage-unknown-flag", []string{"receipt", "add", "1001", "--fiel", "r.json"}, 2},
		{"usage-flag-value", []string{"bench", "--duration", "soon"}, 2},
		{"usage-flag-needs-value", []string{"receipt", "add", "1001", "--file"}, 2},
		{"usage-unknown-subcommand-near", []string{"order", "gte", "1001"}, 2},
		{"usage-missing-subcommand", []string{"order"}, 2},
		{"usage-help-unknown", []string{"help", "serv"}, 2},
		{"usage-completion-shell", []string{"completion", "powershell"}, 2},
		{"usage-serve-config", []string{"serve", "--log-format", "xml", "--token-ttl", "1s"}, 2},
		{"usage-extra-argument", []string{"token", "extra"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runCLI(t, tt.args, "", nil)
			if got.code != tt.code {
				t.Errorf("ordermgmt %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(tt.args, " "), got.code, tt.code, got.stdout, got.stderr)
			}
			checkGolden(t, filepath.Join("testdata", tt.name+".golden"), transcript(tt.args, "", got))
		})
	}
}

// goPlatform is the Go version and platform that version prints.
var goPlatform = regexp.MustCompile(`go1\.\d+(\.\d+)?\S* \w+/\w+`)

// transcript is what a golden file holds: the command line and both
// streams, with what differs between runs replaced.
func transcript(args []string, stdin string, got cliRun) string {
	var b strings.Builder
	b.WriteString("$ ordermgmt " + strings.Join(args, " "))
	if stdin != "" {
		b.WriteString(" < " + stdin)
	}
	b.WriteString("\n-- stdout --\n" + got.stdout + "-- stderr --\n" + got.stderr)
	return goPlatform.ReplaceAllString(normalize(b.String()), "<GO PLATFORM>")
}

// TestJSONFailures: with --json a failure is also a JSON object on
// standard output, the sentence still on standard error.
func TestJSONFailures(t *testing.T) {
	srv := clienttest.NewServer(t)
	environ := map[string]string{envBaseURL: srv.URL, envClientID: "cli-test", envClientSecret: testSecret,
		envSubscriptionKey: testSubKey, envMSN: "123456"}
	tests := []struct {
		name     string
		args     []string
		code     int
		wantCode string
	}{
		{"json-fail-not-found", []string{"order", "get", "9999", "--json"}, 1, "order_not_found"},
		{"json-fail-usage", []string{"order", "get", "1001", "--payment-type", "card", "--json"}, 2, "usage"},
		{"json-fail-unknown-flag", []string{"receipt", "add", "--json", "1001", "--fiel", "r.json"}, 2, "usage"},
		{"json-fail-invalid-receipt", []string{"receipt", "lint", "testdata/receipt-invalid.json", "--json"}, 1, ""},
		{"json-fail-unreachable", []string{"token", "--json", "--base-url", "http://127.0.0.1:1"}, 1, "unreachable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runCLI(t, tt.args, "", environ)
			if got.code != tt.code {
				t.Errorf("ordermgmt %s: exit %d, want %d\nstderr:\n%s", strings.Join(tt.args, " "), got.code, tt.code, got.stderr)
			}
			if !strings.HasPrefix(got.stderr, "ordermgmt: ") {
				t.Errorf("stderr = %q, want the sentence", got.stderr)
			}
			var out map[string]any
			if err := json.Unmarshal([]byte(got.stdout), &out); err != nil {
				t.Fatalf("stdout is not one JSON object: %v\n%s", err, got.stdout)
			}
			if tt.wantCode != "" {
				if out["code"] != tt.wantCode || out["message"] == "" || out["exitCode"] != float64(tt.code) {
					t.Errorf("stdout = %s; want code %q, a message and exitCode %d", got.stdout, tt.wantCode, tt.code)
				}
			}
			checkGolden(t, filepath.Join("testdata", tt.name+".golden"), transcript(tt.args, "", got))
		})
	}
}

// TestBashCompletion loads the bash script into a real bash and completes
// with it; the script calls this test binary as the program.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		words []string
		want  string
	}{
		{[]string{"rec"}, "receipt"},
		{[]string{"receipt", "l"}, "lint"},
		{[]string{"order", "get", "1001", "--payment-t"}, "--payment-type"},
		{[]string{"completion", "z"}, "zsh"},
	}
	for _, tt := range tests {
		words := append([]string{exe}, tt.words...)
		var quoted []string
		for _, w := range words {
			quoted = append(quoted, "'"+w+"'")
		}
		script := "source <(\"$EXE\" completion bash)\nCOMP_WORDS=(" + strings.Join(quoted, " ") + ")\nCOMP_CWORD=" +
			strconv.Itoa(len(words)-1) + "\n_ordermgmt\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n"
		cmd := exec.Command(bash, "--norc", "-c", script)
		cmd.Env = append(os.Environ(), "ORDERMGMT_TEST_MAIN=1", "EXE="+exe)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("bash: %v\n%s", err, out)
		}
		if got := strings.TrimSpace(string(out)); got != tt.want {
			t.Errorf("bash completion of %q = %q, want %q", tt.words, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"bench", "category", "order", "receipt", "serve", "token"}
	tests := []struct{ in, want string }{
		{"serv", "serve"}, {"recipt", "receipt"}, {"toekn", "token"}, {"ordr", "order"},
		{"cat", "category"}, {"frobnicate", ""}, {"x", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.in, names); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
