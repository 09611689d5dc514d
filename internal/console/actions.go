package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/console/form"
)

// The actions: each reads its form, checks it with the API's rules, sends
// it through the SDK and records what happened. A failure shows the order
// page again with the form as typed and every message beside its field.

// setCategory answers POST .../category: set (add or replace) the v2 category.
func (c *Console) setCategory(w http.ResponseWriter, r *http.Request, s *session) error {
	key, err := orderKey(r)
	if err != nil {
		return err
	}
	f := form.CategoryFromRequest(r)
	detail := strings.TrimSpace(f.Type + " " + f.URL + " " + f.ImageID)
	errs := f.Validate()
	var res client.CategoryResult
	var sendErr error
	if !errs.Any() {
		var cl *client.Client
		if cl, sendErr = c.opts.Client(key.MSN); sendErr == nil {
			res, sendErr = cl.SetCategory(r.Context(), key.PaymentType, key.OrderID, f.API())
		}
		if sendErr == nil {
			c.record(r.Context(), s, key, "set category", detail, outcome{trace: res.TraceID})
			redirectDone(w, r, key, "category")
			return nil
		}
		form.AddProblem(errs, sendErr, form.CategoryFields)
		c.record(r.Context(), s, key, "set category", detail, outcome{err: sendErr})
	} else {
		c.record(r.Context(), s, key, "set category", detail, refused(errs))
	}
	p, _ := c.loadOrder(r.Context(), key)
	p.Category, p.CategoryErrs = f, errs
	if sendErr != nil {
		p.CategoryProb = newProblemView(sendErr)
	}
	c.render(w, r, s, statusOf(sendErr), "order", "Order "+key.OrderID, p)
	return nil
}

// uploadImage answers POST .../image: upload an image file.
func (c *Console) uploadImage(w http.ResponseWriter, r *http.Request, s *session) error {
	key, err := orderKey(r)
	if err != nil {
		return err
	}
	f, errs, err := form.ImageFromRequest(w, r)
	if err != nil {
		return err
	}
	if !checkCSRF(r, s) {
		return errCSRF
	}
	if !errs.Any() {
		errs = f.Validate()
	}
	detail := strings.TrimSpace(f.FileName + " " + f.ImageID)
	var sendErr error
	if !errs.Any() {
		var cl *client.Client
		var res client.ImageResult
		if cl, sendErr = c.opts.Client(key.MSN); sendErr == nil {
			res, sendErr = cl.AddImage(r.Context(), f.ImageID, f.Data)
		}
		if sendErr == nil {
			c.record(r.Context(), s, key, "upload image", f.FileName+" as "+res.ID, outcome{trace: res.TraceID})
			redirectDone(w, r, key, "image", "image="+url.QueryEscape(res.ID))
			return nil
		}
		form.AddProblem(errs, sendErr, form.ImageFields)
		c.record(r.Context(), s, key, "upload image", detail, outcome{err: sendErr})
	} else {
		c.record(r.Context(), s, key, "upload image", detail, refused(errs))
	}
	p, _ := c.loadOrder(r.Context(), key)
	// A file input cannot be filled again by the server; the id typed is
	// kept and the page names the file that was chosen.
	p.Image, p.ImageErrs = form.Image{ImageID: f.ImageID, FileName: f.FileName}, errs
	if sendErr != nil {
		p.ImageProb = newProblemView(sendErr)
	}
	c.render(w, r, s, statusOf(sendErr), "order", "Order "+key.OrderID, p)
	return nil
}

// addReceipt answers POST .../receipt: add the receipt from pasted JSON,
// linted first as the server would check it.
func (c *Console) addReceipt(w http.ResponseWriter, r *http.Request, s *session) error {
	key, err := orderKey(r)
	if err != nil {
		return err
	}
	f := form.ReceiptFromRequest(r)
	rec, probs, warns := f.Lint()
	var sendErr error
	if len(probs) == 0 {
		var cl *client.Client
		var res client.ReceiptResult
		if cl, sendErr = c.opts.Client(key.MSN); sendErr == nil {
			res, sendErr = cl.AddReceipt(r.Context(), key.PaymentType, key.OrderID, rec)
		}
		detail := receiptDetail(rec)
		if sendErr == nil {
			c.record(r.Context(), s, key, "add receipt", detail, outcome{trace: res.TraceID})
			redirectDone(w, r, key, "receipt")
			return nil
		}
		probs = form.Problems(sendErr)
		c.record(r.Context(), s, key, "add receipt", detail, outcome{err: sendErr})
	} else {
		o := outcome{}
		for _, p := range probs {
			o.refused = append(o.refused, p.Field+": "+p.Message)
		}
		c.record(r.Context(), s, key, "add receipt", "pasted JSON", o)
	}
	p, _ := c.loadOrder(r.Context(), key)
	p.Receipt_, p.ReceiptProbs, p.ReceiptWarns = f, probs, warns
	if sendErr != nil {
		p.ReceiptProb = newProblemView(sendErr)
	}
	c.render(w, r, s, statusOf(sendErr), "order", "Order "+key.OrderID, p)
	return nil
}

// receiptDetail sums up a receipt for the record.
func receiptDetail(r *api.Receipt) string {
	t := r.Totals()
	n := "lines"
	if len(r.OrderLines) == 1 {
		n = "line"
	}
	return strconv.Itoa(len(r.OrderLines)) + " " + n + ", total " + api.FormatAmount(t.Total, t.Currency)
}

// statusOf is the status of a page that shows a failed action: the API's
// status when it answered, else 400 for a form the console refused.
func statusOf(err error) int {
	var ce *client.Error
	var p *api.Problem
	switch {
	case errors.As(err, &ce) && ce.Status >= 400:
		return ce.Status
	case err == nil || errors.As(err, &p):
		return http.StatusBadRequest
	}
	return http.StatusBadGateway
}
