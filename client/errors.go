package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// Op names an operation of the API, for errors and logs.
type Op string

// The operations of the client.
const (
	OpToken       Op = "get access token"
	OpAddImage    Op = "add image"
	OpSetCategory Op = "set category"
	OpAddReceipt  Op = "add receipt"
	OpGetOrder    Op = "get order"

	// The v3 category operations (contract §5a).
	OpAddCategory    Op = "add category"
	OpListCategories Op = "list categories"
	OpGetCategory    Op = "get category"
	OpDeleteCategory Op = "delete category"
)

// Error is every non-2xx answer of the service, whatever the shape of its
// body: problem details, the gateway's {statusCode, message}, the token
// endpoint's {error, error_description} or an older list of errors.
// errors.Is(err, api.ErrConflict) and the other api kinds match it by
// status. Branch on Status and Code, never on the text.
type Error struct {
	// Status is the HTTP status code.
	Status int
	// Code is the stable machine-readable reason: the problem's code, the
	// token error, or the first legacy errorCode; empty if the body has none.
	Code string
	// Message is the service's human text: the problem's detail (or
	// title), the gateway message or the token error description.
	Message string
	// Problem is the problem details body; nil for other shapes.
	Problem *api.Problem
	// InvalidParams lists every invalid parameter the service named.
	InvalidParams []api.InvalidParam
	// TraceID identifies the request in the service's logs: the traceparent
	// response header, else the problem's instance or the legacy contextId.
	TraceID string
	// Body is the raw body of the answer.
	Body []byte

	// Op is the operation that failed; OrderID, PaymentType, ImageID,
	// CategoryID and MSN say what it was about, where they apply.
	Op          Op
	OrderID     string
	PaymentType api.PaymentType
	ImageID     string
	CategoryID  string
	MSN         string
	// Attempts is how many requests the call sent before giving up.
	Attempts int
	// RetryAfter is the wait a 429 or 503 asked for in Retry-After; zero
	// when it asked for none.
	RetryAfter time.Duration
	// Ambiguous is true when an earlier attempt of the same call failed
	// without a clear answer (a network error or a 5xx), so that a conflict
	// may be with that attempt's own data.
	Ambiguous bool
	// StoredDiffers is true for a receipt conflict after an ambiguous
	// failure where the stored receipt was read back and is not the one sent.
	StoredDiffers bool
}

// Error describes the failure for logs and developers; UserMessage is the
// sentence for people.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ordermgmt: %s", e.Op)
	if e.OrderID != "" {
		fmt.Fprintf(&b, " (order %s)", e.OrderID)
	} else if e.ImageID != "" {
		fmt.Fprintf(&b, " (image %s)", e.ImageID)
	} else if e.CategoryID != "" {
		fmt.Fprintf(&b, " (category %s)", e.CategoryID)
	}
	fmt.Fprintf(&b, ": HTTP %d", e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	if e.StoredDiffers {
		b.WriteString(": a different receipt is already stored")
	} else if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	for i, p := range e.InvalidParams {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", p.Name, p.Reason)
		if i == len(e.InvalidParams)-1 {
			b.WriteString(")")
		}
	}
	if e.TraceID != "" {
		fmt.Fprintf(&b, " [trace %s]", e.TraceID)
	}
	return b.String()
}

// Kind is the api error kind of the status (api.KindForStatus); nil for a
// 4xx no kind has.
func (e *Error) Kind() *api.Kind { return api.KindForStatus(e.Status) }

// Is reports whether target is the api kind of the error's status.
func (e *Error) Is(target error) bool {
	k, ok := target.(*api.Kind)
	return ok && k == e.Kind()
}

// Unwrap returns the problem details, so errors.As finds an *api.Problem.
func (e *Error) Unwrap() error {
	if e.Problem == nil {
		return nil
	}
	return e.Problem
}

// subject names what the call was about, as the start of a sentence.
func (e *Error) subject() string {
	switch e.Op {
	case OpAddReceipt:
		return "The receipt for order " + e.OrderID
	case OpSetCategory:
		return "The category for order " + e.OrderID
	case OpGetOrder:
		return "The request for order " + e.OrderID
	case OpAddCategory:
		return "The category for order " + e.OrderID
	case OpListCategories:
		return "The request for the categories of order " + e.OrderID
	case OpGetCategory, OpDeleteCategory:
		return "The request for category " + e.CategoryID
	case OpAddImage:
		if e.ImageID != "" {
			return "The image " + shortID(e.ImageID)
		}
		return "The image"
	case OpToken:
		return "The access token request"
	}
	return "The request"
}

