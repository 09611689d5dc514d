package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/server"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// Run delivers the outbox until ctx ends, with Config.Workers deliveries at
// once. It first takes back the leases this node held before a restart.
func (r *Relay) Run(ctx context.Context) error {
	if err := r.outbox.ReleaseLeases(ctx, r.cfg.Node); err != nil && ctx.Err() == nil {
		return fmt.Errorf("relay: release the leases of node %s: %w", r.cfg.Node, err)
	}
	var wg sync.WaitGroup
	if r.cfg.DeliveredRetention > 0 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.pruneEvery(ctx, pruneInterval)
		}()
	}
	for range r.cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.work(ctx)
		}()
	}
	wg.Wait()
	return nil
}

// pruneInterval is how often a node prunes delivered deliveries; every
// node does, and they share the work.
const pruneInterval = time.Minute

// pruneBatch bounds the deliveries one transaction prunes, so pruning a
// large backlog of them never holds the database for long.
const pruneBatch = 500

// pruneEvery prunes delivered deliveries at once and then every interval
// until ctx ends.
func (r *Relay) pruneEvery(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := r.Prune(ctx); err != nil && ctx.Err() == nil {
			r.log.Warn("relay: pruning delivered deliveries failed", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Prune deletes the deliveries delivered longer than
// Config.DeliveredRetention ago, in batches, and returns how many it
// deleted. With no retention it deletes nothing. Upstream's ids of
// categories still at the relay are kept apart and stay.
func (r *Relay) Prune(ctx context.Context) (int, error) {
	if r.cfg.DeliveredRetention <= 0 {
		return 0, nil
	}
	before := r.now().Add(-r.cfg.DeliveredRetention)
	total := 0
	for ctx.Err() == nil {
		n, err := r.outbox.PruneDelivered(ctx, before, pruneBatch)
		total += n
		if err != nil || n < pruneBatch {
			return total, err
		}
	}
	return total, ctx.Err()
}

// work claims and delivers one delivery at a time until ctx ends.
func (r *Relay) work(ctx context.Context) {
	t := time.NewTimer(0)
	defer t.Stop()
	for ctx.Err() == nil {
		ds, err := r.outbox.ClaimDeliveries(ctx, r.cfg.Node, r.now(), r.cfg.Lease, 1)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("relay: claiming deliveries failed", "error", err.Error())
		}
		if len(ds) == 0 {
			t.Reset(r.cfg.Poll)
			select {
			case <-ctx.Done():
				return
			case <-r.wake:
			case <-t.C:
			}
			continue
		}
		// There may be more: let another worker look too.
		r.kick()
		for i := range ds {
			r.deliverOne(ctx, &ds[i])
		}
	}
}

// deliverOne makes one attempt and records its outcome. When ctx ends
// during the attempt nothing is recorded: the lease ends and the next
// attempt treats this one as possibly stored.
func (r *Relay) deliverOne(ctx context.Context, d *store.Delivery) {
	actx, cancel := context.WithTimeout(ctx, r.cfg.AttemptTimeout)
	start := r.now()
	upstreamID, err := r.attempt(actx, d)
	cancel()
	r.metrics.observeUpstream(d.Operation, r.now().Sub(start))
	if ctx.Err() != nil {
		return
	}
	o := r.judge(d, upstreamID, err)
	r.metrics.outcome(o.State)
	if o.State != store.DeliveryDelivered {
		r.log.Warn("relay: delivery not done", "id", d.ID, "operation", d.Operation, "order_id", d.OrderID,
			"state", o.State, "attempts", d.Attempts, "status", o.Status, "error", o.Error)
	}
	if err := r.outbox.FinishDelivery(context.WithoutCancel(ctx), d.ID, r.cfg.Node, o); err != nil {
		r.log.Warn("relay: recording a delivery's outcome failed", "id", d.ID, "error", err.Error())
	}
}

// conflictError is an upstream 409 that is not this delivery's own write.
type conflictError struct{ err *client.Error }

func (e *conflictError) Error() string { return e.err.Error() }
func (e *conflictError) Unwrap() error { return e.err }

// attempt sends d upstream once and returns upstream's id for it. The
// rules that keep a write exactly once upstream live here: a repeated
// image that meets 409 is delivered; a receipt that meets 409 is read back
// and compared; a category whose earlier attempt may have been stored is
// read back before it is sent again.
func (r *Relay) attempt(ctx context.Context, d *store.Delivery) (string, error) {
	u, err := r.clientFor(d.MSN)
	if err != nil {
		return "", err
	}
	cl := u.deliver
	switch d.Operation {
	case server.OpAddImage:
		img, err := r.local.GetImage(ctx, d.MSN, d.LocalID)
		if errors.Is(err, api.ErrNotFound) {
			// Deleted here since (a sandbox reset): nothing to send.
			return "", fmt.Errorf("%w: image %s is no longer stored at the relay", errNotDeliverable, d.LocalID)
		}
		if err != nil {
			return "", err
		}
		res, err := cl.AddImage(ctx, d.LocalID, img.Data)
		if status(err) == http.StatusConflict {
			// Images are never overwritten: the id is taken upstream, by an
			// earlier attempt of this delivery or by the same upload sent
			// another way.
			return d.LocalID, nil
		}
		return res.ID, err

	case server.OpPutCategory:
		var cat api.Category
		if err := json.Unmarshal(d.Body, &cat); err != nil {
			return "", fmt.Errorf("category in the outbox: %w", err)
		}
		if d.Attempts > 1 {
			o, err := cl.GetOrder(ctx, d.PaymentType, d.OrderID)
			switch {
			case err == nil && o.Category != nil && sameCategory(o.Category, &cat):
				return "", nil
			case err != nil && !errors.Is(err, api.ErrNotFound):
				return "", err
			}
		}
		res, err := cl.SetCategory(ctx, d.PaymentType, d.OrderID, cat)
		return res.ID, err

	case server.OpAddReceipt:
		rc, err := api.DecodeReceipt(d.Body)
		if err != nil {
			return "", fmt.Errorf("receipt in the outbox: %w", err)
		}
		res, err := cl.AddReceipt(ctx, d.PaymentType, d.OrderID, rc)
		var ce *client.Error
		if !errors.As(err, &ce) || ce.Status != http.StatusConflict {
			return res.ID, err
		}
		o, gerr := cl.GetOrder(ctx, d.PaymentType, d.OrderID)
		if gerr != nil {
			// What happens next is up to the read: a 5xx is retried.
			return "", fmt.Errorf("upstream answered 409 and reading its receipt back failed: %w", gerr)
		}
		if o.Receipt != nil {
			same, serr := client.SameReceipt(o.Receipt, rc)
			if serr != nil {
				return "", serr
			}
			if same {
				return "", nil
			}
		}
		return "", &conflictError{ce}

	case server.OpAddCategory:
		var cat api.Category
		if err := json.Unmarshal(d.Body, &cat); err != nil {
			return "", fmt.Errorf("category in the outbox: %w", err)
		}
		req := api.AddCategoryRequest{OrderID: d.OrderID, PaymentType: d.PaymentType, Type: cat.Category,
			URL: cat.OrderDetailsURL, ImageID: cat.ImageID}
		if d.Attempts > 1 {
			// Every POST adds a category: one an earlier attempt may have
			// stored is looked up before the POST is sent again.
			if id, found, err := findCategory(ctx, cl, req); err != nil || found {
				return id, err
			}
		}
		res, err := cl.AddCategory(ctx, req)
		return res.ID, err

	case server.OpDeleteCategory:
		id, err := r.upstreamCategoryID(ctx, cl, d)
		if err != nil {
			return "", err
		}
		err = cl.DeleteCategory(ctx, id)
		if status(err) == http.StatusNotFound && d.Attempts > 1 {
			// An earlier attempt deleted it.
			return id, nil
		}
		return id, err
	}
	return "", fmt.Errorf("operation %q cannot be relayed", d.Operation)
}

// findCategory looks upstream for the newest category of the order with
// req's content, and returns its id.
func findCategory(ctx context.Context, cl *client.Client, req api.AddCategoryRequest) (string, bool, error) {
	cs, err := cl.ListCategories(ctx, req.OrderID)
	if err != nil {
		return "", false, err
	}
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		if c.PaymentType == req.PaymentType && sameCategory(&api.Category{Category: c.Type, OrderDetailsURL: c.URL, ImageID: c.ImageID},
			&api.Category{Category: req.Type, OrderDetailsURL: req.URL, ImageID: req.ImageID}) {
			return c.CategoryID, true, nil
		}
	}
	return "", false, nil
}

// upstreamCategoryID is upstream's id of the category a delete names: the
// id upstream gave the delivery that created it, which came earlier in
// the same order's chain, or, for one delivered without an id, the one
// found upstream again.
func (r *Relay) upstreamCategoryID(ctx context.Context, cl *client.Client, d *store.Delivery) (string, error) {
	// Kept apart from the delivery, which may have been pruned since.
	m, err := r.outbox.UpstreamCategoryID(ctx, d.MSN, d.LocalID)
	if err == nil {
		return m.UpstreamID, nil
	}
	if !errors.Is(err, api.ErrNotFound) {
		return "", err
	}
	ds, err := r.outbox.ListDeliveries(ctx, store.DeliveryFilter{MSN: d.MSN, LocalID: d.LocalID, Limit: 10})
	if err != nil {
		return "", err
	}
	for _, c := range ds {
		if c.Operation != server.OpAddCategory && c.Operation != server.OpPutCategory {
			continue
		}
		if c.UpstreamID != "" {
			return c.UpstreamID, nil
		}
		if c.State != store.DeliveryDelivered {
			return "", fmt.Errorf("%w: the category's own delivery #%d is %s", errNotDeliverable, c.ID, c.State)
		}
		// Delivered without an id (found by reading back): find it again.
		var cat api.Category
		if err := json.Unmarshal(c.Body, &cat); err != nil {
			return "", err
		}
		id, found, err := findCategory(ctx, cl, api.AddCategoryRequest{OrderID: c.OrderID, PaymentType: c.PaymentType,
			Type: cat.Category, URL: cat.OrderDetailsURL, ImageID: cat.ImageID})
		if err != nil || found {
			return id, err
		}
		return "", fmt.Errorf("%w: upstream has no category like the one of delivery #%d", errNotDeliverable, c.ID)
	}
	return "", fmt.Errorf("%w: no delivery created category %s", errNotDeliverable, d.LocalID)
}

// errNotDeliverable is a delivery that nothing upstream can make possible.
var errNotDeliverable = errors.New("cannot be delivered")

// sameCategory compares two v2 categories.
func sameCategory(a, b *api.Category) bool {
	if a.Category != b.Category || a.OrderDetailsURL != b.OrderDetailsURL || (a.ImageID == nil) != (b.ImageID == nil) {
		return false
	}
	return a.ImageID == nil || *a.ImageID == *b.ImageID
}

// status is the HTTP status of an upstream answer in err, or 0.
func status(err error) int {
	var ce *client.Error
	if errors.As(err, &ce) {
		return ce.Status
	}
	return 0
}

// judge turns an attempt's result into the delivery's next state.
func (r *Relay) judge(d *store.Delivery, upstreamID string, err error) store.DeliveryOutcome {
	now := r.now()
	o := store.DeliveryOutcome{At: now, UpstreamID: upstreamID}
	if err == nil {
		o.State = store.DeliveryDelivered
		return o
	}
	o.Error = err.Error()
	var ce *client.Error
	if errors.As(err, &ce) {
		o.Status, o.Problem = ce.Status, ce.Body
	}
	var conflict *conflictError
	switch {
	case errors.As(err, &conflict):
		o.State = store.DeliveryConflict
		return o
	case errors.Is(err, errNoCredentials), errors.Is(err, errNotDeliverable), errors.Is(err, api.ErrInvalid) && ce == nil:
		// Nothing upstream can change this: the relay's own configuration
		// or a write the SDK refuses to send.
		o.State = store.DeliveryFailed
		return o
	case ce != nil && !retryable(ce.Status):
		o.State = store.DeliveryFailed
		return o
	}
	delay := r.backoff(d.Attempts)
	if ce != nil && ce.RetryAfter > delay {
		delay = ce.RetryAfter
	}
	o.NextAttempt = now.Add(delay)
	if o.NextAttempt.After(d.CreatedAt.Add(r.cfg.Deadline)) {
		o.State = store.DeliveryFailed
		o.Error = fmt.Sprintf("gave up after %d attempts: the delivery deadline of %s has passed; last error: %s", d.Attempts, r.cfg.Deadline, o.Error)
		return o
	}
	o.State = store.DeliveryRetrying
	return o
}

// retryable reports whether an upstream status may pass: 408, 429, 5xx.
func retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// backoff is the wait after attempt n (n ≥ 1): doubling from MinBackoff up
// to MaxBackoff, half of it fixed and half random, so deliveries that
// failed together do not retry together.
func (r *Relay) backoff(n int) time.Duration {
	d := r.cfg.MinBackoff
	for i := 1; i < n && d < r.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.cfg.MaxBackoff)
	half := d / 2
	return half + time.Duration(r.rand()*float64(d-half))
}
