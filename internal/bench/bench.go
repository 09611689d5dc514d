// Package bench measures the server against a yardstick on the same
// machine: a load generator speaking keep-alive HTTP/1.1, a bare net/http
// reference server, the scenarios of the API (GET order, POST receipt,
// PUT category, POST image, a mix), bulk seeding of a store, and a report
// as a table or JSON. `ordermgmt bench` is its command line.
//
// Every figure of one run comes from the same machine, back to back: the
// reference first, then our server. Ratios divide our requests/s by the
// reference's, so they say how much of the machine's HTTP capacity the
// server keeps while doing its work.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"
)

// Options configure a run. The zero value runs every scenario for the
// defaults below with servers inside this process.
type Options struct {
	// Connections is the number of keep-alive connections; zero means 64.
	Connections int
	// Duration is how long each scenario is measured; zero means 10s.
	Duration time.Duration
	// Warmup runs before each scenario's measurement, unrecorded; zero
	// means 1s, a negative value none.
	Warmup time.Duration
	// Scenarios lists the scenarios to run (see the Scenario constants);
	// empty means all. The reference scenarios a ratio needs are added.
	Scenarios []string
	// Target is the URL of a running server to measure instead of
	// starting one. Its memory is not measured.
	Target string
	// Seed, when positive, seeds a fresh store with this many orders and
	// measures the time until it is ready and GET against it.
	Seed int
	// CommitPerRequest runs our server with --commit-per-request.
	CommitPerRequest bool
	// ServerArgs are extra flags for serve, such as --database URL.
	ServerArgs []string
	// ServerCommand, when set, runs our server as a child process: the
	// command followed by serve's flags (for example the ordermgmt binary
	// and "serve"). Its peak RSS is then the server's alone. When nil the
	// server runs inside this process.
	ServerCommand []string
	// ReferenceCommand, when set, runs the reference server as a child
	// process: the command followed by the address to listen on; it must
	// print "listening on <URL>" (see ServeReference).
	ReferenceCommand []string
	// Credentials ask the token; zero means DefaultCredentials.
	Credentials Credentials
	// Preload is how many orders GET, PUT category and the mix read; zero
	// means 1000.
	Preload int
	// TempDir holds the servers' data folders, removed at the end; empty
	// means the system's temporary directory. Put it on the disk whose
	// durability you want to measure: a tmpfs makes fsync free.
	TempDir string
	// RunID makes order and image ids unique to the run; empty means random.
	RunID string
	// Progress receives a line as each step starts; nil means none.
	Progress io.Writer
}

// Result is one scenario's figures.
type Result struct {
	Scenario    string  `json:"scenario"`
	Description string  `json:"description"`
	Server      string  `json:"server"`
	Requests    int64   `json:"requests"`
	Errors      int64   `json:"errors"`
	Seconds     float64 `json:"seconds"`
	RPS         float64 `json:"requestsPerSecond"`
	P50ms       float64 `json:"p50Ms"`
	P90ms       float64 `json:"p90Ms"`
	P99ms       float64 `json:"p99Ms"`
	MaxMs       float64 `json:"maxMs"`
	// BodyMBps is request-body megabytes (10^6 bytes) per second of
	// successful requests, for the image scenarios.
	BodyMBps float64 `json:"bodyMBPerSecond,omitempty"`
	// PeakRSSBytes is the peak resident memory during the scenario of the
	// process RSSScope names; 0 when not measured.
	PeakRSSBytes int64  `json:"peakRssBytes"`
	RSSScope     string `json:"rssScope"`
	// ServerCPUus is the server process's CPU time (user + system) per
	// request in microseconds: less noisy than requests/s on a shared
	// machine. 0 when the server is not a child process of the bench.
	ServerCPUus float64 `json:"serverCpuUsPerRequest,omitempty"`
	// Ratio is RPS divided by the RPS of RatioTo, a reference scenario.
	Ratio   float64 `json:"ratio,omitempty"`
	RatioTo string  `json:"ratioTo,omitempty"`
	// ErrorSamples describe the first failed requests.
	ErrorSamples []string `json:"errorSamples,omitempty"`
}

