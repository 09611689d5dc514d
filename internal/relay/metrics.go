package relay

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ordermgmt/ordermgmt/internal/store"
)

// Metrics are the relay's own: what this node accepted, how its attempts
// ended and how long upstream took. The queue's size and age are read
// from the outbox when /metrics is scraped, as every node shares it.
type Metrics struct {
	accepted prometheus.Counter
	outcomes *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics() *Metrics {
	return &Metrics{
		accepted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "ordermgmt_relay_accepted_writes_total",
			Help: "Writes this relay node accepted and queued for delivery.",
		}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ordermgmt_relay_deliveries_total",
			Help: "Delivery attempts by this node, by the state they left the delivery in (delivered, retrying, failed, conflict).",
		}, []string{"outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "ordermgmt_relay_upstream_latency_seconds",
			Help:    "Time upstream took to answer an attempt or a forwarded read (or to fail), by operation.",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"operation"}),
	}
}

func (m *Metrics) outcome(s store.DeliveryState) { m.outcomes.WithLabelValues(string(s)).Inc() }

func (m *Metrics) observeUpstream(op string, d time.Duration) {
	m.latency.WithLabelValues(op).Observe(d.Seconds())
}

// queueCollector reads the outbox's counts when metrics are scraped.
type queueCollector struct {
	r               *Relay
	pending, oldest *prometheus.Desc
	stateCount      *prometheus.Desc
}

func newQueueCollector(r *Relay) *queueCollector {
	return &queueCollector{
		r: r,
		pending: prometheus.NewDesc("ordermgmt_relay_queued_deliveries",
			"Deliveries waiting to be delivered (queued or retrying), of every node.", nil, nil),
		oldest: prometheus.NewDesc("ordermgmt_relay_oldest_queued_age_seconds",
			"How long the oldest waiting delivery has waited; 0 when none waits.", nil, nil),
		stateCount: prometheus.NewDesc("ordermgmt_relay_deliveries",
			"Deliveries in the outbox by state.", []string{"state"}, nil),
	}
}

func (c *queueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.pending
	ch <- c.oldest
	ch <- c.stateCount
}

func (c *queueCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := c.r.outbox.CountDeliveries(ctx, "")
	if err != nil {
		c.r.log.Warn("relay: metrics: counting deliveries failed", "error", err.Error())
		return
	}
	ch <- prometheus.MustNewConstMetric(c.pending, prometheus.GaugeValue,
		float64(counts.States[store.DeliveryQueued]+counts.States[store.DeliveryRetrying]))
	age := 0.0
	if !counts.OldestPending.IsZero() {
		age = c.r.now().Sub(counts.OldestPending).Seconds()
	}
	ch <- prometheus.MustNewConstMetric(c.oldest, prometheus.GaugeValue, age)
	for _, s := range store.DeliveryStates {
		ch <- prometheus.MustNewConstMetric(c.stateCount, prometheus.GaugeValue, float64(counts.States[s]), string(s))
	}
}

// RegisterMetrics registers the relay's metrics on reg.
func (r *Relay) RegisterMetrics(reg prometheus.Registerer) error {
	for _, c := range []prometheus.Collector{r.metrics.accepted, r.metrics.outcomes, r.metrics.latency, newQueueCollector(r)} {
		if err := reg.Register(c); err != nil {
			return err
		}
	}
	return nil
}

// RegisterMetrics registers the relay's metrics and the local store's.
func (s *relayStore) RegisterMetrics(reg prometheus.Registerer) error {
	if m, ok := s.Store.(interface {
		RegisterMetrics(prometheus.Registerer) error
	}); ok {
		if err := m.RegisterMetrics(reg); err != nil {
			return err
		}
	}
	return s.r.RegisterMetrics(reg)
}
