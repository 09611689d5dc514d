package server

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics are the server's Prometheus metrics: requests by operation and
// status, their latency, and what the limits refused.
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	handler  http.Handler
	// series holds each operation's series once found (operation →
	// *opSeries), so that a request finds them without hashing labels.
	series sync.Map
}

// opSeries are one operation's series: its latency and its count by
// status code, each looked up in the vectors the first time it is needed.
type opSeries struct {
	latency prometheus.Observer
	byCode  [len(statusLabels)]atomic.Pointer[prometheus.Counter]
}

// statusLabels are the status codes as label values, so a request costs
// no conversion.
var statusLabels = func() (l [600]string) {
	for i := range l {
		l[i] = strconv.Itoa(i)
	}
	return l
}()

// newMetrics registers the server's metrics on reg and serves reg's
// gatherer (every component's metrics) at /metrics.
func (s *Server) newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ordermgmt_http_requests_total",
			Help: "HTTP requests answered, by operation (\"other\" for routes outside the API) and status code.",
		}, []string{"operation", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ordermgmt_http_request_duration_seconds",
			Help: "Time from a request's arrival to the end of its answer, by operation.",
			// From a cached GET (~0.1 ms) to an image upload on a slow link.
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"operation"}),
	}
	reg.MustRegister(m.requests, m.latency)
	refused := func(reason, help string, v func() int64) prometheus.Collector {
		return prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "ordermgmt_http_refused_total",
			Help:        "Requests and connections the server's limits refused, by reason.",
			ConstLabels: prometheus.Labels{"reason": reason},
		}, func() float64 { return float64(v()) })
	}
	r := &s.refusals
	reg.MustRegister(
		refused("rate_limited", "429", r.RateLimited.Load),
		refused("body_too_large", "413", r.TooLarge.Load),
		refused("body_timeout", "408", r.BodyTimeout.Load),
		refused("body_memory", "503", r.BodyMemory.Load),
		refused("connections", "503", r.Connections.Load),
	)
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
	return m
}

// observe counts one answered request.
func (m *metrics) observe(operation string, status int, d time.Duration) {
	if operation == "" {
		operation = "other"
	}
	v, ok := m.series.Load(operation)
	if !ok {
		v, _ = m.series.LoadOrStore(operation, &opSeries{latency: m.latency.WithLabelValues(operation)})
	}
	ops := v.(*opSeries)
	ops.latency.Observe(d.Seconds())
	if status < 0 || status >= len(statusLabels) {
		m.requests.WithLabelValues(operation, "other").Inc()
		return
	}
	c := ops.byCode[status].Load()
	if c == nil {
		found := m.requests.WithLabelValues(operation, statusLabels[status])
		c = &found
		ops.byCode[status].Store(c)
	}
	(*c).Inc()
}

// metricsDoc serves the metrics in the Prometheus text format.
func (s *Server) metricsDoc(w http.ResponseWriter, r *http.Request, _ *input) error {
	s.metrics.handler.ServeHTTP(w, r)
	return nil
}
