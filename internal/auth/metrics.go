package auth

import "github.com/prometheus/client_golang/prometheus"

// RegisterMetrics registers the issuer's metrics on reg: how often Verify
// found a token in its cache of verified tokens, which spares the
// signature check.
func (i *Issuer) RegisterMetrics(reg prometheus.Registerer) error {
	hits := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "ordermgmt_auth_token_cache_hits_total",
		Help: "Token verifications answered from the cache of verified tokens.",
	}, func() float64 { return float64(i.cacheHits.Load()) })
	misses := prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "ordermgmt_auth_token_cache_misses_total",
		Help: "Token verifications that were not in the cache and checked the signature.",
	}, func() float64 { return float64(i.cacheMisses.Load()) })
	if err := reg.Register(hits); err != nil {
		return err
	}
	return reg.Register(misses)
}
