package bench

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// loadResult is what one scenario's load produced.
type loadResult struct {
	requests  int64
	errors    int64
	bodyBytes int64
	window    time.Duration
	hist      histogram
	samples   []string
	// cpu is the CPU time the server process spent in the window, or 0
	// when it was not measured.
	cpu time.Duration
}

// maxErrorSamples bounds how many failed requests a result describes.
const maxErrorSamples = 5

// runLoad drives scenario name against base over conns keep-alive
// connections: warmup first, unrecorded, then window, recorded. A request
// counts when it starts inside the window; every connection finishes its
// request in flight before runLoad returns.
//
// When cpuPID names a process, the CPU time it spends in the window is
// measured too.
func runLoad(ctx context.Context, base *url.URL, name string, fx *fixture, conns int, warmup, window time.Duration, seed uint64, cpuPID string) (*loadResult, error) {
	cs := make([]*conn, conns)
	for i := range cs {
		cs[i] = newConn(base, 60*time.Second)
		if err := cs[i].dial(); err != nil {
			for _, c := range cs[:i] {
				c.close()
			}
			return nil, fmt.Errorf("connect to %s: %w", base.Host, err)
		}
	}
	defer func() {
		for _, c := range cs {
			c.close()
		}
	}()

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		res      = &loadResult{window: window}
		canceled atomic.Bool
	)
	stopCtx := context.AfterFunc(ctx, func() { canceled.Store(true) })
	defer stopCtx()
	start := time.Now()
	recordFrom := start.Add(warmup)
	end := recordFrom.Add(window)
	cpuDone := make(chan time.Duration, 1)
	go func() {
		if cpuPID == "" {
			cpuDone <- 0
			return
		}
		time.Sleep(time.Until(recordFrom))
		c0, err0 := processCPU(cpuPID)
		time.Sleep(time.Until(end))
		c1, err1 := processCPU(cpuPID)
		if err0 != nil || err1 != nil {
			cpuDone <- 0
			return
		}
		cpuDone <- c1 - c0
	}()
	for i, c := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := newWorker(i, fx, seed)
			var (
				h                 histogram
				n, errs, body     int64
				samples           []string
				rstart, now, done time.Time
			)
			for !canceled.Load() {
				req := w.next(name)
				rstart = time.Now()
				if !rstart.Before(end) {
					break
				}
				resp, err := c.do(req, 512)
				done = time.Now()
				now = rstart
				if now.Before(recordFrom) {
					continue
				}
				n++
				h.record(done.Sub(rstart))
				if err == nil && resp.status == req.want {
					body += int64(req.bodyLen())
					continue
				}
				errs++
				if len(samples) < maxErrorSamples {
					if err != nil {
						samples = append(samples, req.method+" "+req.path+": "+err.Error())
					} else {
						samples = append(samples, fmt.Sprintf("%s %s: status %d, want %d: %s",
							req.method, req.path, resp.status, req.want, oneLine(resp.body)))
					}
				}
				if err != nil {
					// A refused connection would otherwise spin; the pause
					// is short against any scenario's window.
					time.Sleep(10 * time.Millisecond)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.requests += n
			res.errors += errs
			res.bodyBytes += body
			res.hist.merge(&h)
			for _, s := range samples {
				if len(res.samples) < maxErrorSamples {
					res.samples = append(res.samples, s)
				}
			}
		}()
	}
	wg.Wait()
	res.cpu = <-cpuDone
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return res, nil
}

func oneLine(b []byte) string {
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
