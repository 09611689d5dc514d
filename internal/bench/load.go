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
}

// maxErrorSamples bounds how many failed requests a result describes.
const maxErrorSamples = 5

// runLoad drives scenario name against base over conns keep-alive
// connections: warmup first, unrecorded, then window, recorded. A request
// counts when it starts inside the window; every connection finishes its
// request in flight before runLoad returns.
func runLoad(ctx context.Context, base *url.URL, name string, fx *fixture, conns int, warmup, window time.Duration, seed uint64) (*loadResult, error) {
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
