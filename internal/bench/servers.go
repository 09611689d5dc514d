package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ordermgmt/ordermgmt/internal/app"
	"github.com/ordermgmt/ordermgmt/internal/config"
)

// RSS scopes: what a result's peak RSS measures.
const (
	RSSServerProcess = "server process"
	RSSBenchProcess  = "bench process (server in-process, load generator included)"
	RSSNone          = "not measured (external target)"
)

// running is a server under test.
type running struct {
	url *url.URL
	// pid is "self", a process id, or "" when the process is unknown.
	pid      string
	rssScope string
	// ready is the time from start until /readyz first answered 200.
	ready time.Duration
	stop  func() error
	// logTail returns the end of the server's log, for error reports.
	logTail func() string
}

// startReference starts the reference server: as a child process when
// cmd is set, else in this process.
func startReference(ctx context.Context, cmd []string, dir string) (*running, error) {
	if len(cmd) > 0 {
		return startChild(ctx, cmd, []string{"127.0.0.1:0"}, filepath.Join(dir, "reference.log"), "/")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: ReferenceHandler(), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	u, _ := url.Parse("http://" + ln.Addr().String())
	return &running{url: u, pid: "self", rssScope: RSSBenchProcess, stop: func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}, logTail: func() string { return "" }}, nil
}

// ServeReference serves the reference handler on addr until ctx ends,
// after printing "reference listening on <URL>" to w. The bench runs it as
// a child process, so that the reference, like our server, has a process
// of its own.
func ServeReference(ctx context.Context, addr string, w io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: ReferenceHandler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(w, "reference listening on http://%s\n", ln.Addr())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// startServer starts our server on data folder dir with the serve flags
// args: as a child process running cmd when set, else in this process
// through app.Start.
func startServer(ctx context.Context, cmd []string, dir string, args []string) (*running, error) {
	args = append([]string{"--addr", "127.0.0.1:0", "--data", dir}, args...)
	if len(cmd) > 0 {
		return startChild(ctx, cmd, args, filepath.Join(dir, "server.log"), "/readyz")
	}
	cfg, err := config.Load(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		return nil, fmt.Errorf("server flags %q: %w", args, err)
	}
	// The same log level and format as serve, written nowhere: formatting
	// each request's line is part of the server's cost.
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: level}))
	t0 := time.Now()
	a, err := app.Start(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(a.URL)
	r := &running{url: u, pid: "self", rssScope: RSSBenchProcess, logTail: func() string { return "" }}
	r.stop = func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return a.Shutdown(sctx)
	}
	if r.ready, err = waitReady(ctx, u, "/readyz", t0); err != nil {
		r.stop()
		return nil, err
	}
	return r, nil
}

var urlInLine = regexp.MustCompile(`listening on (http://\S+)`)

// startChild runs argv followed by args, reads the URL it prints
// ("... listening on http://host:port"), and waits until readyPath answers
// 200. The child's environment lacks ORDERMGMT_* variables, so only the
// flags configure it; its output goes to logPath.
func startChild(ctx context.Context, argv, args []string, logPath, readyPath string) (*running, error) {
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], append(append([]string{}, argv[1:]...), args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "ORDERMGMT_") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Stderr = logf
	dieWithParent(cmd)
	out, err := cmd.StdoutPipe()
	if err != nil {
		logf.Close()
		return nil, err
	}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", argv[0], err)
	}
	exited := make(chan error, 1)
	r := &running{pid: strconv.Itoa(cmd.Process.Pid), rssScope: RSSServerProcess}
	r.logTail = func() string { return tail(logPath, 2000) }
	r.stop = func() error {
		// SIGTERM is the graceful shutdown both children implement.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		var err error
		select {
		case err = <-exited:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			err = <-exited
		}
		logf.Close()
		return err
	}

	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		sent := false
		for sc.Scan() {
			if m := urlInLine.FindStringSubmatch(sc.Text()); m != nil && !sent {
				found <- m[1]
				sent = true
			}
		}
		if !sent {
			close(found)
		}
		exited <- cmd.Wait()
	}()
	var raw string
	select {
	case s, ok := <-found:
		if !ok {
			err := <-exited
			logf.Close()
			return nil, fmt.Errorf("%s exited before listening (%v): %s", argv[0], err, r.logTail())
		}
		raw = s
	case <-time.After(60 * time.Second):
		r.stop()
		return nil, fmt.Errorf("%s did not print its URL within 60s: %s", argv[0], r.logTail())
	case <-ctx.Done():
		r.stop()
		return nil, ctx.Err()
	}
	if r.url, err = url.Parse(raw); err != nil {
		r.stop()
		return nil, err
	}
	if r.ready, err = waitReady(ctx, r.url, readyPath, t0); err != nil {
		r.stop()
		return nil, fmt.Errorf("%w: %s", err, r.logTail())
	}
	return r, nil
}

// waitReady polls path until it answers 200 and returns the time since t0.
func waitReady(ctx context.Context, base *url.URL, path string, t0 time.Time) (time.Duration, error) {
	c := newConn(base, 5*time.Second)
	defer c.close()
	req := &request{method: "GET", path: path, want: http.StatusOK}
	deadline := t0.Add(60 * time.Second)
	for {
		resp, err := c.do(req, 0)
		if err == nil && resp.status == http.StatusOK {
			return time.Since(t0), nil
		}
		if time.Now().After(deadline) {
			if err == nil {
				err = fmt.Errorf("status %d", resp.status)
			}
			return 0, fmt.Errorf("%s%s not ready within 60s: %w", base, path, err)
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// tail returns the last n bytes of a file.
func tail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > n {
		f.Seek(-n, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return strings.TrimSpace(string(b))
}

// errNoStore is returned when seeding is asked of an external target.
var errNoStore = errors.New("--seed needs a server the bench starts itself; it cannot seed a --target")
