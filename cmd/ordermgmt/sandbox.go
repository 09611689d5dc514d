package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client/sandbox"
)

// runSandbox is `ordermgmt sandbox …`: the sandbox server's tools for
// testing an integration, for the merchant of --msn.
var runSandbox = group("sandbox", map[string]command{
	"fault":     {"add|list|rm|clear: fault rules that shape the server's answers", runSandboxFault},
	"requests":  {"[--order ID] [--follow]: the merchant's request journal", runSandboxRequests},
	"reset":     {"delete the merchant's orders, images, journal and fault rules", runSandboxReset},
	"checklist": {"[--json]: the integration checklist, judged from the journal", runSandboxChecklist},
})

// runSandboxFault is `ordermgmt sandbox fault add|list|rm|clear`.
func runSandboxFault(ctx context.Context, args []string, e *env) error {
	// The group's help shows this summary, not the one of sandbox.
	e.summary = "Fault rules make the sandbox server answer this merchant's matching requests with an error,\na delay or a dropped connection, before or after storing them."
	return faultGroup(ctx, args, e)
}

var faultGroup = group("sandbox fault", map[string]command{
	"add":   {"--operation OP [--order GLOB] [--when before|after] EFFECT [flags]", runFaultAdd},
	"list":  {"[--json]", runFaultList},
	"rm":    {"FAULT_ID", runFaultRm},
	"clear": {"remove all of the merchant's rules", runFaultClear},
})

// sandboxClient builds the SDK's sandbox client from the API flags.
func sandboxClient(af *apiFlags, e *env) (*sandbox.Client, func(error) error, error) {
	c, err := af.client(e, true)
	if err != nil {
		return nil, nil, err
	}
	return sandbox.New(c), func(err error) error { return failure(c, err) }, nil
}

// sandboxCommand parses a sandbox subcommand's flags and its positional
// arguments, which must be exactly names, and returns its client with the
// positional values.
func sandboxCommand(fs *flag.FlagSet, af *apiFlags, args []string, e *env, names ...string) (*sandbox.Client, func(error) error, []string, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := wantArgs(fs, pos, names...); err != nil {
		return nil, nil, nil, err
	}
	sb, fail, err := sandboxClient(af, e)
	return sb, fail, pos, err
}

// runFaultAdd adds a fault rule.
func runFaultAdd(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("sandbox fault add", "sandbox fault add --operation OP [--order GLOB] [--when before|after] EFFECT [flags]",
		"Adds a fault rule: the matching requests of this merchant get the rule's effect, which is at\n"+
			"least one of --status, --retry-after, --delay and --drop. With --when after the request is\n"+
			"processed and stored first, then its answer is replaced or lost.", e,
		"ordermgmt sandbox fault add --operation addReceipt --status 502 --count 1",
		"ordermgmt sandbox fault add --operation addReceipt --order 'order-1*' --when after --drop",
		"ordermgmt sandbox fault add --operation '*' --status 429 --retry-after 2 --probability 0.2 --seed 7")
	var af apiFlags
	af.register(fs, false)
	var r api.FaultRule
	fs.StringVar(&r.Operation, "operation", "", "operation: "+strings.Join(api.Operations, ", ")+", or * for all")
	fs.StringVar(&r.OrderID, "order", "", "glob (* and ?) on the order id, or the image id for addImage")
	fs.StringVar(&r.When, "when", "before", "before (refused, nothing stored) or after (stored, then the answer is replaced or lost)")
	fs.IntVar(&r.Status, "status", 0, "answer with this status, 400 to 599")
	fs.IntVar(&r.RetryAfter, "retry-after", 0, "send Retry-After with this many seconds")
	delay := fs.Duration("delay", 0, "wait this long before answering, such as 500ms")
	fs.BoolVar(&r.Drop, "drop", false, "close the connection without an answer")
	fs.IntVar(&r.Count, "count", 0, "fire at most this many times (0: no bound)")
	prob := fs.Float64("probability", 1, "fire on this share of the matching requests, 0 to 1")
	seed := fs.Int64("seed", 0, "make the probability's draws a fixed sequence")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos); err != nil {
		return err
	}
	if r.Operation == "" {
		return usagef("sandbox fault add: missing --operation; for example --operation addReceipt")
	}
	r.DelayMs = int(delay.Milliseconds())
	if *prob != 1 {
		r.Probability = prob
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "seed" {
			r.Seed = seed
		}
	})
	sb, fail, err := sandboxClient(&af, e)
	if err != nil {
		return err
	}
	id, err := sb.AddFault(ctx, r)
	if err != nil {
		return fail(err)
	}
	if af.json {
		return writeJSON(e.stdout, api.FaultCreated{FaultID: id})
	}
	fmt.Fprintf(e.stdout, "Fault rule added: %s\n  %s\n", id, describeRule(r.Operation, r.OrderID, r.When, r.Status, r.RetryAfter, r.DelayMs, r.Drop))
	fmt.Fprintf(e.stdout, "Remove it with: ordermgmt sandbox fault rm %s\n", id)
	return nil
}

