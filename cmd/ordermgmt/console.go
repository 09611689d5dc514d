package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/auth"
	"github.com/ordermgmt/ordermgmt/internal/buildinfo"
	"github.com/ordermgmt/ordermgmt/internal/console"
	"github.com/ordermgmt/ordermgmt/internal/store/sqlite"
)

// consoleSystemName is sent as Vipps-System-Name by the standalone console.
const consoleSystemName = "ordermgmt-console"

// Defaults of the standalone console.
const (
	defaultConsoleAddr = "127.0.0.1:8081"
	defaultConsoleData = "./ordermgmt-console-data"
	envConsoleConfig   = "ORDERMGMT_CONSOLE_CONFIG"
)

// runConsole is `ordermgmt console`: the support console on its own,
// acting on any Order Management API (ours or the real one) through the
// SDK with the credentials of one sales unit.
func runConsole(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("console", "console [--base-url URL|test|production] [--config FILE] [flags]",
		"Runs the support console against an Order Management API with the sales unit's credentials.\n"+
			"With --config, console users sign in (the \"console\" section of the configuration file)\n"+
			"and see only their merchants; without it the console is open, and may listen on a\n"+
			"loopback address only. The record of support actions is kept in console.db in the data folder.", e,
		"ordermgmt console",
		"ordermgmt console --base-url http://127.0.0.1:8080 --addr 127.0.0.1:8081",
		"ordermgmt console --env test --config console.json --addr :8081")
	var af apiFlags
	af.register(fs, false)
	addr := fs.String("addr", defaultConsoleAddr, "listen address of the console")
	data := fs.String("data", defaultConsoleData, "data folder for the record of support actions (console.db)")
	cfgFile := fs.String("config", "", "configuration file with a \"console\" section of users (env "+envConsoleConfig+")")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if *cfgFile == "" {
		*cfgFile = e.getenv(envConsoleConfig)
	}
	cc, err := af.clientConfig(e, false)
	if err != nil {
		return err
	}
	cc.System = client.System{Name: consoleSystemName, Version: buildinfo.Version(),
		PluginName: consoleSystemName, PluginVersion: buildinfo.Version()}
	// The sandbox's tools exist on ordermgmt servers, never on Vipps
	// MobilePay's own.
	real := cc.BaseURL == client.ProductionURL || cc.BaseURL == client.TestURL
	opts := console.Options{Open: *cfgFile == "", Where: cc.BaseURL, Loopback: console.LoopbackAddr(*addr), Sandbox: !real}
	if *cfgFile != "" {
		cfg, err := auth.LoadConsoleConfig(*cfgFile)
		if err != nil {
			return usagef("%v", err)
		}
		opts.Users, opts.Markets, opts.AppNames = cfg.Users, cfg.Markets, cfg.AppNames
	} else if !opts.Loopback {
		return usagef("console: without --config the console is open to anyone who reaches it; " +
			"listen on a loopback address (--addr 127.0.0.1:8081) or give console users with --config")
	}
	// The record lives in a SQLite file of its own: the API offers no place
	// for it, and the real one must not be asked to keep it.
	rec, err := sqlite.Open(ctx, filepath.Join(*data, "console.db"), sqlite.Options{})
	if err != nil {
		return fmt.Errorf("console: open the record of support actions: %w", err)
	}
	defer rec.Close()
	opts.Actions = rec
	opts.Client = perMerchant(cc)
	opts.Logger = slog.New(slog.NewTextHandler(e.stderr, nil))
	con, err := console.New(opts)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("console: listen on %s: %w", *addr, err)
	}
	srv := &http.Server{
		Handler:           con,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      90 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	fmt.Fprintf(e.stdout, "ordermgmt console listening on http://%s%s/\n", ln.Addr(), console.Prefix)
	fmt.Fprintf(e.stdout, "  API: %s\n", cc.BaseURL)
	if opts.Open {
		fmt.Fprintln(e.stdout, "  open: no sign-in (loopback only)")
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// perMerchant makes one client per merchant from the sales unit's
// configuration, so each keeps its own token.
func perMerchant(cfg client.Config) func(msn string) (*client.Client, error) {
	var mu sync.Mutex
	clients := map[string]*client.Client{}
	return func(msn string) (*client.Client, error) {
		mu.Lock()
		defer mu.Unlock()
		if c, ok := clients[msn]; ok {
			return c, nil
		}
		cc := cfg
		cc.MSN = msn
		c, err := client.New(cc)
		if err != nil {
			return nil, err
		}
		clients[msn] = c
		return c, nil
	}
}
