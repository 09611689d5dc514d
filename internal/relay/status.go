package relay

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/server"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// DeliveryJSON and StatusJSON are the status API's bodies.
type (
	DeliveryJSON = api.Delivery
	StatusJSON   = api.DeliveryList
)

func deliveryJSON(d *store.Delivery) DeliveryJSON {
	j := DeliveryJSON{
		ID: d.ID, Operation: d.Operation, MSN: d.MSN, PaymentType: string(d.PaymentType), OrderID: d.OrderID,
		LocalID: d.LocalID, State: string(d.State), Created: d.CreatedAt, TraceID: d.TraceID, Attempts: d.Attempts,
		LastStatus: d.LastStatus, LastError: d.LastError, UpstreamID: d.UpstreamID,
	}
	if d.State.Pending() {
		t := d.NextAttempt
		j.NextAttempt = &t
	}
	if !d.DeliveredAt.IsZero() {
		t := d.DeliveredAt
		j.Delivered = &t
	}
	// The upstream problem is kept as upstream sent it; a body that is not
	// JSON (a proxy's page) is in lastError already.
	if len(d.LastProblem) > 0 && json.Valid(d.LastProblem) {
		j.LastProblem = d.LastProblem
	}
	return j
}

// Routes are the status API: the merchant's deliveries and a retry.
func (r *Relay) Routes() []server.Route {
	return []server.Route{
		{Method: "GET", Path: "/_relay/deliveries", Handle: r.listDeliveries},
		{Method: "POST", Path: "/_relay/deliveries/{id}/retry", Handle: r.retryDelivery},
	}
}

func (r *Relay) listDeliveries(w http.ResponseWriter, req *http.Request, msn string) error {
	q := req.URL.Query()
	f := store.DeliveryFilter{MSN: msn, State: store.DeliveryState(q.Get("state")), OrderID: q.Get("orderId"), Limit: 100}
	var params []api.InvalidParam
	if f.State != "" && !validState(f.State) {
		params = append(params, api.InvalidParam{Name: "state", Code: api.CodeUnknownValue,
			Reason: "must be one of queued, retrying, delivered, failed, conflict."})
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			params = append(params, api.InvalidParam{Name: "limit", Code: api.CodeOutOfRange, Reason: "must be a whole number from 1 to 1000."})
		}
		f.Limit = n
	}
	if err := api.Invalid(params); err != nil {
		return err
	}
	ds, err := r.outbox.ListDeliveries(req.Context(), f)
	if err != nil {
		return err
	}
	c, err := r.outbox.CountDeliveries(req.Context(), msn)
	if err != nil {
		return err
	}
	out := StatusJSON{Counts: map[string]int{}, Deliveries: make([]DeliveryJSON, 0, len(ds))}
	for _, s := range store.DeliveryStates {
		out.Counts[string(s)] = c.States[s]
	}
	if !c.OldestPending.IsZero() {
		out.OldestPending = &c.OldestPending
	}
	for i := range ds {
		out.Deliveries = append(out.Deliveries, deliveryJSON(&ds[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (r *Relay) retryDelivery(w http.ResponseWriter, req *http.Request, msn string) error {
	id, err := strconv.ParseInt(req.PathValue("id"), 10, 64)
	if err != nil {
		return api.Invalid([]api.InvalidParam{{Name: "id", Code: api.CodePattern, Reason: "must be a delivery id, a whole number."}})
	}
	d, err := r.outbox.GetDelivery(req.Context(), id)
	if err == nil && d.MSN != msn {
		err = fmt.Errorf("delivery %d: %w", id, api.ErrNotFound)
	}
	if err == nil {
		err = r.outbox.RetryDelivery(req.Context(), id, r.now())
	}
	if err == nil {
		d, err = r.outbox.GetDelivery(req.Context(), id)
	}
	if err != nil {
		return err
	}
	r.kick()
	return writeJSON(w, http.StatusOK, deliveryJSON(d))
}

func validState(s store.DeliveryState) bool {
	for _, v := range store.DeliveryStates {
		if v == s {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}
