package console

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/console/form"
)

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

// addReceiptLines answers POST .../receipt/lines: the receipt typed line
// by line, its amounts worked out by the SDK's ReceiptBuilder.
func (c *Console) addReceiptLines(w http.ResponseWriter, r *http.Request, s *session) error {
	key, err := orderKey(r)
	if err != nil {
		return err
	}
	f := form.LinesFromRequest(r)
	rec, warns, errs := f.Build()
	var sendErr error
	if !errs.Any() {
		var cl *client.Client
		var res client.ReceiptResult
		if cl, sendErr = c.opts.Client(key.MSN); sendErr == nil {
			res, sendErr = cl.AddReceipt(r.Context(), key.PaymentType, key.OrderID, rec)
		}
		detail := receiptDetail(rec)
		if sendErr == nil {
			c.record(r.Context(), s, key, "add receipt", detail+" (line by line)", outcome{trace: res.TraceID})
			redirectDone(w, r, key, "receipt")
			return nil
		}
		form.AddProblem(errs, sendErr, nil)
		c.record(r.Context(), s, key, "add receipt", detail+" (line by line)", outcome{err: sendErr})
	} else {
		c.record(r.Context(), s, key, "add receipt", "typed line by line", refused(errs))
	}
	p, _ := c.loadOrder(r.Context(), key)
	p.Lines, p.LinesErrs, p.LinesWarns = f, errs, warns
	if sendErr != nil {
		p.LinesProb = newProblemView(sendErr)
	}
	c.render(w, r, s, statusOf(sendErr), "order", "Order "+key.OrderID, p)
	return nil
}
