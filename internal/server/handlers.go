package server

import (
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"net/http"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// token answers POST /accesstoken/get. It tolerates what real clients send:
// an empty body, any Content-Type, an empty "Authorization: Bearer ".
func (s *Server) token(w http.ResponseWriter, r *http.Request, in *input) error {
	h := r.Header
	g, err := s.authn.Load().authn.Authenticate(r.Context(), headerValue(h, clientIDKey), headerValue(h, clientSecretKey),
		headerValue(h, api.HeaderSubscriptionKey), headerValue(h, api.HeaderMSN))
	if err != nil {
		return err
	}
	tok, c, err := s.issuer.Mint(g)
	if err != nil {
		return err
	}
	in.state.clientID, in.state.msn = c.ClientID, headerValue(h, api.HeaderMSN)
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, "application/json", s.issuer.TokenResponse(tok, c))
	return nil
}

// addImage answers POST /order-management/v1/images.
func (s *Server) addImage(w http.ResponseWriter, r *http.Request, in *input) error {
	req, info, err := api.DecodeImage(in.body)
	if err != nil {
		return err
	}
	sum := sha512.Sum512(info.Data)
	img := &store.Image{
		MSN: in.msn, ID: req.ImageID, MediaType: info.MediaType,
		Width: info.Width, Height: info.Height, SHA512: hex.EncodeToString(sum[:]),
		Data: info.Data, Meta: s.meta(r, in),
	}
	if err := s.store.PutImage(r.Context(), img); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, "application/json", api.ImageResponse{ImageID: req.ImageID})
	return nil
}

// putCategory answers PUT /order-management/v2/{paymentType}/categories/{orderId}.
func (s *Server) putCategory(w http.ResponseWriter, r *http.Request, in *input) error {
	key, params := orderKey(r, in)
	c, err := api.DecodeCategory(in.body)
	if params, err = mergeInvalid(params, err); err != nil {
		return err
	}
	if err := api.Invalid(params); err != nil {
		return err
	}
	// The store checks the image exists for this merchant in the same
	// write, so a category can never point at a missing image. The
	// category replaces every category of the order, v3 ones included.
	cat := &store.Category{Key: key, ID: s.newID(), Category: *c, Meta: s.meta(r, in)}
	if err := s.store.PutCategory(r.Context(), cat); err != nil {
		return err
	}
	writeJSONString(w, http.StatusOK, cat.ID)
	return nil
}

// maxHeaderWarnings bounds the Receipt-Warnings header of a receipt with
// many mismatched lines.
const maxHeaderWarnings = 20

// addReceipt answers POST /order-management/v2/{paymentType}/receipts/{orderId}.
func (s *Server) addReceipt(w http.ResponseWriter, r *http.Request, in *input) error {
	key, params := orderKey(r, in)
	rc, err := api.DecodeReceipt(in.body)
	if params, err = mergeInvalid(params, err); err != nil {
		return err
	}
	if err := api.Invalid(params); err != nil {
		return err
	}
	// The canonical form is stored: unknown fields are dropped, and reads
	// can send the bytes as they are. It is rarely longer than what was
	// sent, so the request's length sizes the buffer.
	body, err := rc.AppendJSON(make([]byte, 0, len(in.body)+64))
	if err != nil {
		return err
	}
	rec := &store.Receipt{Key: key, ID: s.newID(), Body: body, Meta: s.meta(r, in)}
	if err := s.store.AddReceipt(r.Context(), rec); err != nil {
		return err
	}
	if ws := rc.Warnings(); len(ws) > 0 {
		// Proxies commonly refuse response headers over 8 KiB; the full list
		// is one `receipt lint` away.
		w.Header().Set(api.HeaderReceiptWarnings, api.FormatWarnings(ws[:min(len(ws), maxHeaderWarnings)]))
	}
	writeJSONString(w, http.StatusCreated, rec.ID)
	return nil
}

// getOrder answers GET /order-management/v2/{paymentType}/{orderId}.
func (s *Server) getOrder(w http.ResponseWriter, r *http.Request, in *input) error {
	key, params := orderKey(r, in)
	if err := api.Invalid(params); err != nil {
		return err
	}
	o, err := s.store.GetOrder(r.Context(), key)
	if err != nil {
		return err
	}
	writeOrder(w, o)
	return nil
}

// writeOrder writes the GET body from the stored parts: the category is
// encoded and the receipt, stored canonical, is written as it is, not
// decoded and encoded again nor copied into one buffer with the rest.
func writeOrder(w http.ResponseWriter, o *store.Order) {
	n := 32
	if o.Category != nil {
		n += 64 + len(o.Category.OrderDetailsURL)
	}
	head := make([]byte, 0, n)
	head = append(head, '{')
	if o.Category != nil {
		head = append(head, `"category":`...)
		head = o.Category.AppendJSON(head)
	}
	if o.Receipt != nil {
		if o.Category != nil {
			head = append(head, ',')
		}
		head = append(head, `"receipt":`...)
	}
	writeHead(w, http.StatusOK, "application/json", len(head)+len(o.Receipt)+1)
	_, _ = w.Write(head)
	_, _ = w.Write(o.Receipt)
	_, _ = w.Write([]byte{'}'})
}

// orderKey reads the path parameters, listing what is wrong with them.
func orderKey(r *http.Request, in *input) (store.OrderKey, []api.InvalidParam) {
	pt, params := api.ParsePaymentType(r.PathValue("paymentType"))
	id := r.PathValue("orderId")
	params = append(params, api.CheckOrderID(id)...)
	return store.OrderKey{MSN: in.msn, PaymentType: pt, OrderID: id}, params
}

// mergeInvalid adds a decode error's invalid params to params; any other
// error is returned as it is.
func mergeInvalid(params []api.InvalidParam, err error) ([]api.InvalidParam, error) {
	if err == nil {
		return params, nil
	}
	var p *api.Problem
	if errors.As(err, &p) && p.Status == http.StatusBadRequest {
		return append(params, p.InvalidParams...), nil
	}
	return params, err
}

// meta records who wrote a row, for support staff.
func (s *Server) meta(r *http.Request, in *input) store.Meta {
	h := r.Header
	return store.Meta{
		CreatedAt: s.now().UTC(),
		TraceID:   in.state.traceID,
		ClientID:  in.state.clientID,
		System: store.System{
			Name:          headerValue(h, api.HeaderSystemName),
			Version:       headerValue(h, api.HeaderSystemVersion),
			PluginName:    headerValue(h, api.HeaderSystemPluginName),
			PluginVersion: headerValue(h, api.HeaderSystemPluginVersion),
		},
	}
}
