package app

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/ordermgmt/ordermgmt/internal/auth"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// newRegistry is the registry /metrics serves: the Go runtime's and the
// process's metrics, the store's (SQLite's group commit) and the token
// cache's; the server adds its own. One per App, so that several servers
// in one process (tests) keep their figures apart.
func newRegistry(st store.Store, issuer *auth.Issuer) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if m, ok := st.(interface {
		RegisterMetrics(prometheus.Registerer) error
	}); ok {
		if err := m.RegisterMetrics(reg); err != nil {
			panic("app: store metrics: " + err.Error())
		}
	}
	if err := issuer.RegisterMetrics(reg); err != nil {
		panic("app: token cache metrics: " + err.Error())
	}
	return reg
}
