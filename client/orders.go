package client

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/ordermgmt/ordermgmt/api"
)

// ImageResult is the outcome of AddImage.
type ImageResult struct {
	// ID is the image id to reference from a category.
	ID string
	// AlreadyStored is true when the same bytes were stored earlier under
	// the same content-addressed id, so this upload changed nothing.
	AlreadyStored bool
	// TraceID identifies the request in the service's logs.
	TraceID string
}

// CategoryResult is the outcome of SetCategory.
type CategoryResult struct {
	// ID is the category id (a UUID) the service assigned.
	ID      string
	TraceID string
}

// ReceiptResult is the outcome of AddReceipt.
type ReceiptResult struct {
	// ID is the receipt id (a UUID); empty when AlreadyStored, as the
	// service gives the id only in the answer that stored the receipt.
	ID string
	// Warnings are the service's remarks on sums that are accepted but look
	// wrong (the Receipt-Warnings header).
	Warnings []api.Warning
	// AlreadyStored is true when an earlier attempt of this call stored the
	// receipt but its answer was lost: the receipt read back is the one sent.
	AlreadyStored bool
	TraceID       string
}

// ContentID is the content-addressed image id of data: the hex SHA-512 of
// the bytes, 128 characters. The same bytes always get the same id, so a
// retried upload cannot store an image twice.
func ContentID(data []byte) string {
	sum := sha512.Sum512(data)
	return hex.EncodeToString(sum[:])
}

// AddImage uploads an image (PNG or JPEG, at most 2 MiB, at least 167 px
// high; checked before anything is sent). An empty id means ContentID(data);
// with a content-addressed id, a 409 means these bytes are stored already
// and counts as success. Images cannot be replaced: another image under an
// existing id is a conflict.
func (cl *Client) AddImage(ctx context.Context, id string, data []byte) (ImageResult, error) {
	if _, err := ImageFromBytes(data); err != nil {
		return ImageResult{}, err
	}
	if id == "" {
		id = ContentID(data)
	}
	if err := cl.needMSN(OpAddImage); err != nil {
		return ImageResult{}, err
	}
	body, err := json.Marshal(api.ImageRequest{ImageID: id, Src: base64.StdEncoding.EncodeToString(data), Type: "base64"})
	if err != nil {
		return ImageResult{}, err
	}
	res, err := cl.do(ctx, call{op: OpAddImage, method: http.MethodPost, path: "/order-management/v1/images",
		body: body, auth: true, imageID: id})
	if err != nil {
		var e *Error
		if errors.As(err, &e) && e.Status == http.StatusConflict && id == ContentID(data) {
			// The id is the hash of the bytes: what is stored is this image.
			return ImageResult{ID: id, AlreadyStored: true, TraceID: e.TraceID}, nil
		}
		return ImageResult{}, err
	}
	var ir api.ImageResponse
	if err := json.Unmarshal(res.body, &ir); err != nil {
		return ImageResult{}, cl.badAnswer(OpAddImage, res, err)
	}
	if ir.ImageID == "" {
		ir.ImageID = id
	}
	return ImageResult{ID: ir.ImageID, TraceID: res.traceID}, nil
}

// SetCategory adds or replaces the category of an order: the link, and
// optionally the image, the app shows with the payment. The order need not
// exist yet. Payment types are ECOM or RECURRING in any letter case.
func (cl *Client) SetCategory(ctx context.Context, paymentType api.PaymentType, orderID string, cat api.Category) (CategoryResult, error) {
	pt, err := cl.orderPath(OpSetCategory, paymentType, orderID)
	if err != nil {
		return CategoryResult{}, err
	}
	body, err := json.Marshal(cat)
	if err != nil {
		return CategoryResult{}, err
	}
	res, err := cl.do(ctx, call{op: OpSetCategory, method: http.MethodPut,
		path: "/order-management/v2/" + string(pt) + "/categories/" + url.PathEscape(orderID),
		body: body, auth: true, orderID: orderID, paymentType: pt})
	if err != nil {
		return CategoryResult{}, err
	}
	id, err := decodeID(res.body)
	if err != nil {
		return CategoryResult{}, cl.badAnswer(OpSetCategory, res, err)
	}
	return CategoryResult{ID: id, TraceID: res.traceID}, nil
}

// AddReceipt adds the receipt of an order; an order has one receipt, which
// cannot be changed. Build receipts with ReceiptBuilder to get sums the
// service accepts.
//
// Retries make a receipt POST ambiguous: a network error or a 5xx may hide
// a receipt that was stored. When a retry then meets 409, AddReceipt reads
// the order back: if the stored receipt is the one sent, the call succeeds
// with AlreadyStored; if it differs, the error says so (StoredDiffers).
func (cl *Client) AddReceipt(ctx context.Context, paymentType api.PaymentType, orderID string, r *api.Receipt) (ReceiptResult, error) {
	pt, err := cl.orderPath(OpAddReceipt, paymentType, orderID)
	if err != nil {
		return ReceiptResult{}, err
	}
	if r == nil {
		return ReceiptResult{}, api.Invalid([]api.InvalidParam{{Name: "receipt", Reason: "is required.", Code: api.CodeRequired}})
	}
	body, err := json.Marshal(r)
	if err != nil {
		return ReceiptResult{}, err
	}
	res, err := cl.do(ctx, call{op: OpAddReceipt, method: http.MethodPost,
		path: "/order-management/v2/" + string(pt) + "/receipts/" + url.PathEscape(orderID),
		body: body, auth: true, orderID: orderID, paymentType: pt})
	if err != nil {
		var e *Error
		if !errors.As(err, &e) || e.Status != http.StatusConflict || !e.Ambiguous {
			return ReceiptResult{}, err
		}
		return cl.checkStoredReceipt(ctx, pt, orderID, r, e)
	}
	id, err := decodeID(res.body)
	if err != nil {
		return ReceiptResult{}, cl.badAnswer(OpAddReceipt, res, err)
	}
	out := ReceiptResult{ID: id, TraceID: res.traceID}
	if h := res.header.Get(api.HeaderReceiptWarnings); h != "" {
		out.Warnings = api.ParseWarnings(h)
	}
	return out, nil
}