// SeedResult describes the seeding of a store.
type SeedResult struct {
	Orders        int     `json:"orders"`
	Seconds       float64 `json:"seconds"`
	OrdersPerSec  float64 `json:"ordersPerSecond"`
	ReadySeconds  float64 `json:"readySeconds"`
	DatabaseBytes int64   `json:"databaseBytes"`
}

// Target is one goal of the performance issue with its measured figure.
type Target struct {
	Name     string  `json:"name"`
	Want     string  `json:"want"`
	Measured float64 `json:"measured"`
	Unit     string  `json:"unit"`
	Met      bool    `json:"met"`
}

// Machine describes where the run happened.
type Machine struct {
	CPUs      int    `json:"cpus"`
	CPUModel  string `json:"cpuModel"`
	GoVersion string `json:"goVersion"`
	OS        string `json:"os"`
}

// Report is a whole run.
type Report struct {
	Started     time.Time   `json:"started"`
	Machine     Machine     `json:"machine"`
	Connections int         `json:"connections"`
	Duration    string      `json:"duration"`
	Store       string      `json:"store"`
	Commit      string      `json:"commit"`
	Target      string      `json:"target,omitempty"`
	Results     []Result    `json:"results"`
	Seed        *SeedResult `json:"seed,omitempty"`
	Targets     []Target    `json:"targets"`
}

// Result returns the result of scenario name, or nil.
func (r *Report) Result(name string) *Result {
	for i := range r.Results {
		if r.Results[i].Scenario == name {
			return &r.Results[i]
		}
	}
	return nil
}

func (o *Options) normalize() error {
	if o.Connections <= 0 {
		o.Connections = 64
	}
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	switch {
	case o.Warmup == 0:
		o.Warmup = time.Second
	case o.Warmup < 0:
		o.Warmup = 0
	}
	if o.Credentials == (Credentials{}) {
		o.Credentials = DefaultCredentials
	}
	if o.Preload <= 0 {
		o.Preload = 1000
	}
	if o.RunID == "" {
		var b [4]byte
		rand.Read(b[:])
		o.RunID = hex.EncodeToString(b[:])
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Target != "" {
		u, err := url.Parse(o.Target)
		if err != nil || u.Scheme != "http" || u.Host == "" {
			return fmt.Errorf("--target %q: want an http:// URL such as http://127.0.0.1:8080", o.Target)
		}
		if o.Seed > 0 {
			return errNoStore
		}
	}
	want := o.Scenarios
	if len(want) == 0 {
		want = strings.Split(defaultScenarioList, ",")
	}
	var names []string
	for _, n := range want {
		d, ok := scenarioByName(n)
		if !ok {
			return fmt.Errorf("unknown scenario %q; choose from %s", n, defaultScenarioList)
		}
		names = append(names, n, d.ratioTo)
	}
	// get-seeded needs a seeded store; receipt-cpr a server the bench
	// starts on the embedded store. Asked for explicitly without them is a
	// mistake; from the default list they are dropped.
	var keep []string
	for _, d := range scenarioDefs {
		if !slices.Contains(names, d.name) {
			continue
		}
		switch {
		case d.name == ScenarioSeededGet && o.Seed <= 0:
			if len(o.Scenarios) > 0 {
				return errors.New("scenario get-seeded needs --seed N")
			}
			continue
		case d.name == ScenarioRelayReceipt && o.Target != "":
			if len(o.Scenarios) > 0 {
				return errors.New("scenario relay-receipt needs a relay and an upstream the bench starts; it cannot use --target")
			}
			continue
		case d.name == ScenarioReceiptCPR && (o.Target != "" || o.CommitPerRequest || database(o.ServerArgs) != ""):
			switch {
			case len(o.Scenarios) == 0 || o.CommitPerRequest:
			case o.Target != "":
				return errors.New("scenario receipt-cpr needs a server the bench starts; it cannot restart a --target")
			default:
				return errors.New("scenario receipt-cpr compares the embedded store's commit modes; PostgreSQL has no such switch")
			}
			continue
		}
		keep = append(keep, d.name)
	}
	if o.Seed > 0 && !slices.Contains(keep, ScenarioSeededGet) {
		keep = append(keep, ScenarioSeededGet)
		if !slices.Contains(keep, ScenarioRefGet) {
			keep = append([]string{ScenarioRefGet}, keep...)
		}
	}
	o.Scenarios = keep
	return nil
}

// Run measures the scenarios of opts and returns the report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if err := opts.normalize(); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(opts.TempDir, "ordermgmt-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	rep := &Report{
		Started:     time.Now().UTC(),
		Machine:     machine(),
		Connections: opts.Connections,
		Duration:    opts.Duration.String(),
		Store:       "sqlite",
		Commit:      "group",
		Target:      opts.Target,
	}
	switch {
	case database(opts.ServerArgs) != "":
		// PostgreSQL groups concurrent commits itself; the switch is
		// the embedded store's.
		rep.Store, rep.Commit = "postgres", "PostgreSQL's own"
	case opts.CommitPerRequest:
		rep.Commit = "per-request"
	}
	r := &runner{opts: opts, tmp: tmp, rep: rep}

	for _, group := range []string{serverReference, serverMain, serverPerReq, serverSeeded, serverRelay} {
		var names []string
		for _, n := range opts.Scenarios {
			if d, _ := scenarioByName(n); d.server == group {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			continue
		}
		if err := r.runGroup(ctx, group, names); err != nil {
			return nil, err
		}
	}
	for i := range rep.Results {
		res := &rep.Results[i]
		d, _ := scenarioByName(res.Scenario)
		if ref := rep.Result(d.ratioTo); ref != nil && ref.RPS > 0 && d.server != serverReference {
			res.Ratio, res.RatioTo = res.RPS/ref.RPS, d.ratioTo
		}
	}
	rep.Targets = targets(rep)
	return rep, nil
}

