package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"text/tabwriter"
)

// targets checks the report against the goals of the performance issue.
// A goal whose scenarios did not run is left out.
func targets(r *Report) []Target {
	var ts []Target
	add := func(name, want string, measured float64, unit string, met bool) {
		ts = append(ts, Target{Name: name, Want: want, Measured: measured, Unit: unit, Met: met})
	}
	ratio := func(scenario string, min float64, label string) {
		if res := r.Result(scenario); res != nil && res.RatioTo != "" {
			add(label, fmt.Sprintf("≥ %.2g× %s", min, res.RatioTo), res.Ratio, "×", res.Ratio >= min)
		}
	}
	pg := r.Store == "postgres"
	if pg {
		ratio(ScenarioGet, 0.25, "GET order vs reference (PostgreSQL)")
		ratio(ScenarioReceipt, 0.1, "POST receipt vs reference (PostgreSQL)")
	} else {
		ratio(ScenarioGet, 0.5, "GET order vs reference")
	}
	if res := r.Result(ScenarioGet); res != nil && !pg {
		add("GET order p99", "≤ 20 ms", res.P99ms, "ms", res.P99ms <= 20)
	}
	if !pg {
		ratio(ScenarioReceipt, 0.2, "POST receipt (durable) vs reference")
	}
	if g, c := r.Result(ScenarioReceipt), r.Result(ScenarioReceiptCPR); g != nil && c != nil && c.RPS > 0 {
		v := g.RPS / c.RPS
		add("POST receipt, group vs per-request commit", "≥ 2×", v, "×", v >= 2)
	}
	if res := r.Result(ScenarioImage2M); res != nil {
		add("POST image 2 MiB, request body", "≥ 150 MB/s", res.BodyMBps, "MB/s", res.BodyMBps >= 150)
	}
	if res := r.Result(ScenarioMix); res != nil && res.PeakRSSBytes > 0 {
		mb := float64(res.PeakRSSBytes) / (1 << 20)
		add("peak RSS through the mix ("+res.RSSScope+")", "≤ 150 MiB", mb, "MiB", mb <= 150)
	}
	if s, e := r.Result(ScenarioSeededGet), r.Result(ScenarioGet); s != nil && e != nil && e.RPS > 0 && r.Seed != nil {
		v := s.RPS / e.RPS
		add(fmt.Sprintf("GET with %d orders seeded vs fewer", r.Seed.Orders), "≥ 0.8× get", v, "×", v >= 0.8)
	}
	if r.Seed != nil {
		add(fmt.Sprintf("ready to serve with %d orders", r.Seed.Orders), "≤ 1 s", r.Seed.ReadySeconds, "s", r.Seed.ReadySeconds <= 1)
	}
	return ts
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report as aligned text tables: the scenarios,
// the seeding, the targets.
func (r *Report) WriteTable(w io.Writer) error {
	fmt.Fprintf(w, "machine: %d CPUs, %s, %s, %s\n", r.Machine.CPUs, r.Machine.CPUModel, r.Machine.GoVersion, r.Machine.OS)
	store := r.Store + ", " + r.Commit + " commit"
	if r.Target != "" {
		store = "target " + r.Target
	}
	fmt.Fprintf(w, "run: %d connections, %s per scenario, %s\n\n", r.Connections, r.Duration, store)

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\treq/s\tp50 ms\tp90 ms\tp99 ms\terrors\tpeak RSS MiB\tCPU µs/req\tratio\tbody MB/s\t")
	for _, res := range r.Results {
		rss, cpu, ratio, body := "-", "-", "-", "-"
		if res.ServerCPUus > 0 {
			cpu = fmt.Sprintf("%.0f", res.ServerCPUus)
		}
		if res.PeakRSSBytes > 0 {
			rss = fmt.Sprintf("%.0f", float64(res.PeakRSSBytes)/(1<<20))
		}
		if res.RatioTo != "" {
			ratio = fmt.Sprintf("%.2f× %s", res.Ratio, res.RatioTo)
		}
		if res.BodyMBps > 0 {
			body = fmt.Sprintf("%.0f", res.BodyMBps)
		}
		fmt.Fprintf(tw, "%s\t%.0f\t%.2f\t%.2f\t%.2f\t%d\t%s\t%s\t%s\t%s\t\n",
			res.Scenario, res.RPS, res.P50ms, res.P90ms, res.P99ms, res.Errors, rss, cpu, ratio, body)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	scopes := map[string]bool{}
	for _, res := range r.Results {
		if k := res.Server + res.RSSScope; res.PeakRSSBytes > 0 && !scopes[k] {
			scopes[k] = true
			fmt.Fprintf(w, "peak RSS of %s: %s\n", res.Server, res.RSSScope)
		}
	}
	for _, res := range r.Results {
		for _, s := range res.ErrorSamples {
			fmt.Fprintf(w, "error in %s: %s\n", res.Scenario, s)
		}
	}
	if s := r.Seed; s != nil {
		fmt.Fprintf(w, "\nseed: %d orders in %.1fs (%.0f orders/s), database %.0f MiB, ready %.3fs after start\n",
			s.Orders, s.Seconds, s.OrdersPerSec, float64(s.DatabaseBytes)/(1<<20), s.ReadySeconds)
	}
	if len(r.Targets) > 0 {
		fmt.Fprintln(w, "\ntargets:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, t := range r.Targets {
			met := "met"
			if !t.Met {
				met = "MISSED"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%.2f %s\t%s\n", t.Name, t.Want, t.Measured, t.Unit, met)
		}
		return tw.Flush()
	}
	return nil
}

// machine describes this machine.
func machine() Machine {
	m := Machine{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if name, value, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(name) == "model name" {
				m.CPUModel = strings.TrimSpace(value)
				break
			}
		}
	}
	return m
}

// dirSize returns the bytes of the files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}