// shortID shortens a content-addressed image id for sentences.
func shortID(id string) string {
	if len(id) > 24 {
		return id[:12] + "…"
	}
	return id
}

// UserMessage is one or two sentences a support agent understands, chosen
// by status, code and operation, never by the service's English text.
func (e *Error) UserMessage() string {
	s := e.Status
	switch {
	case e.StoredDiffers:
		return fmt.Sprintf("A different receipt was already stored for order %s; the stored receipt cannot be changed.", e.OrderID)
	case s == http.StatusConflict && (e.Op == OpAddReceipt || e.Code == api.CodeReceiptExists):
		if e.Ambiguous {
			return fmt.Sprintf("The receipt for order %s is already stored, possibly by an earlier attempt of this request that got no answer; it cannot be changed.", e.OrderID)
		}
		return fmt.Sprintf("The receipt for order %s was already sent and cannot be changed.", e.OrderID)
	case s == http.StatusConflict && (e.Op == OpAddImage || e.Code == api.CodeImageExists):
		msg := fmt.Sprintf("An image with id %s already exists; images cannot be replaced, so upload it under a new id.", shortID(e.ImageID))
		if e.Ambiguous {
			msg += " An earlier attempt of this upload got no answer and may have stored it."
		}
		return msg
	case s == http.StatusConflict:
		return "The request conflicts with data that is already stored."
	case s == http.StatusBadRequest && e.Op == OpToken:
		return "The access token request was rejected" + sentenceTail(e.Message)
	case s == http.StatusBadRequest && len(e.InvalidParams) > 0:
		return fmt.Sprintf("%s was rejected: %s.", e.subject(), listParams(e.InvalidParams, 3))
	case s == http.StatusBadRequest:
		return e.subject() + " was rejected" + sentenceTail(e.Message)
	case s == http.StatusUnauthorized && e.Code == api.CodeSubscriptionKey:
		return "The subscription key was not accepted; check the Ocp-Apim-Subscription-Key of the sales unit."
	case s == http.StatusUnauthorized && e.Op == OpToken:
		return "The client id, client secret or subscription key was not accepted; check the credentials of the sales unit."
	case s == http.StatusUnauthorized:
		return "The service did not accept the access token or subscription key; check the client id, client secret and subscription key."
	case s == http.StatusForbidden:
		if e.MSN != "" {
			return fmt.Sprintf("These credentials may not act for merchant serial number %s.", e.MSN)
		}
		return "These credentials may not act for this merchant."
	case s == http.StatusNotFound && e.Op == OpGetOrder && e.Code != api.CodeRouteNotFound:
		return fmt.Sprintf("There is no category or receipt for order %s (payment type %s).", e.OrderID, e.PaymentType)
	case s == http.StatusNotFound && (e.Op == OpGetCategory || e.Op == OpDeleteCategory) && e.Code != api.CodeRouteNotFound:
		return fmt.Sprintf("There is no category %s for this merchant; it may have been deleted, or replaced by setting the order's category.", e.CategoryID)
	case s == http.StatusNotFound:
		return "The service has no such address; check the base URL."
	case s == http.StatusMethodNotAllowed:
		return "The service does not offer this operation at this address; check the base URL."
	case s == http.StatusRequestEntityTooLarge && e.Op == OpAddImage:
		return "The image is too large; an image may be at most 2 MiB."
	case s == http.StatusRequestEntityTooLarge:
		return e.subject() + " is too large for the service."
	case s == http.StatusUnsupportedMediaType:
		return "The service did not accept the request's content type."
	case s == http.StatusRequestTimeout:
		return e.subject() + " arrived too slowly at the service and was not stored; try again."
	case s == http.StatusServiceUnavailable && e.Code == codeStorageFull:
		return "The service's storage is full, so nothing can be saved right now (reading still works); tell whoever runs the service."
	case s == http.StatusTooManyRequests:
		return "Too many requests were sent to the service; wait a moment and try again."
	case s == http.StatusServiceUnavailable || s == http.StatusBadGateway || s == http.StatusGatewayTimeout:
		return fmt.Sprintf("The Order Management service is unavailable right now (HTTP %d); try again later.", s)
	case s >= 500:
		return fmt.Sprintf("The Order Management service had an internal error (HTTP %d); try again later, and give support the trace id if it persists.", s)
	}
	return fmt.Sprintf("%s failed with HTTP status %d.", e.subject(), s)
}