// describeRule says in a line what a rule matches and does.
func describeRule(op, order, when string, status, retryAfter, delayMs int, drop bool) string {
	what := op
	if order != "" {
		what += " of " + order
	}
	if when == "" {
		when = api.FaultBefore
	}
	var effects []string
	if delayMs > 0 {
		effects = append(effects, "wait "+(time.Duration(delayMs)*time.Millisecond).String())
	}
	if drop {
		effects = append(effects, "drop the connection")
	}
	if status != 0 {
		effects = append(effects, "answer "+strconv.Itoa(status))
	}
	if retryAfter > 0 {
		effects = append(effects, "Retry-After "+strconv.Itoa(retryAfter))
	}
	return what + ", " + when + " storing: " + strings.Join(effects, ", ")
}

// runFaultList lists the merchant's rules.
func runFaultList(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("sandbox fault list", "sandbox fault list [--json] [flags]",
		"Lists the merchant's fault rules in the order they match, with how often each fired.", e,
		"ordermgmt sandbox fault list",
		"ordermgmt sandbox fault list --json")
	var af apiFlags
	af.register(fs, false)
	sb, fail, _, err := sandboxCommand(fs, &af, args, e)
	if err != nil {
		return err
	}
	fl, err := sb.Faults(ctx)
	if err != nil {
		return fail(err)
	}
	if af.json {
		return writeJSON(e.stdout, api.FaultList{Faults: fl})
	}
	if len(fl) == 0 {
		fmt.Fprintln(e.stdout, "No fault rules.")
		return nil
	}
	for _, f := range fl {
		fired := strconv.FormatInt(f.Fired, 10)
		if f.Count > 0 {
			fired += " of " + strconv.Itoa(f.Count)
		}
		fmt.Fprintf(e.stdout, "%s  %s\n  fired %s, matched %d", f.FaultID,
			describeRule(f.Operation, f.OrderID, f.When, f.Status, f.RetryAfter, f.DelayMs, f.Drop), fired, f.Matched)
		if f.Probability < 1 {
			fmt.Fprintf(e.stdout, ", probability %g", f.Probability)
			if f.Seed != nil {
				fmt.Fprintf(e.stdout, " (seed %d)", *f.Seed)
			}
		}
		fmt.Fprintln(e.stdout)
	}
	return nil
}

// runFaultRm removes a rule.
func runFaultRm(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("sandbox fault rm", "sandbox fault rm FAULT_ID [flags]",
		"Removes one fault rule.", e,
		"ordermgmt sandbox fault rm 0f8e7a2c-3b1d-4c5e-9f6a-1b2c3d4e5f60")
	var af apiFlags
	af.register(fs, false)
	sb, fail, pos, err := sandboxCommand(fs, &af, args, e, "FAULT_ID")
	if err != nil {
		return err
	}
	if err := sb.DeleteFault(ctx, pos[0]); err != nil {
		return fail(err)
	}
	if af.json {
		return writeJSON(e.stdout, map[string]string{"deleted": pos[0]})
	}
	fmt.Fprintf(e.stdout, "Fault rule %s removed.\n", pos[0])
	return nil
}

