package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/client/sandbox"
	"github.com/ordermgmt/ordermgmt/internal/config"
	"github.com/ordermgmt/ordermgmt/internal/relay"
)

// relayUpstreamDelay is how slow the relay's upstream answers receipts.
const relayUpstreamDelay = 200 * time.Millisecond

// startRelay starts, in this process, an upstream server on SQLite whose
// receipts are answered after relayUpstreamDelay (a sandbox fault rule),
// and a relay in front of it on data folder dir with the serve flags
// args: both child processes of cmd (the serve command) when it is set.
// The relay's workers deliver while the load runs, as they would.
func startRelay(ctx context.Context, cmd []string, dir string, args []string, cred Credentials) (*running, error) {
	// Upstream keeps its data apart, on the embedded store.
	var upArgs []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--database" || a == "-database":
			i++
			continue
		case strings.HasPrefix(a, "--database=") || strings.HasPrefix(a, "-database="):
			continue
		}
		upArgs = append(upArgs, args[i])
	}
	upDir := filepath.Join(dir, "upstream")
	if err := os.MkdirAll(upDir, 0o700); err != nil {
		return nil, err
	}
	up, err := startServer(ctx, cmd, upDir, upArgs)
	if err != nil {
		return nil, fmt.Errorf("upstream: %w", err)
	}
	uc, err := client.New(client.Config{BaseURL: up.url.String(), ClientID: cred.ClientID, ClientSecret: cred.ClientSecret,
		SubscriptionKey: cred.SubscriptionKey, MSN: cred.MSN, System: client.System{Name: "ordermgmt-bench", Version: "1"}})
	if err != nil {
		up.stop()
		return nil, err
	}
	if _, err := sandbox.New(uc).AddFault(ctx, api.FaultRule{Operation: "addReceipt", DelayMs: int(relayUpstreamDelay / time.Millisecond)}); err != nil {
		up.stop()
		return nil, fmt.Errorf("upstream fault rule: %w", err)
	}

	if len(cmd) > 0 {
		return startRelayChild(ctx, cmd[0], dir, args, cred, up)
	}
	cfg, err := config.Load(append([]string{"--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "relay")}, slices.Clone(args)...),
		func(string) string { return "" }, io.Discard)
	if err != nil {
		up.stop()
		return nil, fmt.Errorf("relay flags %q: %w", args, err)
	}
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: level}))
	t0 := time.Now()
	rl, err := relay.Start(ctx, cfg, relay.Config{
		Upstream: up.url.String(), Node: "bench",
		Credentials: map[string]relay.Credentials{cred.MSN: {ClientID: cred.ClientID, ClientSecret: cred.ClientSecret,
			SubscriptionKey: cred.SubscriptionKey, MSNs: []string{cred.MSN}}},
	}, log)
	if err != nil {
		up.stop()
		return nil, err
	}
	u, _ := url.Parse(rl.URL)
	r := &running{url: u, pid: "self", rssScope: RSSBenchProcess, logTail: func() string { return "" }}
	r.stop = func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		err := rl.Shutdown(sctx)
		if uerr := up.stop(); err == nil {
			err = uerr
		}
		return err
	}
	if r.ready, err = waitReady(ctx, u, "/readyz", t0); err != nil {
		r.stop()
		return nil, err
	}
	return r, nil
}

// startRelayChild runs the relay as `exe relay` in front of up.
func startRelayChild(ctx context.Context, exe, dir string, args []string, cred Credentials, up *running) (*running, error) {
	creds := filepath.Join(dir, "upstream-credentials.json")
	b, _ := json.Marshal(relay.CredentialsFile{SalesUnits: []relay.Credentials{{Name: "bench", ClientID: cred.ClientID,
		ClientSecret: cred.ClientSecret, SubscriptionKey: cred.SubscriptionKey, MSNs: []string{cred.MSN}}}})
	if err := os.WriteFile(creds, b, 0o600); err != nil {
		up.stop()
		return nil, err
	}
	data := filepath.Join(dir, "relay")
	if err := os.MkdirAll(data, 0o700); err != nil {
		up.stop()
		return nil, err
	}
	r, err := startChild(ctx, []string{exe, "relay"}, append([]string{"--addr", "127.0.0.1:0", "--data", data,
		"--upstream", up.url.String(), "--upstream-credentials", creds, "--node", "bench"}, args...),
		filepath.Join(data, "relay.log"), "/readyz")
	if err != nil {
		up.stop()
		return nil, err
	}
	stop := r.stop
	r.stop = func() error {
		err := stop()
		if uerr := up.stop(); err == nil {
			err = uerr
		}
		return err
	}
	return r, nil
}
