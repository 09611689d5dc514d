package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/config"
	"github.com/ordermgmt/ordermgmt/internal/relay"
)

// Environment variables of the relay's own settings.
const (
	envRelayUpstream    = "ORDERMGMT_RELAY_UPSTREAM"
	envRelayCredentials = "ORDERMGMT_RELAY_CREDENTIALS"
	envRelayNode        = "ORDERMGMT_RELAY_NODE"
)

// defaultRelayData keeps the relay's database apart from a server's.
const defaultRelayData = "./ordermgmt-relay-data"

// runRelay runs the relay, or `relay status`.
func runRelay(ctx context.Context, args []string, e *env) error {
	if len(args) > 0 && args[0] == "status" {
		return runRelayStatus(ctx, args[1:], e)
	}
	rc, rest, err := relayFlags(args, e)
	if err != nil {
		return err
	}
	if e.getenv(config.Env.Data) == "" {
		// Flags later in the list win, so --data still overrides this.
		rest = append([]string{"--data", defaultRelayData}, rest...)
	}
	cfg, err := config.Load(rest, e.getenv, e.stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(e.stderr, relayHelp)
			return nil
		}
		return &usageError{strings.TrimPrefix(err.Error(), config.ErrUsage.Error()+": ")}
	}
	log := newLogger(cfg, e.stderr)
	r, err := relay.Start(ctx, cfg, rc, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "ordermgmt relay listening on %s\n", r.URL)
	fmt.Fprintf(e.stdout, "  data: %s\n", r.DataLocation)
	fmt.Fprintf(e.stdout, "  mode: %s\n", cfg.Mode())
	fmt.Fprintf(e.stdout, "  upstream: %s (%d merchant serial numbers with credentials)\n", r.Relay.Upstream(), len(rc.Credentials))
	fmt.Fprintf(e.stdout, "  node: %s\n", rc.Node)
	log.Info("relaying", "url", r.URL, "upstream", r.Relay.Upstream(), "node", rc.Node)

	select {
	case <-ctx.Done():
	case err := <-r.Done():
		return err
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	return r.Shutdown(sctx)
}

const relayHelp = `
Relay flags (before or among the server flags above):
  --upstream production|test|URL   where deliveries go (env ` + envRelayUpstream + `; required)
  --upstream-credentials FILE      upstream keys per MSN (env ` + envRelayCredentials + `):
        {"salesUnits": [{"name": "Shop", "clientId": "...", "clientSecret": "...",
                         "subscriptionKey": "...", "msns": ["123456"]}]}
  --node NAME                      this node's name among relays sharing a database (env ` + envRelayNode + `; default the host name)
  --delivery-deadline DURATION     how long a delivery is retried before it is failed (default 72h)
  --workers N                      deliveries at once (default 4)
  --lease DURATION                 how long a claimed delivery is held for this node (default 2m)
  --attempt-timeout DURATION       an upstream call without an answer ends after this (default 30s)
  --min-backoff, --max-backoff DURATION   the wait between attempts (default 1s, 10m)`

// relayFlags takes the relay's own flags out of args and returns the rest,
// the server's flags, for config.Load.
func relayFlags(args []string, e *env) (relay.Config, []string, error) {
	rc := relay.Config{Upstream: e.getenv(envRelayUpstream), Node: e.getenv(envRelayNode)}
	creds := e.getenv(envRelayCredentials)
	durations := map[string]*time.Duration{
		"delivery-deadline": &rc.Deadline, "lease": &rc.Lease, "attempt-timeout": &rc.AttemptTimeout,
		"min-backoff": &rc.MinBackoff, "max-backoff": &rc.MaxBackoff, "poll": &rc.Poll,
	}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || a == "--" {
			rest = append(rest, args[i:]...)
			break
		}
		d, isDuration := durations[name]
		switch {
		case name == "upstream" || name == "upstream-credentials" || name == "node" || name == "workers" || isDuration:
		default:
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 >= len(args) {
				return rc, nil, usagef("relay: flag --%s needs a value", name)
			}
			i++
			value = args[i]
		}
		switch {
		case name == "upstream":
			rc.Upstream = value
		case name == "upstream-credentials":
			creds = value
		case name == "node":
			rc.Node = value
		case name == "workers":
			if _, err := fmt.Sscanf(value, "%d", &rc.Workers); err != nil || rc.Workers < 1 {
				return rc, nil, usagef("relay: --workers %q must be a whole number of at least 1", value)
			}
		case isDuration:
			v, err := time.ParseDuration(value)
			if err != nil || v <= 0 {
				return rc, nil, usagef("relay: --%s %q must be a positive duration such as 30s or 72h", name, value)
			}
			*d = v
		}
	}
	if rc.Upstream == "" {
		return rc, nil, usagef("relay: --upstream is required: production, test or a URL (env %s)", envRelayUpstream)
	}
	if _, err := client.ResolveBaseURL(rc.Upstream); err != nil {
		return rc, nil, usagef("relay: --upstream: %v", err)
	}
	if creds != "" {
		c, err := relay.LoadCredentials(creds)
		if err != nil {
			return rc, nil, usagef("relay: %v", err)
		}
		rc.Credentials = c
	}
	if rc.Node == "" {
		rc.Node, _ = os.Hostname()
	}
	rc.System = client.System{Name: "ordermgmt-relay", Version: buildVersion()}
	return rc, rest, nil
}

