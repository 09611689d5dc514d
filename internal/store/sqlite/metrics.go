package sqlite

import "github.com/prometheus/client_golang/prometheus"

// metrics measure group commit: how many writes share a commit, and how
// long a write waits from its call to its commit (queue, batch, fsync).
type metrics struct {
	batch prometheus.Histogram
	wait  prometheus.Histogram
}

func newMetrics() *metrics {
	return &metrics{
		batch: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ordermgmt_store_commit_batch_writes",
			Help:    "Writes committed together in one SQLite transaction (group commit).",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		wait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "ordermgmt_store_commit_wait_seconds",
			Help:    "Time from a write's call to its commit or failure: the queue, the batch and the fsync.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1},
		}),
	}
}

// RegisterMetrics registers the store's metrics on reg.
func (db *DB) RegisterMetrics(reg prometheus.Registerer) error {
	if err := reg.Register(db.metrics.batch); err != nil {
		return err
	}
	return reg.Register(db.metrics.wait)
}
