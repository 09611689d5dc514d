package main

import (
	"bufio"
	"context"
	"errors"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInterruptWhileReadingStdin runs the program as a real process,
// blocked reading a receipt from a pipe that never ends (as
// `(sleep 30 | ordermgmt receipt add 2014)`), sends it SIGINT and expects
// it to stop within a second, with exit status 130.
func TestInterruptWhileReadingStdin(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			exe, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(exe, "receipt", "add", "2014", "--verbose")
			cmd.Env = append(os.Environ(), "ORDERMGMT_TEST_MAIN=1", envClientID+"=a", envClientSecret+"=b",
				envSubscriptionKey+"=c", envMSN+"=123456", envBaseURL+"=http://127.0.0.1:1")
			stdin, err := cmd.StdinPipe() // never written to, never closed until the end
			if err != nil {
				t.Fatal(err)
			}
			defer stdin.Close()
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer cmd.Process.Kill()
			// --verbose says when the command starts waiting for its input.
			sc := bufio.NewScanner(stderr)
			if !sc.Scan() || !strings.Contains(sc.Text(), "reading the receipt JSON from standard input") {
				t.Fatalf("first line of stderr = %q, want the reading notice", sc.Text())
			}
			sent := time.Now()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			var rest []string
			for sc.Scan() {
				rest = append(rest, sc.Text())
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				took := time.Since(sent)
				var ee *exec.ExitError
				if !errors.As(err, &ee) || ee.ExitCode() != 128+int(sig) {
					t.Errorf("exit = %v, want status %d", err, 128+int(sig))
				}
				if took > time.Second {
					t.Errorf("exited %v after the signal, want within 1s", took)
				}
				want := map[syscall.Signal]string{syscall.SIGINT: "ordermgmt: interrupted", syscall.SIGTERM: "ordermgmt: terminated"}[sig]
				if strings.Join(rest, "\n") != want {
					t.Errorf("stderr after the signal = %q, want %q", rest, want)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("still running 5s after the signal")
			}
		})
	}
}

// TestTraceIDInServerLog: the trace id the CLI prints for a failure is in
// the server's log line for that request, in the same form.
func TestTraceIDInServerLog(t *testing.T) {
	url, _, log := startServe(t)
	got := runCLI(t, []string{"order", "get", "4242"}, "", map[string]string{envBaseURL: url,
		envClientID: "cli-test", envClientSecret: testSecret, envSubscriptionKey: testSubKey, envMSN: "123456"})
	m := regexp.MustCompile(`trace id: (00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2})`).FindStringSubmatch(got.stderr)
	if got.code != 1 || m == nil {
		t.Fatalf("order get 4242: exit %d, stderr %q; want exit 1 and a trace id", got.code, got.stderr)
	}
	// The log writes its info lines in batches, a few milliseconds late.
	var line string
	for deadline := time.Now().Add(5 * time.Second); line == "" && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for l := range strings.SplitSeq(log.String(), "\n") {
			if strings.Contains(l, m[1]) {
				line = l
			}
		}
	}
	if line == "" {
		t.Fatalf("server log lacks the trace id %s 5 s after the request:\n%s", m[1], log.String())
	}
	if !strings.Contains(line, "path=/order-management/v2/ECOM/4242") || !strings.Contains(line, "status=404") {
		t.Errorf("log line with the trace id is not the request's: %s", line)
	}
}

// startServe runs `ordermgmt serve` in this process on a free port until
// the test ends, and returns its URL, banner and log.
func startServe(t *testing.T, args ...string) (url string, stdout, stderr *lockedBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &lockedBuffer{}, &lockedBuffer{}
	e := &env{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	args = append([]string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, args...)
	go func() { done <- run(ctx, args, e) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	urlRE := regexp.MustCompile(`listening on (http://\S+)`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(stdout.String()); m != nil {
			return m[1], stdout, stderr
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\nstderr:\n%s", err, stderr.String())
		default:
		}
	}
	t.Fatalf("no URL in the banner; stdout %q stderr %q", stdout.String(), stderr.String())
	return "", nil, nil
}