// runRelayStatus prints the counts of a relay's deliveries and the failed
// ones.
func runRelayStatus(ctx context.Context, args []string, e *env) error {
	var f apiFlags
	fs := newFlagSet("relay status", "relay status [flags]",
		"Print how many of the merchant's deliveries are queued, retrying, delivered, failed or in conflict,\nand the failed and conflicting ones with upstream's answer. --base-url is the relay.", e)
	f.register(fs, false)
	limit := fs.Int("limit", 20, "most failed deliveries to list")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos); err != nil {
		return err
	}
	c, err := f.client(e, true)
	if err != nil {
		return err
	}
	key := f.subscriptionKey
	if key == "" {
		key = e.getenv(envSubscriptionKey)
	}
	st, err := fetchRelayStatus(ctx, c, key, "failed", *limit)
	if err != nil {
		return failure(c, err)
	}
	conflicts, err := fetchRelayStatus(ctx, c, key, "conflict", *limit)
	if err != nil {
		return failure(c, err)
	}
	st.Deliveries = append(st.Deliveries, conflicts.Deliveries...)
	if f.json {
		return writeJSON(e.stdout, st)
	}
	writeRelayStatus(e.stdout, st)
	return nil
}

func writeRelayStatus(w io.Writer, st *relay.StatusJSON) {
	fmt.Fprintf(w, "queued %d  retrying %d  delivered %d  failed %d  conflict %d\n",
		st.Counts["queued"], st.Counts["retrying"], st.Counts["delivered"], st.Counts["failed"], st.Counts["conflict"])
	if st.OldestPending != nil {
		fmt.Fprintf(w, "oldest waiting since %s\n", st.OldestPending.Format(time.RFC3339))
	}
	for _, d := range st.Deliveries {
		subject := "image " + d.LocalID
		if d.OrderID != "" {
			subject = "order " + d.OrderID + " (" + d.PaymentType + ")"
		}
		fmt.Fprintf(w, "\n#%d %s %s: %s after %d attempts, accepted %s\n", d.ID, d.Operation, subject, d.State, d.Attempts, d.Created.Format(time.RFC3339))
		if d.LastStatus != 0 {
			fmt.Fprintf(w, "  upstream HTTP %d\n", d.LastStatus)
		}
		if d.LastError != "" {
			fmt.Fprintf(w, "  %s\n", d.LastError)
		}
		fmt.Fprintf(w, "  retry: POST /_relay/deliveries/%d/retry\n", d.ID)
	}
}

// fetchRelayStatus reads GET /_relay/deliveries with the client's token.
func fetchRelayStatus(ctx context.Context, c *client.Client, subscriptionKey, state string, limit int) (*relay.StatusJSON, error) {
	tok, err := c.Token(ctx)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/_relay/deliveries?state=%s&limit=%d", c.BaseURL(), state, limit), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set(api.HeaderAuthorization, "Bearer "+tok.AccessToken)
	req.Header.Set(api.HeaderSubscriptionKey, subscriptionKey)
	req.Header.Set(api.HeaderMSN, c.MSN())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("relay status: HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body)))
	}
	var st relay.StatusJSON
	if err := json.Unmarshal(body, &st); err != nil {
		return nil, fmt.Errorf("relay status: unexpected answer: %w", err)
	}
	return &st, nil
}