// runner carries a run's state between its server groups.
type runner struct {
	opts Options
	tmp  string
	rep  *Report
}

// runGroup starts the server of group, prepares it, measures the
// scenarios names against it and stops it.
func (r *runner) runGroup(ctx context.Context, group string, names []string) error {
	o := r.opts
	dir, err := os.MkdirTemp(r.tmp, group+"-")
	if err != nil {
		return err
	}
	args := slices.Clone(o.ServerArgs)
	if o.CommitPerRequest || group == serverPerReq {
		args = append(args, "--commit-per-request")
	}

	if group == serverSeeded {
		fmt.Fprintf(o.Progress, "seeding %d orders into %s\n", o.Seed, dir)
		took, err := seedStore(ctx, dir, args, o.Credentials, o.Seed, o.Progress)
		if err != nil {
			return err
		}
		r.rep.Seed = &SeedResult{Orders: o.Seed, Seconds: took.Seconds(), OrdersPerSec: float64(o.Seed) / took.Seconds(),
			DatabaseBytes: dirSize(dir)}
	}

	var srv *running
	switch {
	case group == serverReference:
		fmt.Fprintf(o.Progress, "starting the reference server\n")
		srv, err = startReference(ctx, o.ReferenceCommand, dir)
	case group == serverRelay:
		fmt.Fprintf(o.Progress, "starting the relay and its upstream, which answers receipts after %s\n", relayUpstreamDelay)
		srv, err = startRelay(ctx, o.ServerCommand, dir, args, o.Credentials)
	case o.Target != "" && group == serverMain:
		u, _ := url.Parse(o.Target)
		srv = &running{url: u, rssScope: RSSNone, stop: func() error { return nil }, logTail: func() string { return "" }}
	default:
		fmt.Fprintf(o.Progress, "starting the server (%s)\n", group)
		srv, err = startServer(ctx, o.ServerCommand, dir, args)
	}
	if err != nil {
		return fmt.Errorf("start %s server: %w", group, err)
	}
	defer srv.stop()
	if group == serverSeeded {
		r.rep.Seed.ReadySeconds = srv.ready.Seconds()
		fmt.Fprintf(o.Progress, "  ready %.3fs after start\n", srv.ready.Seconds())
	}

	fx, err := r.fixture(ctx, group, srv)
	if err != nil {
		return fmt.Errorf("%w%s", err, logSuffix(srv))
	}
	for _, name := range names {
		d, _ := scenarioByName(name)
		fmt.Fprintf(o.Progress, "%-12s %d connections, %s warmup + %s\n", name, o.Connections, o.Warmup, o.Duration)
		var probe *rssProbe
		if srv.pid != "" {
			probe = newRSSProbe(srv.pid)
			probe.start()
		}
		cpuPID := srv.pid
		if cpuPID == "self" {
			cpuPID = "" // the load generator's CPU would be counted too
		}
		lr, err := runLoad(ctx, srv.url, name, fx, o.Connections, o.Warmup, o.Duration, uint64(len(r.rep.Results)+1), cpuPID)
		var peak int64
		if probe != nil {
			peak = probe.peak()
		}
		if err != nil {
			return fmt.Errorf("scenario %s: %w", name, err)
		}
		res := Result{
			Scenario: name, Description: d.what, Server: group,
			Requests: lr.requests, Errors: lr.errors, Seconds: lr.window.Seconds(),
			RPS:   float64(lr.requests) / lr.window.Seconds(),
			P50ms: ms(lr.hist.quantile(0.50)), P90ms: ms(lr.hist.quantile(0.90)),
			P99ms: ms(lr.hist.quantile(0.99)), MaxMs: ms(time.Duration(lr.hist.max)),
			PeakRSSBytes: peak, RSSScope: srv.rssScope, ErrorSamples: lr.samples,
		}
		if lr.cpu > 0 && lr.requests > 0 {
			res.ServerCPUus = float64(lr.cpu.Microseconds()) / float64(lr.requests)
		}
		if d.bodyRate {
			res.BodyMBps = float64(lr.bodyBytes) / 1e6 / lr.window.Seconds()
		}
		r.rep.Results = append(r.rep.Results, res)
	}
	return nil
}

