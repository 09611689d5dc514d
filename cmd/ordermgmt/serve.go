package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/ordermgmt/ordermgmt/internal/app"
	"github.com/ordermgmt/ordermgmt/internal/config"
)

// runServe starts the server and serves until ctx is cancelled (SIGINT or
// SIGTERM), then lets in-flight requests finish.
func runServe(ctx context.Context, args []string, e *env) error {
	cfg, err := config.Load(args, e.getenv, e.stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return &usageError{strings.TrimPrefix(err.Error(), config.ErrUsage.Error()+": ")}
	}
	log := newLogger(cfg, e.stderr)
	a, err := app.Start(ctx, cfg, log)
	if err != nil {
		return err
	}
	printBanner(e.stdout, cfg, a)
	log.Info("serving", "url", a.URL, "data", a.DataLocation, "mode", cfg.Mode())

	select {
	case <-ctx.Done():
	case err := <-a.Done():
		return err
	}
	log.Info("shutting down; finishing in-flight requests", "timeout", cfg.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	return a.Shutdown(sctx)
}

func printBanner(w io.Writer, cfg config.Config, a *app.App) {
	fmt.Fprintf(w, "ordermgmt listening on %s\n", a.URL)
	fmt.Fprintf(w, "  data: %s\n", a.DataLocation)
	fmt.Fprintf(w, "  mode: %s\n", cfg.Mode())
	fmt.Fprintf(w, "Get a token:\n  curl -s -X POST %s/accesstoken/get -H 'client_id: demo' -H 'client_secret: demo' -H 'Ocp-Apim-Subscription-Key: demo' -H 'Merchant-Serial-Number: 123456'\n", a.URL)
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
