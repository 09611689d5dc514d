package relay

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/ordermgmt/ordermgmt/internal/store"
)

// Metrics counts what the relay did since it started. The queue's size
// and age are read from the outbox, which every node shares.
type Metrics struct {
	accepted atomic.Int64

	mu       sync.Mutex
	outcomes map[store.DeliveryState]int64
	latency  map[string]*latency
}

// latency sums the upstream call times of one operation.
type latency struct {
	Count int64
	Sum   time.Duration
}

func newMetrics() *Metrics {
	return &Metrics{outcomes: map[store.DeliveryState]int64{}, latency: map[string]*latency{}}
}

func (m *Metrics) outcome(s store.DeliveryState) {
	m.mu.Lock()
	m.outcomes[s]++
	m.mu.Unlock()
}

func (m *Metrics) observeUpstream(op string, d time.Duration) {
	m.mu.Lock()
	l := m.latency[op]
	if l == nil {
		l = &latency{}
		m.latency[op] = l
	}
	l.Count++
	l.Sum += d
	m.mu.Unlock()
}

// Outcomes returns how many attempts ended in each state.
func (m *Metrics) Outcomes() map[store.DeliveryState]int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make(map[store.DeliveryState]int64, len(m.outcomes))
	for k, v := range m.outcomes {
		out[k] = v
	}
	return out
}
