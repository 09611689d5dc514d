// Package relay is the merchant's own Order Management endpoint: the server
// with an outbox and an upstream. The server validates and stores every
// write as it always does; the store, opened with its outbox on, adds a
// delivery in the same transaction; workers deliver each one upstream
// through the SDK, in causal order and exactly once. Reads are forwarded
// upstream and answered from the local store when upstream cannot be
// reached.
package relay

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/server"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// Response headers the relay adds.
const (
	// HeaderDelivery is "queued" on every write the relay accepted.
	HeaderDelivery = "Relay-Delivery"
	// HeaderSource is "upstream" on a read upstream answered and "local"
	// on one the relay answered from what it accepted.
	HeaderSource = "Relay-Source"
)

// Relay delivers a store's outbox upstream. It is safe for concurrent use.
type Relay struct {
	cfg    Config
	base   string
	local  store.Store
	outbox store.Outbox
	log    *slog.Logger
	now    func() time.Time
	rand   func() float64
	// wake tells an idle worker that a write was queued.
	wake chan struct{}

	mu      sync.Mutex
	clients map[string]*upstream

	metrics *Metrics
}

// upstream is the SDK clients of one MSN: one that delivers and one that
// forwards reads, with a shorter timeout.
type upstream struct {
	deliver, read *client.Client
}

