package console

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// In front of a relay, the console shows where each accepted write stands
// on its way upstream: on the order page, and on a page of the deliveries
// that are late or failed, with a button to try a failed one again. Both
// read the relay's status API (GET /_relay/deliveries) through the SDK.

// lateAfter is how long a delivery may wait before the page calls it late.
const lateAfter = time.Minute

// deliveriesPage lists a merchant's late and failed deliveries.
type deliveriesPage struct {
	MSN    string
	URL    string
	Done   string
	Counts map[string]int
	Oldest *time.Time
	// Failed are failed and in conflict; Late waits longer than lateAfter.
	Failed []api.Delivery
	Late   []api.Delivery
	Prob   *problemView
}

func deliveriesURL(msn string) string { return Prefix + "/m/" + url.PathEscape(msn) + "/deliveries" }

// relayDeliveries reads GET /_relay/deliveries with query q.
func (c *Console) relayDeliveries(ctx context.Context, cl *client.Client, q url.Values) (*api.DeliveryList, error) {
	res, err := cl.Request(ctx, "list deliveries", http.MethodGet, "/_relay/deliveries?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	var l api.DeliveryList
	if err := json.Unmarshal(res.Body, &l); err != nil {
		return nil, fmt.Errorf("the relay's list of deliveries is unreadable: %w", err)
	}
	return &l, nil
}

// deliveriesPageHandler answers GET /console/m/{msn}/deliveries.
func (c *Console) deliveriesPageHandler(w http.ResponseWriter, r *http.Request, s *session) error {
	msn := r.PathValue("msn")
	p := &deliveriesPage{MSN: msn, URL: deliveriesURL(msn), Done: deliveriesDone[r.URL.Query().Get("done")]}
	cl, err := c.opts.Client(msn)
	if err != nil {
		return err
	}
	var l *api.DeliveryList
	for _, state := range []string{"failed", "conflict", "retrying", "queued"} {
		if l, err = c.relayDeliveries(r.Context(), cl, url.Values{"state": {state}, "limit": {"200"}}); err != nil {
			p.Prob = newProblemView(err)
			break
		}
		p.Counts, p.Oldest = l.Counts, l.OldestPending
		for _, d := range l.Deliveries {
			switch {
			case state == "failed" || state == "conflict":
				p.Failed = append(p.Failed, d)
			case c.now().Sub(d.Created) > lateAfter || d.Attempts > 1:
				p.Late = append(p.Late, d)
			}
		}
	}
	c.render(w, r, s, http.StatusOK, "deliveries", "Deliveries of "+msn, p)
	return nil
}

var deliveriesDone = map[string]string{"retried": "The delivery is back in the queue."}

// retryDelivery answers POST /console/m/{msn}/deliveries/{id}/retry, and
// records the action on the delivery's order.
func (c *Console) retryDelivery(w http.ResponseWriter, r *http.Request, s *session) error {
	msn := r.PathValue("msn")
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return errNotFound
	}
	cl, err := c.opts.Client(msn)
	if err != nil {
		return err
	}
	res, err := cl.Request(r.Context(), "retry delivery", http.MethodPost, fmt.Sprintf("/_relay/deliveries/%d/retry", id), nil)
	var d api.Delivery
	if err == nil {
		err = json.Unmarshal(res.Body, &d)
	}
	if err == nil && d.OrderID != "" {
		key := store.OrderKey{MSN: msn, PaymentType: api.PaymentType(d.PaymentType), OrderID: d.OrderID}
		c.record(r.Context(), s, key, "retry delivery", fmt.Sprintf("#%d %s", d.ID, d.Operation), outcome{trace: res.TraceID})
	}
	if err != nil {
		p := &deliveriesPage{MSN: msn, URL: deliveriesURL(msn), Prob: newProblemView(err)}
		c.render(w, r, s, statusOf(err), "deliveries", "Deliveries of "+msn, p)
		return nil
	}
	back := r.FormValue("back")
	if back != orderURL(msn, api.PaymentType(d.PaymentType), d.OrderID) {
		back = deliveriesURL(msn)
	}
	http.Redirect(w, r, back+"?done=retried", http.StatusSeeOther)
	return nil
}

// orderDeliveries puts the order's deliveries on its page.
func (c *Console) orderDeliveries(ctx context.Context, cl *client.Client, key store.OrderKey, p *orderPage) {
	p.Relay, p.DeliveriesURL = true, deliveriesURL(key.MSN)
	l, err := c.relayDeliveries(ctx, cl, url.Values{"orderId": {key.OrderID}, "limit": {"50"}})
	if err != nil {
		p.DeliveriesProb = newProblemView(err)
		return
	}
	for _, d := range l.Deliveries {
		if d.PaymentType == string(key.PaymentType) {
			p.Deliveries = append(p.Deliveries, d)
		}
	}
}

// deliveryRows is what the "deliveries" table needs: the rows, and for the
// retry forms the prefix, the CSRF token and the page to come back to.
type deliveryRows struct {
	Prefix, CSRF, Back string
	List               []api.Delivery
}

func newDeliveryRows(prefix, csrf, back string, list []api.Delivery) deliveryRows {
	return deliveryRows{Prefix: prefix, CSRF: csrf, Back: back, List: list}
}