func logSuffix(srv *running) string {
	if t := srv.logTail(); t != "" {
		return "; server log ends: " + t
	}
	return ""
}

// fixture prepares the server of group and returns what requests need.
func (r *runner) fixture(ctx context.Context, group string, srv *running) (*fixture, error) {
	o := r.opts
	fx := &fixture{
		prefix:    "b" + o.RunID + "-" + group[:1] + "-",
		ptype:     paymentType,
		receipt:   receiptBody(),
		refHeader: []byte("Content-Type: application/json\r\n"),
		refBody:   referenceBody(referencePostSize),
	}
	if group == serverReference {
		return fx, nil
	}
	sc := &setupClient{base: srv.url}
	var err error
	if fx.header, err = sc.token(o.Credentials); err != nil {
		return nil, err
	}
	fx.category = categoryBody("bench")
	var ids []string
	switch group {
	case serverSeeded:
		ids = make([]string, o.Seed)
		for i := range ids {
			ids[i] = seedOrderID(i)
		}
	case serverMain:
		if err := sc.uploadImage(fx.header); err != nil {
			return nil, err
		}
		if slices.ContainsFunc(o.Scenarios, func(n string) bool {
			return n == ScenarioGet || n == ScenarioCategory || n == ScenarioMix
		}) {
			fmt.Fprintf(o.Progress, "  storing %d orders for GET and PUT category\n", o.Preload)
			if ids, err = sc.preload(ctx, fx.header, fx.prefix, paymentType, o.Preload, fx.receipt); err != nil {
				return nil, err
			}
		}
		for i, size := range []int{image200K, image2M} {
			if fx.imageSrc[i], err = imageSource(size); err != nil {
				return nil, err
			}
		}
	}
	fx.getPaths, fx.catPaths = orderPaths(paymentType, ids)
	return fx, nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// database returns the --database flag's value in args, or "".
func database(args []string) string {
	for i, a := range args {
		switch {
		case (a == "--database" || a == "-database") && i+1 < len(args):
			return args[i+1]
		case strings.HasPrefix(a, "--database="), strings.HasPrefix(a, "-database="):
			_, v, _ := strings.Cut(a, "=")
			return v
		}
	}
	return ""
}
