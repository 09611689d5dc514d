package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"github.com/ordermgmt/ordermgmt/internal/app"
	"github.com/ordermgmt/ordermgmt/internal/buildinfo"
	"github.com/ordermgmt/ordermgmt/internal/config"
	"github.com/ordermgmt/ordermgmt/internal/logbuf"
	// serve --database postgres://...
	_ "github.com/ordermgmt/ordermgmt/internal/store/postgres"
)

// runServe starts the server and serves until ctx is cancelled (SIGINT or
// SIGTERM), then lets in-flight requests finish.
func runServe(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("serve", "serve [flags]",
		"Runs the Order Management API server. Without --config it is a sandbox: any credentials get\n"+
			"a token. Data is kept in --data (embedded SQLite), or in PostgreSQL with --database.\n"+
			"Every flag can also be set by the environment variable named in its description.", e,
		"ordermgmt serve",
		"ordermgmt serve --addr 127.0.0.1:9090 --data /tmp/ordermgmt-data",
		"ordermgmt serve --config sales-units.json --log-format json",
		"ORDERMGMT_DATABASE_URL=postgres://user@db:5432/ordermgmt ordermgmt serve")
	cfg := config.Default()
	cfg.Register(fs)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos); err != nil {
		return err
	}
	if err := cfg.Complete(fs, e.getenv); err != nil {
		msg := strings.TrimPrefix(err.Error(), config.ErrUsage.Error()+": ")
		return &usageError{msg: "serve: " + strings.ReplaceAll(msg, "\n", "\n  "), cmd: "serve"}
	}
	log, flush := newLogger(cfg, e.stderr)
	defer flush()
	ballast := gcBallast(e.getenv)
	defer runtime.KeepAlive(ballast)
	// SIGHUP re-reads the sales units file. It is caught from before the
	// server listens: a SIGHUP not caught ends the process, and one may
	// come as soon as the banner says where the server is.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	a, err := app.Start(ctx, cfg, log)
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%w\n  hint: another program (another ordermgmt serve?) uses the port; stop it or choose another with --addr", err)
	}
	if err != nil {
		return err
	}
	printBanner(e.stdout, cfg, a)
	log.Info("serving", "url", a.URL, "data", a.DataLocation, "mode", cfg.Mode(), "version", buildinfo.Version())

	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case err := <-a.Done():
			return err
		case <-hup:
			if err := a.Reload(); err != nil {
				log.Error("configuration not reloaded", "err", err)
			} else {
				log.Info("configuration reloaded", "mode", cfg.Mode())
			}
		}
	}
	log.Info("shutting down; finishing in-flight requests", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	return a.Shutdown(sctx)
}

// printBanner says where the server listens, where its data is, its mode
// and how to get a token there: in sandbox mode a curl with the README's
// credentials, in configured mode the CLI with a sales unit's own.
func printBanner(w io.Writer, cfg config.Config, a *app.App) {
	fmt.Fprintf(w, "ordermgmt %s listening on %s\n", buildinfo.Version(), a.URL)
	fmt.Fprintf(w, "  data: %s\n", a.DataLocation)
	fmt.Fprintf(w, "  mode: %s\n", cfg.Mode())
	if cfg.ConfigFile != "" {
		fmt.Fprintf(w, "Get a token with the credentials of a sales unit in %s:\n", cfg.ConfigFile)
		fmt.Fprintf(w, "  VIPPS_CLIENT_SECRET=... VIPPS_SUBSCRIPTION_KEY=... ordermgmt token --base-url %s --client-id CLIENT_ID\n", a.URL)
		return
	}
	fmt.Fprintf(w, "Get a token (sandbox mode: any credentials work; these are the README's):\n")
	fmt.Fprintf(w, "  curl -s -X POST %s/accesstoken/get -H 'client_id: demo' -H 'client_secret: demo' -H 'Ocp-Apim-Subscription-Key: demo-key' -H 'Merchant-Serial-Number: 123456'\n", a.URL)
}

// ballastSize is the floor of the heap the garbage collector paces itself
// against.
const ballastSize = 32 << 20

// gcBallast allocates memory that is never touched, so it costs address
// space but no RAM: the kernel backs a page only when it is written. The
// server's own heap is a few MiB (SQLite's page caches live outside it),
// so with the default GOGC=100 the collector ran tens of times a second
// under load, each time also shrinking the goroutine stacks that SQLite's
// deep calls then grow again: a tenth of a GET's CPU time. Counting the
// ballast as live heap, a collection comes every ~32 MiB allocated, while
// a large heap (2 MiB image uploads in flight) is paced as before. The
// garbage left between collections is what the ballast costs in RAM: the
// bench's mix peaked at 90 MiB RSS with 32 MiB against 73 MiB with 16 MiB,
// which served about 2 to 5 % fewer requests side by side (BENCHMARKS.md). A
// GOGC or GOMEMLIMIT set by the user is left to act alone.
func gcBallast(getenv func(string) string) []byte {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return nil
	}
	return make([]byte, ballastSize)
}

// newLogger returns the logger of a long-running command and the function
// that writes what it still holds. Lines are batched into few writes (a
// line per request would otherwise cost a system call per request);
// warnings and errors are written at once.
func newLogger(cfg config.Config, w io.Writer) (*slog.Logger, func()) {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	bw := logbuf.New(w)
	var h slog.Handler = slog.NewTextHandler(bw, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(bw, opts)
	}
	return slog.New(logbuf.Handler(h, bw)), func() { _ = bw.Close() }
}