// codeStorageFull is the problem code of a write refused for lack of space
// (contract §8).
const codeStorageFull = "storage_full"

// sentenceTail ends a sentence with the service's message, if any.
func sentenceTail(msg string) string {
	msg = strings.TrimRight(strings.TrimSpace(msg), ".")
	if msg == "" {
		return "."
	}
	return ": " + msg + "."
}

// listParams lists up to n invalid parameters and counts the rest.
func listParams(ps []api.InvalidParam, n int) string {
	var parts []string
	for i, p := range ps {
		if i == n {
			parts = append(parts, fmt.Sprintf("and %d more", len(ps)-n))
			break
		}
		parts = append(parts, p.Name+": "+strings.TrimRight(p.Reason, "."))
	}
	return strings.Join(parts, "; ")
}

// UserMessage is a sentence for people about any error the client returns:
// an answer of the service, a request the client refused to send, a
// timeout, or a network failure.
func UserMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.UserMessage()
	}
	var ce *ConfigError
	if errors.As(err, &ce) {
		return "The client is not configured correctly: " + strings.TrimPrefix(ce.Error(), "ordermgmt: invalid client config: ") + "."
	}
	var p *api.Problem
	if errors.As(err, &p) && len(p.InvalidParams) > 0 {
		return "The request was not sent because it has invalid values: " + listParams(p.InvalidParams, 3) + "."
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "The service did not answer in time; try again."
	case errors.Is(err, context.Canceled):
		return "The request was cancelled."
	}
	// A transport failure names its cause (refused, DNS, TLS, timeout):
	// each has a different fix.
	if cause, ok := Unreachable(err); ok {
		return unreachableMessage(err, cause)
	}
	return err.Error()
}

// TraceID returns the trace id of an error the service answered, or "".
func TraceID(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.TraceID
	}
	return ""
}

// parseError reads any error body the service, its gateway or an older
// version of the API sends.
func parseError(status int, h http.Header, body []byte) *Error {
	e := &Error{Status: status, Body: body, TraceID: h.Get(api.HeaderTraceparent)}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return e
	}
	switch trimmed[0] {
	case '[':
		var list []legacyError
		if json.Unmarshal(trimmed, &list) == nil {
			e.addLegacy(list)
		}
	case '{':
		e.parseObject(trimmed, h)
	}
	if e.Message == "" && e.Problem == nil && len(trimmed) > 0 && trimmed[0] != '{' && trimmed[0] != '[' {
		// A plain-text body, as some proxies send: keep the start of it.
		e.Message = firstLine(string(trimmed), 200)
	}
	return e
}

// wireError is the union of the object-shaped error bodies.
type wireError struct {
	// Problem details (RFC 9457), with our code and invalidParams, and
	// the traceId some frameworks add.
	Type          string             `json:"type"`
	Title         string             `json:"title"`
	Status        json.RawMessage    `json:"status"`
	Detail        string             `json:"detail"`
	Instance      string             `json:"instance"`
	Code          json.RawMessage    `json:"code"`
	InvalidParams []api.InvalidParam `json:"invalidParams"`
	TraceIDField  string             `json:"traceId"`
	// Gateway: {"statusCode": 401, "message": "..."}.
	StatusCode json.RawMessage `json:"statusCode"`
	Message    string          `json:"message"`
	// Token endpoint: {"error": "...", "error_description": "..."}; some
	// services send "error" as an object instead.
	ErrorField       json.RawMessage `json:"error"`
	ErrorDescription string          `json:"error_description"`
	// Older APIs: {"errors": [...]} or {"errors": {"field": ["message"]}}.
	Errors json.RawMessage `json:"errors"`
	// Older single error: {"errorCode": ..., "errorMessage": ..., "contextId": ...}.
	legacyError
}

// legacyError is one entry of the older list-of-errors shapes.
type legacyError struct {
	ErrorGroup   string          `json:"errorGroup"`
	ErrorCode    json.RawMessage `json:"errorCode"`
	ErrorMessage string          `json:"errorMessage"`
	ContextID    string          `json:"contextId"`
	// Variants seen in other Vipps APIs.
	CodeField    json.RawMessage `json:"code"`
	MessageField string          `json:"message"`
	Field        string          `json:"field"`
	Name         string          `json:"name"`
	Reason       string          `json:"reason"`
}