// checkStoredReceipt settles a 409 after an ambiguous failure by comparing
// the stored receipt with the one sent.
func (cl *Client) checkStoredReceipt(ctx context.Context, pt api.PaymentType, orderID string, sent *api.Receipt, conflict *Error) (ReceiptResult, error) {
	order, err := cl.GetOrder(ctx, pt, orderID)
	if err != nil {
		return ReceiptResult{}, fmt.Errorf("%w (reading the order back to compare the receipts failed: %w)", conflict, err)
	}
	if order.Receipt != nil {
		same, err := SameReceipt(order.Receipt, sent)
		if err != nil {
			return ReceiptResult{}, err
		}
		if same {
			cl.log.Info("ordermgmt: receipt was stored by an earlier attempt", "order_id", orderID, "trace_id", conflict.TraceID)
			return ReceiptResult{AlreadyStored: true, TraceID: conflict.TraceID}, nil
		}
	}
	conflict.StoredDiffers = true
	cl.log.Warn("ordermgmt: a different receipt is stored", "order_id", orderID, "trace_id", conflict.TraceID)
	return ReceiptResult{}, conflict
}

// GetOrder returns the category and receipt of an order; a part the order
// lacks is nil. An order with neither is an error that matches
// api.ErrNotFound.
func (cl *Client) GetOrder(ctx context.Context, paymentType api.PaymentType, orderID string) (*api.Order, error) {
	pt, err := cl.orderPath(OpGetOrder, paymentType, orderID)
	if err != nil {
		return nil, err
	}
	res, err := cl.do(ctx, call{op: OpGetOrder, method: http.MethodGet,
		path: "/order-management/v2/" + string(pt) + "/" + url.PathEscape(orderID),
		auth: true, orderID: orderID, paymentType: pt})
	if err != nil {
		return nil, err
	}
	var o api.Order
	if err := json.Unmarshal(res.body, &o); err != nil {
		return nil, cl.badAnswer(OpGetOrder, res, err)
	}
	return &o, nil
}

// orderPath checks the path parameters before they become part of a URL,
// and returns the canonical payment type.
func (cl *Client) orderPath(op Op, paymentType api.PaymentType, orderID string) (api.PaymentType, error) {
	pt, ps := api.ParsePaymentType(string(paymentType))
	ps = append(ps, api.CheckOrderID(orderID)...)
	if err := api.Invalid(ps); err != nil {
		return "", err
	}
	return pt, cl.needMSN(op)
}

// needMSN refuses order-management calls without a merchant serial number,
// which the service would refuse anyway.
func (cl *Client) needMSN(op Op) error {
	if cl.cfg.MSN == "" {
		return &ConfigError{Errs: []error{fmt.Errorf("Config.MSN is required for %s: the Merchant-Serial-Number of the sales unit", op)}}
	}
	return nil
}

// decodeID reads a body that is a JSON string, the id the service assigned.
func decodeID(body []byte) (string, error) {
	var id string
	if err := json.Unmarshal(body, &id); err != nil {
		return "", err
	}
	return id, nil
}

// badAnswer reports a 2xx answer the client cannot read.
func (cl *Client) badAnswer(op Op, res *result, err error) error {
	return cl.fail(call{op: op}, fmt.Errorf("ordermgmt: %s: unexpected answer (HTTP %d, trace %s): %w: %.200q",
		op, res.status, res.traceID, err, res.body))
}

// SameReceipt reports whether two receipts are the same once both are in
// canonical JSON: object keys sorted, whitespace removed, and the default
// quantity unit (PCS) written out, so that a receipt the service stored and
// returned compares equal to the one that was sent.
func SameReceipt(a, b *api.Receipt) (bool, error) {
	ca, err := canonicalReceipt(a)
	if err != nil {
		return false, err
	}
	cb, err := canonicalReceipt(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(ca, cb), nil
}

func canonicalReceipt(r *api.Receipt) ([]byte, error) {
	c := *r
	c.OrderLines = make([]api.OrderLine, len(r.OrderLines))
	for i, l := range r.OrderLines {
		if l.UnitInfo != nil && l.UnitInfo.QuantityUnit == "" {
			u := *l.UnitInfo
			u.QuantityUnit = "PCS"
			l.UnitInfo = &u
		}
		c.OrderLines[i] = l
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	// Through a generic value and back: maps marshal with sorted keys, so
	// free-form parts (shippingInfo) compare regardless of key order.
	var v any
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}
