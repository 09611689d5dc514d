package console

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sort"
	"strings"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/console/form"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// orderPage is the order: what the customer got and what went wrong.
type orderPage struct {
	MSN         string
	PaymentType api.PaymentType
	OrderID     string
	URL         string
	AppName     string
	// Found is false when the order has neither category nor receipt yet.
	Found      bool
	Problem    *problemView
	Categories []categoryView
	Receipt    *receiptView
	Warnings   []api.Warning
	RawJSON    string
	// Sandbox is set inside a sandbox: History is the order's journal.
	Sandbox     bool
	SandboxURL  string
	History     []api.JournalEntry
	HistoryProb *problemView
	// Relay is set in front of a relay: Deliveries are the order's writes
	// on their way upstream.
	Relay          bool
	DeliveriesURL  string
	Deliveries     []api.Delivery
	DeliveriesProb *problemView
	// HasRecord is false when the console keeps no record of actions.
	HasRecord  bool
	Actions    []store.SupportAction
	ActionsErr string
	Done       string

	CategoryTypes []api.CategoryType
	Category      form.Category
	CategoryErrs  form.Errors
	CategoryProb  *problemView
	// HasV3 is true when the API lists the order's categories (v3): the
	// page then lists them all and offers to add and delete.
	HasV3          bool
	V3Note         string
	CategoryV3     form.CategoryV3
	CategoryV3Errs form.Errors
	CategoryV3Prob *problemView
	DeleteProb     *problemView
	Image          form.Image
	ImageErrs      form.Errors
	ImageProb      *problemView
	Receipt_       form.Receipt
	ReceiptProbs   []form.Problem
	ReceiptWarns   []api.Warning
	ReceiptProb    *problemView
	ImageInfo      string
	Lines          form.Lines
	LinesErrs      form.Errors
	LinesWarns     []api.Warning
	LinesProb      *problemView
}

// problemView is a failed call for people: the sentence, the trace id for
// escalation and the raw answer one click away.
type problemView struct {
	Message string
	TraceID string
	Status  int
	Raw     string
}

func newProblemView(err error) *problemView {
	p := &problemView{Message: client.UserMessage(err), TraceID: client.TraceID(err)}
	var ce *client.Error
	if errors.As(err, &ce) {
		p.Status = ce.Status
		p.Raw = string(ce.Body)
		var v any
		if json.Unmarshal(ce.Body, &v) == nil {
			if b, err := json.MarshalIndent(v, "", "  "); err == nil {
				p.Raw = string(b)
			}
		}
	}
	return p
}

// orderKey reads the order of the path; a malformed one is 404.
func orderKey(r *http.Request) (store.OrderKey, error) {
	pt, err := api.ParsePaymentType(r.PathValue("paymentType"))
	if err != nil || len(api.CheckOrderID(r.PathValue("orderId"))) > 0 {
		return store.OrderKey{}, errNotFound
	}
	return store.OrderKey{MSN: r.PathValue("msn"), PaymentType: pt, OrderID: r.PathValue("orderId")}, nil
}

// loadOrder reads the order through the SDK and builds the page around it.
func (c *Console) loadOrder(ctx context.Context, key store.OrderKey) (*orderPage, *api.Order) {
	p := &orderPage{
		MSN: key.MSN, PaymentType: key.PaymentType, OrderID: key.OrderID,
		URL:           orderURL(key.MSN, key.PaymentType, key.OrderID),
		CategoryTypes: api.CategoryTypes,
		CategoryErrs:  form.Errors{}, ImageErrs: form.Errors{}, CategoryV3Errs: form.Errors{},
	}
	p.Category.Type = string(api.CategoryReceipt)
	p.CategoryV3.Type = string(api.CategoryGeneral)
	p.Lines, p.LinesErrs = form.NewLines(), form.Errors{}
	currency := ""
	cl, err := c.opts.Client(key.MSN)
	var o *api.Order
	if err == nil {
		o, err = cl.GetOrder(ctx, key.PaymentType, key.OrderID)
	}
	switch {
	case err == nil:
		p.Found = true
		if o.Category != nil {
			p.Categories = []categoryView{c.categoryView(key.MSN, *o.Category)}
			p.Category = form.Category{Type: string(o.Category.Category), URL: o.Category.OrderDetailsURL}
			if o.Category.ImageID != nil {
				p.Category.ImageID = *o.Category.ImageID
			}
		}
		if o.Receipt != nil {
			p.Receipt = newReceiptView(o.Receipt)
			p.Warnings = o.Receipt.Warnings()
			currency = o.Receipt.BottomLine.Currency
		}
		if b, err := json.MarshalIndent(o, "", "  "); err == nil {
			p.RawJSON = string(b)
		}
	case isOrderNotFound(err):
		// Enrichment may come before the payment: an order with nothing
		// yet is a page with the forms to add it.
	default:
		p.Problem = newProblemView(err)
	}
	if cl != nil && p.Problem == nil {
		c.listCategories(ctx, cl, key, p)
	}
	if cl != nil && c.opts.Sandbox {
		p.History, p.HistoryProb, p.Sandbox = c.orderHistory(ctx, cl, key.OrderID)
		p.SandboxURL = sandboxURL(key.MSN)
	}
	if cl != nil && c.opts.Relay {
		c.orderDeliveries(ctx, cl, key, p)
	}
	p.AppName = c.appName(key.MSN, currency)
	if c.opts.Actions != nil {
		p.HasRecord = true
		acts, err := c.opts.Actions.SupportActions(ctx, key, 50)
		if err != nil {
			c.log.Error("console: read support actions", "err", err)
			p.ActionsErr = "The record of support actions cannot be read right now."
		}
		p.Actions = acts
	}
	return p, o
}

