package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/internal/bench"
)

// runBench measures the server against a bare net/http reference on this
// machine and prints a table (or JSON). By default both servers run as
// child processes of this binary, so each one's memory is its own.
func runBench(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("bench", "bench [flags]",
		"Measures the server against a bare net/http reference server on this machine: requests per second,\n"+
			"latency percentiles and peak memory per scenario, and each scenario's ratio to the reference.\n"+
			"Both servers run as child processes of this binary unless --in-process; --target measures a running server.", e,
		"ordermgmt bench --scenarios ref-get,get,receipt --duration 5s",
		"ordermgmt bench --target http://127.0.0.1:8080 --scenarios get",
		"ordermgmt bench --seed 1000000 --scenarios get-seeded --json-out seeded.json")
	var (
		o         bench.Options
		asJSON    bool
		jsonOut   string
		inProcess bool
		scenarios string
		dbURL     string
		logLevel  string
		refAddr   string
		cred      = bench.DefaultCredentials
	)
	fs.IntVar(&o.Connections, "connections", 64, "keep-alive connections")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "measured time per scenario")
	fs.DurationVar(&o.Warmup, "warmup", time.Second, "unmeasured time before each scenario (0 for none)")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	fs.StringVar(&jsonOut, "json-out", "", "also write the JSON report to this file")
	fs.StringVar(&o.Target, "target", "", "measure the server at this URL instead of starting one")
	fs.IntVar(&o.Seed, "seed", 0, "seed a fresh store with N orders, then measure ready time and GET on it")
	fs.BoolVar(&o.CommitPerRequest, "commit-per-request", false, "run the server with --commit-per-request")
	fs.StringVar(&scenarios, "scenarios", "", "comma-separated scenarios to run (default all): ref-get, ref-post, get, receipt, category, image-200k, image-2m, mix, receipt-cpr, get-seeded, relay-receipt")
	fs.StringVar(&dbURL, "database", "", "run the server on this PostgreSQL URL instead of SQLite")
	journalSize := fs.Int("journal-size", -1, "run the server with --journal-size N (0 turns the sandbox journal off; default serve's own)")
	fs.StringVar(&logLevel, "log-level", "info", "the server's log level (its log goes to a file in the temporary data folder)")
	fs.BoolVar(&inProcess, "in-process", false, "run the servers inside the bench process (peak RSS then includes the load generator)")
	fs.StringVar(&o.TempDir, "tmp", "", "where temporary data folders go (default the system's; avoid tmpfs, where fsync is free)")
	fs.IntVar(&o.Preload, "preload", 1000, "orders stored for GET, PUT category and the mix to read")
	fs.StringVar(&cred.ClientID, "client-id", cred.ClientID, "client_id for the token")
	fs.StringVar(&cred.ClientSecret, "client-secret", cred.ClientSecret, "client_secret for the token")
	fs.StringVar(&cred.SubscriptionKey, "subscription-key", cred.SubscriptionKey, "Ocp-Apim-Subscription-Key")
	fs.StringVar(&cred.MSN, "msn", cred.MSN, "Merchant-Serial-Number")
	// The bench starts the reference server as a child of itself with this flag.
	fs.StringVar(&refAddr, "reference-server", "", "serve only the reference handler on this address (used by the bench itself)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos); err != nil {
		return err
	}
	if refAddr != "" {
		return bench.ServeReference(ctx, refAddr, e.stdout)
	}
	if o.Warmup == 0 {
		o.Warmup = -1
	}
	if scenarios != "" {
		o.Scenarios = strings.Split(scenarios, ",")
	}
	o.Credentials = cred
	o.ServerArgs = []string{"--log-level", logLevel}
	if dbURL != "" {
		o.ServerArgs = append(o.ServerArgs, "--database", dbURL)
	}
	if *journalSize >= 0 {
		o.ServerArgs = append(o.ServerArgs, "--journal-size", strconv.Itoa(*journalSize))
	}
	if !inProcess {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("bench: find this program to run the servers: %w (or use --in-process)", err)
		}
		o.ServerCommand = []string{exe, "serve"}
		o.ReferenceCommand = []string{exe, "bench", "--reference-server"}
	}
	o.Progress = e.stderr
	rep, err := bench.Run(ctx, o)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if jsonOut != "" {
		f, err := os.Create(jsonOut)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		werr := rep.WriteJSON(f)
		if err := errors.Join(werr, f.Close()); err != nil {
			return fmt.Errorf("bench: write %s: %w", jsonOut, err)
		}
	}
	if asJSON {
		return rep.WriteJSON(e.stdout)
	}
	return rep.WriteTable(e.stdout)
}
