package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/buildinfo"
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
	fs := newFlagSet("relay", "relay --upstream production|test|URL [flags]",
		"Runs the relay: the Order Management API on this port, in front of Vipps MobilePay. Every write\n"+
			"is validated, stored with its delivery in one transaction and answered at once (Relay-Delivery:\n"+
			"queued); workers deliver it upstream in order, exactly once, with retries up to a deadline.\n"+
			"Reads are forwarded upstream, and answered from the relay (Relay-Source: local) when upstream\n"+
			"cannot be reached. GET /_relay/deliveries and 'ordermgmt relay status' show the deliveries.\n"+
			"Every server flag of 'ordermgmt serve' applies; several relays may share one --database.", e,
		"ordermgmt relay --upstream production --upstream-credentials upstream.json --config local-units.json",
		"ordermgmt relay --upstream http://127.0.0.1:8080 --addr 127.0.0.1:8090",
		"ordermgmt relay status --base-url http://127.0.0.1:8090 --msn 123456")
	cfg := config.Default()
	cfg.DataDir = defaultRelayData
	cfg.Register(fs)
	rc := relay.Config{}
	var creds string
	fs.StringVar(&rc.Upstream, "upstream", "", "where deliveries go: production, test or a URL (env "+envRelayUpstream+"; required)")
	fs.StringVar(&creds, "upstream-credentials", "", "file of upstream keys per MSN: {\"salesUnits\": [{\"name\", \"clientId\", \"clientSecret\", \"subscriptionKey\", \"msns\": [...]}]} (env "+envRelayCredentials+")")
	fs.StringVar(&rc.Node, "node", "", "this node's name among relays sharing a database (env "+envRelayNode+"; default the host name)")
	fs.DurationVar(&rc.Deadline, "delivery-deadline", relay.DefaultDeadline, "how long a delivery is retried before it is failed")
	fs.IntVar(&rc.Workers, "workers", relay.DefaultWorkers, "deliveries sent at once")
	fs.DurationVar(&rc.Lease, "lease", relay.DefaultLease, "how long a claimed delivery is held for this node; longer than --attempt-timeout")
	fs.DurationVar(&rc.AttemptTimeout, "attempt-timeout", relay.DefaultAttemptTimeout, "an upstream call without an answer ends after this")
	fs.DurationVar(&rc.MinBackoff, "min-backoff", relay.DefaultMinBackoff, "the wait after a first failed attempt; it doubles with each attempt")
	fs.DurationVar(&rc.MaxBackoff, "max-backoff", relay.DefaultMaxBackoff, "the longest wait between attempts")
	fs.DurationVar(&rc.Poll, "poll", relay.DefaultPoll, "how often an idle worker looks for deliveries that came due")
	fs.DurationVar(&rc.DeliveredRetention, "delivered-retention", relay.DefaultDeliveredRetention, "how long a delivered delivery is kept for the status API and the console before it is pruned; 0 keeps them forever (queued, retrying, failed and conflict ones are never pruned)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos); err != nil {
		return err
	}
	usage := func(msg string) error {
		return &usageError{msg: "relay: " + strings.ReplaceAll(msg, "\n", "\n  "), cmd: "relay"}
	}
	if err := cfg.Complete(fs, e.getenv); err != nil {
		return usage(strings.TrimPrefix(err.Error(), config.ErrUsage.Error()+": "))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if !set["upstream"] {
		rc.Upstream = e.getenv(envRelayUpstream)
	}
	if !set["upstream-credentials"] {
		creds = e.getenv(envRelayCredentials)
	}
	if !set["node"] {
		rc.Node = e.getenv(envRelayNode)
	}
	if rc.Upstream == "" {
		return usage("--upstream is required: production, test or a URL (env " + envRelayUpstream + ")")
	}
	if _, err := client.ResolveBaseURL(rc.Upstream); err != nil {
		return usage("--upstream: " + err.Error())
	}
	if rc.DeliveredRetention < 0 {
		return usage("--delivered-retention must be 0 (keep delivered deliveries forever) or a positive duration such as 168h")
	}
	if rc.Workers < 1 || rc.Deadline <= 0 || rc.Lease <= rc.AttemptTimeout || rc.MinBackoff <= 0 || rc.MaxBackoff < rc.MinBackoff {
		return usage("--workers must be at least 1, --delivery-deadline positive, --lease longer than --attempt-timeout, and --max-backoff at least --min-backoff")
	}
	if creds != "" {
		if rc.Credentials, err = relay.LoadCredentials(creds); err != nil {
			return usage(err.Error())
		}
	}
	if rc.Node == "" {
		rc.Node, _ = os.Hostname()
	}
	rc.System = client.System{Name: "ordermgmt-relay", Version: buildinfo.Version()}

	log, flush := newLogger(cfg, e.stderr)
	defer flush()
	r, err := relay.Start(ctx, cfg, rc, log)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "ordermgmt relay listening on %s\n", r.URL)
	fmt.Fprintf(e.stdout, "  data: %s\n", r.DataLocation)
	fmt.Fprintf(e.stdout, "  mode: %s\n", cfg.Mode())
	fmt.Fprintf(e.stdout, "  upstream: %s (credentials for %d merchant serial numbers)\n", r.Relay.Upstream(), len(rc.Credentials))
	fmt.Fprintf(e.stdout, "  node: %s\n", rc.Node)
	log.Info("relaying", "url", r.URL, "upstream", r.Relay.Upstream(), "node", rc.Node, "version", buildinfo.Version())

	select {
	case <-ctx.Done():
	case err := <-r.Done():
		return err
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	return r.Shutdown(sctx)
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
	st, err := fetchRelayStatus(ctx, c, "failed", *limit)
	if err != nil {
		return failure(c, err)
	}
	conflicts, err := fetchRelayStatus(ctx, c, "conflict", *limit)
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

// fetchRelayStatus reads GET /_relay/deliveries of one state.
func fetchRelayStatus(ctx context.Context, c *client.Client, state string, limit int) (*relay.StatusJSON, error) {
	res, err := c.Request(ctx, "relay status", "GET", fmt.Sprintf("/_relay/deliveries?state=%s&limit=%d", state, limit), nil)
	if err != nil {
		return nil, err
	}
	var st relay.StatusJSON
	if err := json.Unmarshal(res.Body, &st); err != nil {
		return nil, fmt.Errorf("relay status: unexpected answer: %w", err)
	}
	return &st, nil
}