// New builds a relay over local, whose writes add deliveries to outbox
// (the same database, opened with its outbox on).
func New(cfg Config, local store.Store, outbox store.Outbox, log *slog.Logger) (*Relay, error) {
	cfg = cfg.withDefaults()
	base, err := client.ResolveBaseURL(cfg.Upstream)
	if err != nil {
		return nil, fmt.Errorf("--upstream: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Relay{
		cfg: cfg, base: base, local: local, outbox: outbox, log: log,
		now: cfg.Now, rand: cfg.Rand,
		wake:    make(chan struct{}, 1),
		clients: map[string]*upstream{},
		metrics: newMetrics(),
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.rand == nil {
		r.rand = rand.Float64
	}
	return r, nil
}

// Upstream returns the resolved upstream base URL.
func (r *Relay) Upstream() string { return r.base }

// Metrics returns the relay's counters.
func (r *Relay) Metrics() *Metrics { return r.metrics }

// errNoCredentials is the outcome of a delivery for an MSN the relay has
// no upstream keys for.
var errNoCredentials = errors.New("no upstream credentials")

// clientFor returns the SDK clients of msn, made on first use.
func (r *Relay) clientFor(msn string) (*upstream, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if u, ok := r.clients[msn]; ok {
		return u, nil
	}
	cred, ok := r.cfg.Credentials[msn]
	if !ok {
		return nil, fmt.Errorf("%w for Merchant-Serial-Number %s in the relay's configuration; add the sales unit to --upstream-credentials and retry the delivery", errNoCredentials, msn)
	}
	mk := func(timeout time.Duration) (*client.Client, error) {
		return client.New(client.Config{
			BaseURL: r.base, ClientID: cred.ClientID, ClientSecret: cred.ClientSecret,
			SubscriptionKey: cred.SubscriptionKey, MSN: msn, System: r.cfg.System,
			HTTPClient: r.cfg.HTTPClient, Logger: r.log, Now: r.now, Rand: r.rand,
			// One request per attempt: the outbox keeps the schedule, so
			// retries survive a restart and honour the deadline.
			Retry: client.RetryPolicy{MaxAttempts: 1, AttemptTimeout: timeout},
		})
	}
	d, err := mk(r.cfg.AttemptTimeout)
	if err != nil {
		return nil, err
	}
	rd, err := mk(r.cfg.ReadTimeout)
	if err != nil {
		return nil, err
	}
	u := &upstream{deliver: d, read: rd}
	r.clients[msn] = u
	return u, nil
}

// kick wakes a worker after a write was queued.
func (r *Relay) kick() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Store returns the store the server is to use: local, with reads
// forwarded upstream and workers woken by every write.
func (r *Relay) Store() store.Store { return &relayStore{Store: r.local, r: r} }

// relayStore is the server's view of the relay's store.
type relayStore struct {
	store.Store
	r *Relay
}

func (s *relayStore) PutImage(ctx context.Context, img *store.Image) error {
	return s.r.queued(s.Store.PutImage(ctx, img))
}

func (s *relayStore) PutCategory(ctx context.Context, c *store.Category) error {
	return s.r.queued(s.Store.PutCategory(ctx, c))
}

func (s *relayStore) AddReceipt(ctx context.Context, rc *store.Receipt) error {
	return s.r.queued(s.Store.AddReceipt(ctx, rc))
}

func (s *relayStore) AddCategory(ctx context.Context, c *store.Category) error {
	return s.r.queued(s.Store.AddCategory(ctx, c))
}

func (s *relayStore) DeleteCategory(ctx context.Context, msn, id string) error {
	return s.r.queued(s.Store.DeleteCategory(ctx, msn, id))
}

// ListCategories forwards the v3 list upstream and falls back to what was
// accepted locally when upstream cannot answer it.
func (s *relayStore) ListCategories(ctx context.Context, msn, orderID string) ([]*store.Category, error) {
	cs, err := s.r.upstreamCategories(ctx, msn, orderID)
	if err == nil {
		setSource(ctx, "upstream")
		return cs, nil
	}
	setSource(ctx, "local")
	return s.Store.ListCategories(ctx, msn, orderID)
}

// GetCategory forwards a v3 GET upstream under upstream's id for the
// category, and falls back to what was accepted locally when upstream
// cannot answer it. Upstream's 404 for a category the relay delivered is
// the answer: the category is gone upstream.
func (s *relayStore) GetCategory(ctx context.Context, msn, id string) (*store.Category, error) {
	upID := id
	m, err := s.r.outbox.UpstreamCategoryID(ctx, msn, id)
	switch {
	case errors.Is(err, api.ErrNotFound):
		local, lerr := s.Store.GetCategory(ctx, msn, id)
		if lerr == nil || !errors.Is(lerr, api.ErrNotFound) {
			// The relay's own category with no upstream id yet: upstream
			// has not got it (or gave no id for it), and asked under the
			// relay's id it would deny a category the shop was told exists.
			setSource(ctx, "local")
			return local, lerr
		}
		// Not the relay's: an id the shop saw in a list upstream answered.
	case err != nil:
		setSource(ctx, "local")
		return s.Store.GetCategory(ctx, msn, id)
	default:
		if held, perr := s.r.outbox.OrderPending(ctx, msn, m.Key.OrderID); perr != nil || held {
			// Upstream lags behind the shop until the order's writes are
			// delivered: it may still show a category deleted here.
			setSource(ctx, "local")
			return s.Store.GetCategory(ctx, msn, id)
		}
		upID = m.UpstreamID
	}
	c, err := s.r.upstreamCategory(ctx, msn, upID)
	switch {
	case err == nil:
		c.ID = id
		setSource(ctx, "upstream")
		return c, nil
	case status(err) == http.StatusNotFound:
		setSource(ctx, "upstream")
		return nil, store.CategoryNotFound(id)
	}
	setSource(ctx, "local")
	return s.Store.GetCategory(ctx, msn, id)
}

func (r *Relay) queued(err error) error {
	if err == nil {
		r.metrics.accepted.Inc()
		r.kick()
	}
	return err
}

// GetOrder forwards GET order upstream and falls back to what was
// accepted locally when upstream cannot answer it.
func (s *relayStore) GetOrder(ctx context.Context, key store.OrderKey) (*store.Order, error) {
	o, err := s.r.upstreamOrder(ctx, key)
	if err == nil {
		setSource(ctx, "upstream")
		return o, nil
	}
	local, lerr := s.Store.GetOrder(ctx, key)
	if lerr == nil || !errors.Is(err, api.ErrNotFound) {
		setSource(ctx, "local")
	} else {
		setSource(ctx, "upstream")
	}
	return local, lerr
}

// upstreamOrder reads an order upstream.
func (r *Relay) upstreamOrder(ctx context.Context, key store.OrderKey) (*store.Order, error) {
	o, err := readUpstream(r, key.MSN, server.OpGetOrder, func(c *client.Client) (*api.Order, error) {
		return c.GetOrder(ctx, key.PaymentType, key.OrderID)
	})
	if err != nil {
		r.logReadFailed(key.OrderID, err)
		return nil, err
	}
	out := &store.Order{Key: key, Category: o.Category}
	if o.Receipt != nil {
		body, err := o.Receipt.AppendJSON(nil)
		if err != nil {
			return nil, err
		}
		out.Receipt = body
	}
	if out.Category == nil && out.Receipt == nil {
		return nil, fmt.Errorf("order %s upstream: %w", key, api.ErrNotFound)
	}
	return out, nil
}

// errOrderPending is why a v3 list is answered locally while a write of
// the order waits in the outbox.
var errOrderPending = errors.New("the order has writes waiting to be delivered")

// upstreamCategories lists an order's categories upstream, each under the
// relay's id when the relay delivered it (the id the shop was given) and
// under upstream's otherwise. While a write of the order waits in the
// outbox, upstream's list lacks what the shop was told is stored, or still
// shows what it deleted, so the list is answered locally.
func (r *Relay) upstreamCategories(ctx context.Context, msn, orderID string) ([]*store.Category, error) {
	if held, err := r.outbox.OrderPending(ctx, msn, orderID); err != nil || held {
		if err == nil {
			err = errOrderPending
		}
		return nil, err
	}
	list, err := readUpstream(r, msn, server.OpGetCategories, func(c *client.Client) ([]api.CategoryV3, error) {
		return c.ListCategories(ctx, orderID)
	})
	if err != nil {
		r.logReadFailed(orderID, err)
		return nil, err
	}
	ids := make([]string, len(list))
	for i, c := range list {
		ids[i] = c.CategoryID
	}
	local, err := r.outbox.LocalCategoryIDs(ctx, msn, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*store.Category, len(list))
	for i := range list {
		out[i] = categoryOf(msn, &list[i])
		if id, ok := local[out[i].ID]; ok {
			out[i].ID = id
		}
	}
	return out, nil
}

// upstreamCategory reads one category upstream by upstream's id.
func (r *Relay) upstreamCategory(ctx context.Context, msn, id string) (*store.Category, error) {
	c, err := readUpstream(r, msn, server.OpGetCategory, func(c *client.Client) (*api.CategoryV3, error) {
		return c.GetCategory(ctx, id)
	})
	if err != nil {
		if status(err) != http.StatusNotFound {
			r.logReadFailed("", err)
		}
		return nil, err
	}
	return categoryOf(msn, c), nil
}

// readUpstream makes one read upstream with msn's reading client, timed
// for the metrics under the operation op.
func readUpstream[T any](r *Relay, msn, op string, read func(*client.Client) (T, error)) (T, error) {
	u, err := r.clientFor(msn)
	if err != nil {
		var zero T
		return zero, err
	}
	start := r.now()
	v, err := read(u.read)
	r.metrics.observeUpstream(op, r.now().Sub(start))
	return v, err
}

// categoryOf is a v3 category from upstream as the store keeps it.
func categoryOf(msn string, c *api.CategoryV3) *store.Category {
	return &store.Category{
		Key: store.OrderKey{MSN: msn, PaymentType: c.PaymentType, OrderID: c.OrderID}, ID: c.CategoryID,
		Category: api.Category{Category: c.Type, OrderDetailsURL: c.URL, ImageID: c.ImageID},
	}
}

// logReadFailed logs a forwarded read that is answered locally instead.
func (r *Relay) logReadFailed(orderID string, err error) {
	var ce *client.Error
	if errors.As(err, &ce) {
		r.log.Info("relay: upstream read failed; answering from local", "order_id", orderID, "status", ce.Status)
	} else {
		r.log.Info("relay: upstream unreachable; answering from local", "order_id", orderID, "error", err.Error())
	}
}

// sourceKey carries a request's *source from Handler to the store.
type sourceKey struct{}

type source struct{ v string }

func setSource(ctx context.Context, v string) {
	if s, ok := ctx.Value(sourceKey{}).(*source); ok {
		s.v = v
	}
}

// Handler wraps the server's handler: every accepted write is answered
// with Relay-Delivery: queued, every forwarded read says where its answer
// came from.
func (r *Relay) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !strings.HasPrefix(req.URL.Path, "/order-management/") {
			next.ServeHTTP(w, req)
			return
		}
		src := &source{}
		req = req.WithContext(context.WithValue(req.Context(), sourceKey{}, src))
		next.ServeHTTP(&relayWriter{ResponseWriter: w, src: src,
			write: req.Method != http.MethodGet && req.Method != http.MethodHead}, req)
	})
}

// relayWriter adds the relay's headers as the answer's status is written.
type relayWriter struct {
	http.ResponseWriter
	src         *source
	write       bool
	wroteHeader bool
}

func (w *relayWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.wroteHeader = true
		if w.write && code >= 200 && code < 300 {
			w.Header().Set(HeaderDelivery, "queued")
		}
		if w.src.v != "" {
			w.Header().Set(HeaderSource, w.src.v)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *relayWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *relayWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