func (l legacyError) code() string {
	if c := rawString(l.ErrorCode); c != "" {
		return c
	}
	return rawString(l.CodeField)
}

func (l legacyError) message() string {
	for _, m := range []string{l.ErrorMessage, l.MessageField, l.Reason} {
		if m != "" {
			return m
		}
	}
	return ""
}

func (e *Error) parseObject(body []byte, h http.Header) {
	var w wireError
	if json.Unmarshal(body, &w) != nil {
		return
	}
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	code := rawString(w.Code)
	switch {
	case mt == "application/problem+json" || w.Type != "" || w.Title != "" || w.InvalidParams != nil:
		p := &api.Problem{
			Type: w.Type, Title: w.Title, Detail: w.Detail, Instance: w.Instance,
			Code: code, InvalidParams: w.InvalidParams,
		}
		p.Status, _ = strconv.Atoi(rawString(w.Status))
		if p.Status == 0 {
			p.Status = e.Status
		}
		e.Problem = p
		e.Code = code
		e.Message = w.Detail
		if e.Message == "" {
			e.Message = w.Title
		}
		e.InvalidParams = w.InvalidParams
		if len(e.InvalidParams) == 0 && len(w.Errors) > 0 {
			// Problem details from frameworks that list field errors
			// under "errors" instead.
			msg := e.Message
			e.addErrors(w.Errors)
			e.Message = firstNonEmpty(msg, e.Message)
		}
		if e.TraceID == "" {
			e.TraceID = firstNonEmpty(w.Instance, w.TraceIDField)
		}
	case len(w.StatusCode) > 0 || (w.Message != "" && len(w.ErrorField) == 0 && len(w.Errors) == 0):
		e.Code = code
		e.Message = w.Message
	case len(w.ErrorField) > 0:
		if s := rawString(w.ErrorField); s != "" && w.ErrorField[0] == '"' {
			e.Code = s
			e.Message = w.ErrorDescription
		} else {
			// {"error": {"code": "...", "message": "..."}}
			var inner legacyError
			if json.Unmarshal(w.ErrorField, &inner) == nil {
				e.addLegacy([]legacyError{inner})
			}
		}
	case len(w.Errors) > 0:
		e.addErrors(w.Errors)
		e.Code = firstNonEmpty(e.Code, code)
		e.Message = firstNonEmpty(e.Message, w.Title, w.Message)
	case len(w.ErrorCode) > 0 || w.ErrorMessage != "":
		e.addLegacy([]legacyError{w.legacyError})
	}
	if e.TraceID == "" {
		e.TraceID = w.TraceIDField
	}
}

// addErrors reads an "errors" member: a list of legacy errors or a map
// from field name to messages.
func (e *Error) addErrors(raw json.RawMessage) {
	var list []legacyError
	var byField map[string][]string
	if json.Unmarshal(raw, &list) == nil {
		e.addLegacy(list)
	} else if json.Unmarshal(raw, &byField) == nil {
		var ps []api.InvalidParam
		for name, reasons := range byField {
			for _, r := range reasons {
				ps = append(ps, api.InvalidParam{Name: name, Reason: r})
			}
		}
		// Map order is random; sorted, the same body gives the same error.
		slices.SortStableFunc(ps, func(a, b api.InvalidParam) int { return strings.Compare(a.Name, b.Name) })
		e.InvalidParams = append(e.InvalidParams, ps...)
	}
}

// addLegacy takes the code, messages, context id and field errors of an
// older list of errors.
func (e *Error) addLegacy(list []legacyError) {
	var msgs []string
	for _, l := range list {
		c, m := l.code(), l.message()
		if e.Code == "" {
			e.Code = c
		}
		if e.TraceID == "" {
			e.TraceID = l.ContextID
		}
		if name := firstNonEmpty(l.Field, l.Name); name != "" {
			e.InvalidParams = append(e.InvalidParams, api.InvalidParam{Name: name, Reason: m, Code: c})
		}
		if m != "" {
			msgs = append(msgs, m)
		}
	}
	e.Message = strings.Join(msgs, "; ")
}

// rawString returns a JSON string's value or a number's text; "" otherwise.
func rawString(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > n {
		s = s[:n]
	}
	return strings.TrimSpace(s)
}
