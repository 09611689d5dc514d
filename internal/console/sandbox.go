package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/client/sandbox"
	"github.com/ordermgmt/ordermgmt/internal/console/form"
)

// The sandbox page shows a merchant's checklist report, fault rules and
// request journal (spec/sandbox.md), read through the SDK's sandbox
// package like everything else, so it works against any ordermgmt sandbox.

// sandboxPage is the merchant's sandbox tools.
type sandboxPage struct {
	MSN        string
	URL        string
	Done       string
	Checklist  *api.Checklist
	CheckProb  *problemView
	Faults     []api.Fault
	FaultsProb *problemView
	Journal    []api.JournalEntry
	// The journal's filters, as typed.
	JournalOrder, JournalOp, JournalStatus string
	JournalErr                             *problemView
	Operations                             []string
	Fault                                  form.Fault
	FaultErrs                              form.Errors
	FaultProb                              *problemView
}

func sandboxURL(msn string) string { return Prefix + "/m/" + url.PathEscape(msn) + "/sandbox" }

func (c *Console) sandboxClient(msn string) (*sandbox.Client, error) {
	cl, err := c.opts.Client(msn)
	if err != nil {
		return nil, err
	}
	return sandbox.New(cl), nil
}

// loadSandbox reads the three parts of the page; each fails on its own.
func (c *Console) loadSandbox(ctx context.Context, r *http.Request, msn string) (*sandboxPage, error) {
	sb, err := c.sandboxClient(msn)
	if err != nil {
		return nil, err
	}
	q := r.URL.Query()
	p := &sandboxPage{
		MSN: msn, URL: sandboxURL(msn), Operations: api.Operations, FaultErrs: form.Errors{},
		JournalOrder: q.Get("orderId"), JournalOp: q.Get("operation"), JournalStatus: q.Get("status"),
	}
	p.Fault.When, p.Fault.Status, p.Fault.Count = api.FaultBefore, "502", "1"
	if p.Checklist, err = sb.Checklist(ctx); err != nil {
		p.CheckProb = newProblemView(err)
	}
	if p.Faults, err = sb.Faults(ctx); err != nil {
		p.FaultsProb = newProblemView(err)
	}
	p.Journal, err = sb.Requests(ctx, sandbox.Query{OrderID: p.JournalOrder, Operation: p.JournalOp, Status: p.JournalStatus, Limit: 100})
	if err != nil {
		p.JournalErr = newProblemView(err)
	}
	return p, nil
}

// sandboxPageHandler answers GET /console/m/{msn}/sandbox.
func (c *Console) sandboxPageHandler(w http.ResponseWriter, r *http.Request, s *session) error {
	p, err := c.loadSandbox(r.Context(), r, r.PathValue("msn"))
	if err != nil {
		return err
	}
	p.Done = sandboxDone[r.URL.Query().Get("done")]
	c.render(w, r, s, http.StatusOK, "sandbox", "Sandbox of "+p.MSN, p)
	return nil
}

var sandboxDone = map[string]string{
	"added":   "The fault rule is added.",
	"deleted": "The fault rule is deleted.",
	"cleared": "Every fault rule is deleted.",
}

// addFault answers POST .../sandbox/faults.
func (c *Console) addFault(w http.ResponseWriter, r *http.Request, s *session) error {
	msn := r.PathValue("msn")
	f := form.FaultFromRequest(r)
	rule, errs := f.API()
	var sendErr error
	if !errs.Any() {
		var sb *sandbox.Client
		if sb, sendErr = c.sandboxClient(msn); sendErr == nil {
			_, sendErr = sb.AddFault(r.Context(), rule)
		}
		if sendErr == nil {
			http.Redirect(w, r, sandboxURL(msn)+"?done=added", http.StatusSeeOther)
			return nil
		}
		form.AddProblem(errs, sendErr, form.FaultFields)
	}
	p, err := c.loadSandbox(r.Context(), r, msn)
	if err != nil {
		return err
	}
	p.Fault, p.FaultErrs = f, errs
	if sendErr != nil {
		p.FaultProb = newProblemView(sendErr)
	}
	c.render(w, r, s, statusOf(sendErr), "sandbox", "Sandbox of "+msn, p)
	return nil
}

// deleteFault answers POST .../sandbox/faults/{faultId}/delete, and
// clearFaults POST .../sandbox/faults/clear.
func (c *Console) deleteFault(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.faultAction(w, r, s, "deleted", func(sb *sandbox.Client) error {
		return sb.DeleteFault(r.Context(), r.PathValue("faultId"))
	})
}

func (c *Console) clearFaults(w http.ResponseWriter, r *http.Request, s *session) error {
	return c.faultAction(w, r, s, "cleared", func(sb *sandbox.Client) error {
		_, err := sb.ClearFaults(r.Context())
		return err
	})
}

func (c *Console) faultAction(w http.ResponseWriter, r *http.Request, s *session, done string, f func(*sandbox.Client) error) error {
	msn := r.PathValue("msn")
	sb, err := c.sandboxClient(msn)
	if err == nil {
		err = f(sb)
	}
	if err == nil {
		http.Redirect(w, r, sandboxURL(msn)+"?done="+done, http.StatusSeeOther)
		return nil
	}
	p, lerr := c.loadSandbox(r.Context(), r, msn)
	if lerr != nil {
		return lerr
	}
	p.FaultsProb = newProblemView(err)
	c.render(w, r, s, statusOf(err), "sandbox", "Sandbox of "+msn, p)
	return nil
}

// orderHistory is the journal of one order, for the order page inside a
// sandbox: the requests the integration sent about it. ok is false when
// the API has no sandbox (an ordermgmt server in configured mode).
func (c *Console) orderHistory(ctx context.Context, cl *client.Client, orderID string) (entries []api.JournalEntry, prob *problemView, ok bool) {
	entries, err := sandbox.New(cl).Requests(ctx, sandbox.Query{OrderID: orderID, Limit: 50})
	var ce *client.Error
	switch {
	case errors.As(err, &ce) && ce.Status == http.StatusNotFound:
		return nil, nil, false
	case err != nil:
		return nil, newProblemView(err), true
	}
	return entries, nil, true
}