// runFaultClear removes every rule of the merchant.
func runFaultClear(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("sandbox fault clear", "sandbox fault clear [flags]",
		"Removes all of the merchant's fault rules.", e,
		"ordermgmt sandbox fault clear")
	var af apiFlags
	af.register(fs, false)
	sb, fail, _, err := sandboxCommand(fs, &af, args, e)
	if err != nil {
		return err
	}
	n, err := sb.ClearFaults(ctx)
	if err != nil {
		return fail(err)
	}
	if af.json {
		return writeJSON(e.stdout, map[string]int64{"deleted": n})
	}
	fmt.Fprintf(e.stdout, "%s removed.\n", plural(int(n), "fault rule"))
	return nil
}

// followInterval is how often `sandbox requests --follow` asks for new
// entries; tests shorten it.
var followInterval = time.Second

// runSandboxRequests prints the journal, oldest first as a log reads;
// --follow keeps printing new entries until interrupted.
func runSandboxRequests(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("sandbox requests", "sandbox requests [--order ID] [--operation OP] [--status S] [--limit N] [--follow] [flags]",
		"Prints the merchant's request journal, oldest first: every API call with its status, duration,\n"+
			"trace id and the fault rule that shaped it. With --json, the service's answer (newest first);\n"+
			"with --follow --json, one entry per line.", e,
		"ordermgmt sandbox requests --order 1001",
		"ordermgmt sandbox requests --status 5xx --limit 20",
		"ordermgmt sandbox requests --follow")
	var af apiFlags
	af.register(fs, false)
	var q sandbox.Query
	fs.StringVar(&q.OrderID, "order", "", "only the requests about this order (or image) id")
	fs.StringVar(&q.Operation, "operation", "", "only this operation, such as addReceipt")
	fs.StringVar(&q.Status, "status", "", "only this status, a class such as 5xx, or 0 for dropped connections")
	fs.IntVar(&q.Limit, "limit", 0, "at most this many entries (default 100)")
	follow := fs.Bool("follow", false, "keep printing new requests until interrupted")
	sb, fail, _, err := sandboxCommand(fs, &af, args, e)
	if err != nil {
		return err
	}
	es, err := sb.Requests(ctx, q)
	if err != nil {
		return fail(err)
	}
	if af.json && !*follow {
		return writeJSON(e.stdout, api.JournalList{Requests: es})
	}
	slices.Reverse(es)
	print := func(es []api.JournalEntry) {
		for i := range es {
			if af.json {
				_ = writeJSONLine(e.stdout, &es[i])
			} else {
				writeEntry(e.stdout, &es[i])
			}
		}
	}
	print(es)
	if !*follow {
		if len(es) == 0 && !af.json {
			fmt.Fprintln(e.stdout, "No requests recorded.")
		}
		return nil
	}
	// New entries are those that started after the newest seen; ids tell
	// apart entries of the same instant.
	seen := map[string]bool{}
	var last time.Time
	for _, en := range es {
		seen[en.ID] = true
		last = en.Time
	}
	q.Limit = 1000
	t := time.NewTicker(followInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		q.After = last.Add(-time.Nanosecond)
		if last.IsZero() {
			q.After = time.Time{}
		}
		es, err := sb.Requests(ctx, q)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fail(err)
		}
		slices.Reverse(es)
		var fresh []api.JournalEntry
		for _, en := range es {
			if !seen[en.ID] {
				seen[en.ID] = true
				fresh = append(fresh, en)
				last = en.Time
			}
		}
		print(fresh)
	}
}