// listCategories puts the order's v3 categories on the page, in creation
// order, the last (the one the app shows) marked. An API without v3 keeps
// the v2 category of GET order.
func (c *Console) listCategories(ctx context.Context, cl *client.Client, key store.OrderKey, p *orderPage) {
	list, err := cl.ListCategories(ctx, key.OrderID)
	var ce *client.Error
	switch {
	case errors.As(err, &ce) && (ce.Code == api.CodeRouteNotFound || ce.Status == http.StatusNotFound || ce.Status == http.StatusMethodNotAllowed):
		return
	case err != nil:
		p.V3Note = "The list of the order's categories could not be read: " + client.UserMessage(err)
		return
	}
	p.HasV3 = true
	var cats []categoryView
	for _, cat := range list {
		if cat.PaymentType != key.PaymentType {
			continue
		}
		v := c.categoryView(key.MSN, api.Category{Category: cat.Type, OrderDetailsURL: cat.URL, ImageID: cat.ImageID})
		v.ID, v.Shown = cat.CategoryID, false
		cats = append(cats, v)
	}
	if len(cats) == 0 {
		// GET order's category stays: an API whose list and order disagree
		// is shown as the order says.
		return
	}
	cats[len(cats)-1].Shown = true
	p.Categories = cats
}

func isOrderNotFound(err error) bool {
	var ce *client.Error
	return errors.As(err, &ce) && ce.Status == http.StatusNotFound && ce.Code != api.CodeRouteNotFound
}

// orderPage answers GET /console/m/{msn}/orders/{paymentType}/{orderId}.
func (c *Console) orderPage(w http.ResponseWriter, r *http.Request, s *session) error {
	key, err := orderKey(r)
	if err != nil {
		return err
	}
	p, _ := c.loadOrder(r.Context(), key)
	p.Done = doneMessages[r.URL.Query().Get("done")]
	if id := r.URL.Query().Get("image"); id != "" && len(api.CheckImageID(id)) == 0 {
		p.Category.ImageID, p.CategoryV3.ImageID = id, id
		p.ImageInfo = "Image " + id + " is uploaded; choose the category below to show it with the order."
	}
	c.render(w, r, s, http.StatusOK, "order", "Order "+key.OrderID, p)
	return nil
}

// doneMessages confirm a successful action after its redirect.
var doneMessages = map[string]string{
	"category": "The category is set.",
	"image":    "The image is uploaded.",
	"receipt":  "The receipt is added.",
	"added":    "The category is added.",
	"deleted":  "The category is deleted.",
	"retried":  "The delivery is back in the queue.",
}

// record keeps a support action: its outcome is "done", the sentence of
// the API's error, or why the console did not send it. A failure to record
// is logged, since the action itself is over and the page must say how.
func (c *Console) record(ctx context.Context, s *session, key store.OrderKey, action, detail string, o outcome) {
	if c.opts.Actions == nil {
		return
	}
	a := &store.SupportAction{
		Key: key, At: c.now(), Actor: store.Truncate(s.user, store.MaxActorLen), Action: action,
		Detail: store.Truncate(detail, store.MaxDetailLen), OK: o.err == nil && len(o.refused) == 0,
		Outcome: "done", TraceID: o.trace,
	}
	switch {
	case o.err != nil:
		a.Outcome, a.TraceID = client.UserMessage(o.err), client.TraceID(o.err)
	case len(o.refused) > 0:
		a.Outcome = "Not sent: " + strings.Join(o.refused, " ")
	}
	a.Outcome = store.Truncate(a.Outcome, store.MaxOutcomeLen)
	if err := c.opts.Actions.AddSupportAction(context.WithoutCancel(ctx), a); err != nil {
		c.log.Error("console: record support action", "err", err, "action", action)
	}
}

// outcome is how an action ended: done (with the trace id), failed at the
// API (err), or refused by the console's checks before sending.
type outcome struct {
	trace   string
	err     error
	refused []string
}

// refused lists a form's messages for the record.
func refused(errs form.Errors) outcome {
	var o outcome
	for field, msgs := range errs {
		for _, m := range msgs {
			if field != "" {
				m = field + ": " + m
			}
			o.refused = append(o.refused, m)
		}
	}
	sort.Strings(o.refused)
	return o
}

// redirectDone ends a successful action: back to the order page (so a
// reload does not send the action again), saying what was done.
func redirectDone(w http.ResponseWriter, r *http.Request, key store.OrderKey, done string, extra ...string) {
	u := orderURL(key.MSN, key.PaymentType, key.OrderID) + "?done=" + done
	if len(extra) > 0 {
		u += "&" + strings.Join(extra, "&")
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}
