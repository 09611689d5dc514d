package client

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"

	"github.com/ordermgmt/ordermgmt/api"
)

// The v3 categories (contract §5a): an order may have several categories
// (a ticket, a booking, tracking), each with its own id. They share the
// order with SetCategory, which replaces them all with one; GetOrder
// shows the most recently created.

// AddCategoryResult is the outcome of AddCategory.
type AddCategoryResult struct {
	// ID is the category id (a UUID), for GetCategory and DeleteCategory.
	ID string
	// AlreadyStored is true when an earlier attempt of this call got no
	// answer and the order was found to have a category with exactly this
	// content, which is taken as that attempt's.
	AlreadyStored bool
	TraceID       string
}

// AddCategory adds a category to an order: a link, and optionally an
// image, for the app to show with the payment. The request is checked as
// the service will before anything is sent; the payment type may be in any
// letter case.
//
// Every POST adds a category, so a retry after an attempt that got no
// answer could add the same category twice. Before such a retry
// AddCategory lists the order's categories, and a category of the same
// payment type, type, URL and image is taken as the earlier attempt's:
// the call succeeds with AlreadyStored and nothing more is sent. (Two
// identical links on one order would show the customer nothing new.)
func (cl *Client) AddCategory(ctx context.Context, req api.AddCategoryRequest) (AddCategoryResult, error) {
	if err := req.Validate(); err != nil {
		return AddCategoryResult{}, err
	}
	if err := cl.needMSN(OpAddCategory); err != nil {
		return AddCategoryResult{}, err
	}
	req.PaymentType, _ = api.ParsePaymentType(string(req.PaymentType))
	body, err := json.Marshal(req)
	if err != nil {
		return AddCategoryResult{}, err
	}
	var settled bool
	res, err := cl.do(ctx, call{op: OpAddCategory, method: http.MethodPost, path: "/order-management/v3/categories",
		body: body, auth: true, orderID: req.OrderID, paymentType: req.PaymentType,
		settle: func(ctx context.Context) (*result, error) {
			cs, err := cl.ListCategories(ctx, req.OrderID)
			if err != nil {
				return nil, err
			}
			for _, c := range cs {
				if sameCategory(c, req) {
					settled = true
					cl.log.Info("ordermgmt: category was stored by an earlier attempt", "order_id", req.OrderID, "category_id", c.CategoryID)
					b, err := json.Marshal(api.AddCategoryResponse{CategoryID: c.CategoryID})
					return &result{status: http.StatusCreated, body: b}, err
				}
			}
			return nil, nil
		}})
	if err != nil {
		return AddCategoryResult{}, err
	}
	var out api.AddCategoryResponse
	if err := json.Unmarshal(res.body, &out); err != nil || out.CategoryID == "" {
		if err == nil {
			err = errors.New("no categoryId")
		}
		return AddCategoryResult{}, cl.badAnswer(OpAddCategory, res, err)
	}
	return AddCategoryResult{ID: out.CategoryID, AlreadyStored: settled, TraceID: res.traceID}, nil
}

// sameCategory reports whether c has the content req asks for.
func sameCategory(c api.CategoryV3, req api.AddCategoryRequest) bool {
	sameImage := (c.ImageID == nil) == (req.ImageID == nil) && (c.ImageID == nil || *c.ImageID == *req.ImageID)
	return c.OrderID == req.OrderID && c.PaymentType == req.PaymentType && c.Type == req.Type && c.URL == req.URL && sameImage
}

// ListCategories returns the categories of the merchant's orders with this
// order id, of both payment types, in the order they were created; an
// order without categories gives an empty list.
func (cl *Client) ListCategories(ctx context.Context, orderID string) ([]api.CategoryV3, error) {
	if err := api.Invalid(api.CheckOrderID(orderID)); err != nil {
		return nil, err
	}
	if err := cl.needMSN(OpListCategories); err != nil {
		return nil, err
	}
	res, err := cl.do(ctx, call{op: OpListCategories, method: http.MethodGet,
		path: "/order-management/v3/categories?orderId=" + url.QueryEscape(orderID), auth: true, orderID: orderID})
	if err != nil {
		return nil, err
	}
	var list api.CategoryList
	if err := json.Unmarshal(res.body, &list); err != nil {
		return nil, cl.badAnswer(OpListCategories, res, err)
	}
	if list.Categories == nil {
		list.Categories = []api.CategoryV3{}
	}
	return list.Categories, nil
}

// GetCategory returns one category by id. An unknown, deleted or other
// merchant's id is an error that matches api.ErrNotFound.
func (cl *Client) GetCategory(ctx context.Context, id string) (*api.CategoryV3, error) {
	id, err := cl.categoryPath(OpGetCategory, id)
	if err != nil {
		return nil, err
	}
	res, err := cl.do(ctx, call{op: OpGetCategory, method: http.MethodGet,
		path: "/order-management/v3/categories/" + id, auth: true, categoryID: id})
	if err != nil {
		return nil, err
	}
	var c api.CategoryV3
	if err := json.Unmarshal(res.body, &c); err != nil {
		return nil, cl.badAnswer(OpGetCategory, res, err)
	}
	return &c, nil
}

// DeleteCategory deletes one category by id; GetOrder then shows the most
// recent remaining one. An unknown, deleted or other merchant's id is an
// error that matches api.ErrNotFound, except after an attempt of this call
// that got no answer: then a 404 means that attempt deleted it, and the
// call succeeds.
func (cl *Client) DeleteCategory(ctx context.Context, id string) error {
	id, err := cl.categoryPath(OpDeleteCategory, id)
	if err != nil {
		return err
	}
	_, err = cl.do(ctx, call{op: OpDeleteCategory, method: http.MethodDelete,
		path: "/order-management/v3/categories/" + id, auth: true, categoryID: id})
	var e *Error
	if errors.As(err, &e) && e.Status == http.StatusNotFound && e.Ambiguous && e.Code == api.CodeCategoryNotFound {
		cl.log.Info("ordermgmt: category was deleted by an earlier attempt", "category_id", id, "trace_id", e.TraceID)
		return nil
	}
	return err
}

// categoryPath checks a category id before it becomes part of a URL and
// returns its canonical form.
func (cl *Client) categoryPath(op Op, id string) (string, error) {
	id, err := api.CheckCategoryID(id)
	if err != nil {
		return "", err
	}
	return id, cl.needMSN(op)
}