// writeJSONLine writes v as one line of JSON.
func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// writeEntry prints a journal entry on a line, and its problem and fault
// on a second.
func writeEntry(w io.Writer, en *api.JournalEntry) {
	status := strconv.Itoa(en.Status)
	if en.Dropped {
		status = "---"
	}
	fmt.Fprintf(w, "%s  %s  %-6s %s  %s  %.1f ms  trace %s\n", en.Time.Format("2006-01-02T15:04:05.000Z07:00"), status,
		en.Method, en.Path, en.Operation, en.DurationMs, en.TraceID)
	var notes []string
	if en.FaultID != "" {
		note := "fault " + en.FaultID + " (" + en.FaultWhen
		if en.Dropped {
			note += ", dropped"
		}
		if en.HandledStatus != 0 {
			note += ", processed with " + strconv.Itoa(en.HandledStatus)
		}
		notes = append(notes, note+")")
	}
	if en.Code != "" {
		notes = append(notes, en.Code+": "+en.Detail)
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "    %s\n", strings.Join(notes, "; "))
	}
}

// runSandboxReset deletes the merchant's data.
func runSandboxReset(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("sandbox reset", "sandbox reset [flags]",
		"Deletes this merchant's orders, categories, receipts, images, request journal and fault rules\n"+
			"on the sandbox server, so a walkthrough can start again. Other merchants are untouched.", e,
		"ordermgmt sandbox reset",
		"ordermgmt sandbox reset --msn 654321 --json")
	var af apiFlags
	af.register(fs, false)
	sb, fail, _, err := sandboxCommand(fs, &af, args, e)
	if err != nil {
		return err
	}
	res, err := sb.Reset(ctx)
	if err != nil {
		return fail(err)
	}
	if af.json {
		return writeJSON(e.stdout, res)
	}
	fmt.Fprintf(e.stdout, "Deleted %s (%s, %s), %s, %s and %s.\n",
		plural(int(res.Orders), "order"), counted(res.Categories, "category", "categories"), plural(int(res.Receipts), "receipt"),
		plural(int(res.Images), "image"), counted(res.Requests, "journal entry", "journal entries"), plural(int(res.Faults), "fault rule"))
	return nil
}

// counted is n with the word's singular or plural.
func counted(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}

// runSandboxChecklist prints the checklist report. A failing item makes
// the exit status 1, so a CI job can run it after the integration tests.
func runSandboxChecklist(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("sandbox checklist", "sandbox checklist [--json] [flags]",
		"Judges this merchant's request journal against the Vipps MobilePay integration checklist:\n"+
			"each item pass, fail (with the trace ids that show it) or not yet. The exit status is 1\n"+
			"when an item fails.", e,
		"ordermgmt sandbox checklist",
		"ordermgmt sandbox checklist --json")
	var af apiFlags
	af.register(fs, false)
	sb, fail, _, err := sandboxCommand(fs, &af, args, e)
	if err != nil {
		return err
	}
	cl, err := sb.Checklist(ctx)
	if err != nil {
		return fail(err)
	}
	if af.json {
		if err := writeJSON(e.stdout, cl); err != nil {
			return err
		}
	} else {
		writeChecklist(e.stdout, cl)
	}
	var failed int
	for _, it := range cl.Items {
		if it.Result == api.ResultFail {
			failed++
		}
	}
	if failed > 0 {
		return &reportedError{fmt.Sprintf("sandbox checklist: %d of %d items fail", failed, len(cl.Items))}
	}
	return nil
}

// writeChecklist prints the report by section.
func writeChecklist(w io.Writer, cl *api.Checklist) {
	fmt.Fprintf(w, "Integration checklist of merchant %s: %s (%s judged)\n", cl.MSN, cl.Result, plural(cl.Requests, "request"))
	section := ""
	for _, it := range cl.Items {
		if it.Section != section {
			section = it.Section
			fmt.Fprintf(w, "\n%s\n", section)
		}
		fmt.Fprintf(w, "  %-9s %s\n", "["+it.Result+"]", it.Title)
		fmt.Fprintf(w, "            %s\n", it.Detail)
		if ep := it.Endpoint; ep != nil && ep.LastSuccess != nil {
			fmt.Fprintf(w, "            last success %s\n", ep.LastSuccess.Format(time.RFC3339))
		}
		for _, id := range it.Evidence {
			fmt.Fprintf(w, "            trace %s\n", id)
		}
	}
}
