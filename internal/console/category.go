package console

import (
	"net/http"
	"strings"

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

// addCategory answers POST .../categories: add a category to the order (v3).
func (c *Console) addCategory(w http.ResponseWriter, r *http.Request, s *session) error {
	key, err := orderKey(r)
	if err != nil {
		return err
	}
	f := form.CategoryV3FromRequest(r)
	req := f.API(key.PaymentType, key.OrderID)
	detail := strings.TrimSpace(f.Type + " " + f.URL + " " + f.ImageID)
	errs := form.Errors{}
	form.AddProblem(errs, req.Validate(), form.CategoryV3Fields)
	var sendErr error
	if !errs.Any() {
		var cl *client.Client
		var res client.AddCategoryResult
		if cl, sendErr = c.opts.Client(key.MSN); sendErr == nil {
			res, sendErr = cl.AddCategory(r.Context(), req)
		}
		if sendErr == nil {
			c.record(r.Context(), s, key, "add category", detail+" as "+res.ID, outcome{trace: res.TraceID})
			redirectDone(w, r, key, "added")
			return nil
		}
		form.AddProblem(errs, sendErr, form.CategoryV3Fields)
		c.record(r.Context(), s, key, "add category", detail, outcome{err: sendErr})
	} else {
		c.record(r.Context(), s, key, "add category", detail, refused(errs))
	}
	p, _ := c.loadOrder(r.Context(), key)
	p.CategoryV3, p.CategoryV3Errs = f, errs
	if sendErr != nil {
		p.CategoryV3Prob = newProblemView(sendErr)
	}
	c.render(w, r, s, statusOf(sendErr), "order", "Order "+key.OrderID, p)
	return nil
}

// deleteCategory answers POST .../categories/{categoryId}/delete: delete
// one category of the order (v3). A category of another order is 404, so
// the record names the order the category was on.
func (c *Console) deleteCategory(w http.ResponseWriter, r *http.Request, s *session) error {
	key, err := orderKey(r)
	if err != nil {
		return err
	}
	id := r.PathValue("categoryId")
	cl, err := c.opts.Client(key.MSN)
	if err != nil {
		return err
	}
	cat, err := cl.GetCategory(r.Context(), id)
	switch {
	case err == nil && (cat.OrderID != key.OrderID || cat.PaymentType != key.PaymentType):
		return errNotFound
	case err == nil:
		err = cl.DeleteCategory(r.Context(), id)
	}
	detail := id
	if cat != nil {
		detail = string(cat.Type) + " " + cat.URL + " (" + id + ")"
	}
	if err == nil {
		c.record(r.Context(), s, key, "delete category", detail, outcome{trace: ""})
		redirectDone(w, r, key, "deleted")
		return nil
	}
	c.record(r.Context(), s, key, "delete category", detail, outcome{err: err})
	p, _ := c.loadOrder(r.Context(), key)
	p.DeleteProb = newProblemView(err)
	c.render(w, r, s, statusOf(err), "order", "Order "+key.OrderID, p)
	return nil
}
