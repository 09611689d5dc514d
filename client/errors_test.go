package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ordermgmt/ordermgmt/api"
)

// TestParseErrorShapes: every error body shape the service, its gateway or
// older APIs send comes back as the same fields.
func TestParseErrorShapes(t *testing.T) {
	const tp = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
	type view struct {
		Code, Message, TraceID string
		InvalidParams          []api.InvalidParam
		Problem                bool
	}
	tests := []struct {
		name        string
		status      int
		contentType string
		traceparent string
		body        string
		want        view
	}{
		{
			name: "problem details", status: 400, contentType: "application/problem+json", traceparent: tp,
			body: `{"type":"/problems/invalid-request","title":"Your request has invalid parameters","status":400,
				"detail":"2 invalid parameter(s); see invalidParams.","instance":"` + tp + `","code":"invalid_request",
				"invalidParams":[{"name":"orderLines[0].totalAmount","reason":"must equal totalAmountExcludingTax + totalTaxAmount.","code":"sum_mismatch"},
				{"name":"bottomLine.currency","reason":"must be one of NOK, DKK, EUR.","code":"unknown_value"}]}`,
			want: view{Code: "invalid_request", Message: "2 invalid parameter(s); see invalidParams.", TraceID: tp, Problem: true,
				InvalidParams: []api.InvalidParam{
					{Name: "orderLines[0].totalAmount", Reason: "must equal totalAmountExcludingTax + totalTaxAmount.", Code: "sum_mismatch"},
					{Name: "bottomLine.currency", Reason: "must be one of NOK, DKK, EUR.", Code: "unknown_value"},
				}},
		},
		{
			name: "problem trace id from instance", status: 409, contentType: "application/json",
			body: `{"type":"/problems/conflict","title":"Conflict with stored data","status":409,"instance":"` + tp + `","code":"receipt_exists"}`,
			want: view{Code: "receipt_exists", Message: "Conflict with stored data", TraceID: tp, Problem: true},
		},
		{
			name: "gateway", status: 401, contentType: "application/json",
			body: `{ "statusCode": 401, "message": "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription." }`,
			want: view{Message: "Access denied due to invalid subscription key. Make sure to provide a valid key for an active subscription."},
		},
		{
			name: "gateway with code", status: 403, contentType: "application/json", traceparent: tp,
			body: `{"statusCode":403,"message":"The token may not act for MSN 654321.","code":"msn_not_allowed"}`,
			want: view{Code: "msn_not_allowed", Message: "The token may not act for MSN 654321.", TraceID: tp},
		},
		{
			name: "token error", status: 400, contentType: "application/json",
			body: `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}`,
			want: view{Code: "invalid_client", Message: "AADSTS7000215: Invalid client secret provided."},
		},
		{
			name: "legacy list", status: 400, contentType: "application/json",
			body: `[{"errorGroup":"InvalidRequest","errorCode":"81","errorMessage":"Invalid orderId","contextId":"a3b8c1d2-1111-2222-3333-444455556666"}]`,
			want: view{Code: "81", Message: "Invalid orderId", TraceID: "a3b8c1d2-1111-2222-3333-444455556666"},
		},
		{
			name: "legacy list with fields", status: 400, contentType: "application/json",
			body: `[{"field":"orderLines","message":"must not be empty","contextId":"ctx-1"},{"field":"bottomLine.currency","message":"unknown currency"}]`,
			want: view{Message: "must not be empty; unknown currency", TraceID: "ctx-1", InvalidParams: []api.InvalidParam{
				{Name: "orderLines", Reason: "must not be empty"}, {Name: "bottomLine.currency", Reason: "unknown currency"},
			}},
		},
		{
			name: "errors list", status: 400, contentType: "application/json",
			body: `{"errors":[{"errorCode":"INVALID_AMOUNT","errorMessage":"Amount must be positive","field":"orderLines[0].totalAmount"}]}`,
			want: view{Code: "INVALID_AMOUNT", Message: "Amount must be positive", InvalidParams: []api.InvalidParam{
				{Name: "orderLines[0].totalAmount", Reason: "Amount must be positive", Code: "INVALID_AMOUNT"},
			}},
		},
		{
			name: "problem with errors map", status: 400, contentType: "application/problem+json",
			body: `{"type":"https://tools.ietf.org/html/rfc7231#section-6.5.1","title":"One or more validation errors occurred.","status":400,
				"traceId":"00-aaaa-bbbb-00","errors":{"OrderLines":["The OrderLines field is required."],"BottomLine":["The BottomLine field is required."]}}`,
			want: view{Message: "One or more validation errors occurred.", TraceID: "00-aaaa-bbbb-00", Problem: true, InvalidParams: []api.InvalidParam{
				{Name: "BottomLine", Reason: "The BottomLine field is required."}, {Name: "OrderLines", Reason: "The OrderLines field is required."},
			}},
		},
		{
			name: "error object", status: 500, contentType: "application/json",
			body: `{"error":{"code":"InternalError","message":"Something broke"}}`,
			want: view{Code: "InternalError", Message: "Something broke"},
		},
		{
			name: "single legacy object", status: 404, contentType: "application/json",
			body: `{"errorCode":"NOT_FOUND","errorMessage":"Order not found","contextId":"ctx-9"}`,
			want: view{Code: "NOT_FOUND", Message: "Order not found", TraceID: "ctx-9"},
		},
		{name: "empty body", status: 502, want: view{}},
		{name: "html from a proxy", status: 504, contentType: "text/html", traceparent: tp,
			body: "<html><body>Gateway Timeout</body></html>\n<!-- x -->",
			want: view{Message: "<html><body>Gateway Timeout</body></html>", TraceID: tp}},
		{name: "broken JSON", status: 500, contentType: "application/json", body: `{"title": "trunc`, want: view{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.contentType != "" {
				h.Set("Content-Type", tt.contentType)
			}
			if tt.traceparent != "" {
				h.Set("traceparent", tt.traceparent)
			}
			e := parseError(tt.status, h, []byte(tt.body))
			got := view{Code: e.Code, Message: e.Message, TraceID: e.TraceID, InvalidParams: e.InvalidParams, Problem: e.Problem != nil}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("parseError(%d, %s) (-want +got):\n%s", tt.status, tt.body, diff)
			}
			if e.Status != tt.status || string(e.Body) != tt.body {
				t.Errorf("Status, Body = %d, %q, want %d and the raw body", e.Status, e.Body, tt.status)
			}
			if e.Problem != nil && e.Problem.Status != tt.status {
				t.Errorf("Problem.Status = %d, want %d", e.Problem.Status, tt.status)
			}
		})
	}
}

// TestErrorsIs: errors.Is matches the api kind of the status, and only it.
func TestErrorsIs(t *testing.T) {
	tests := []struct {
		status int
		want   *api.Kind
	}{
		{400, api.ErrInvalid},
		{401, api.ErrUnauthenticated},
		{403, api.ErrForbidden},
		{404, api.ErrNotFound},
		{405, api.ErrMethodNotAllowed},
		{409, api.ErrConflict},
		{413, api.ErrTooLarge},
		{415, api.ErrUnsupportedMediaType},
		{429, api.ErrRateLimited},
		{500, api.ErrInternal},
		{501, api.ErrInternal},
		{502, api.ErrUnavailable},
		{503, api.ErrUnavailable},
		{504, api.ErrUnavailable},
		{418, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			// Wrapped, as a caller might return it.
			err := fmt.Errorf("sending receipt: %w", &Error{Status: tt.status})
			for _, k := range api.Kinds {
				if got := errors.Is(err, k); got != (k == tt.want) {
					t.Errorf("errors.Is(HTTP %d, %s) = %v, want %v", tt.status, k.Name(), got, k == tt.want)
				}
			}
		})
	}
	// A problem body is reachable with errors.As.
	e := parseError(409, http.Header{"Content-Type": {"application/problem+json"}},
		[]byte(`{"type":"/problems/conflict","title":"Conflict","status":409,"code":"receipt_exists"}`))
	var p *api.Problem
	if !errors.As(error(e), &p) || p.Code != api.CodeReceiptExists {
		t.Errorf("errors.As(*Error, *api.Problem) = %v, want the problem with code receipt_exists", p)
	}
	var none *api.Problem
	if errors.As(error(&Error{Status: 401}), &none) {
		t.Errorf("errors.As on an error without a problem body found %v, want nothing", none)
	}
}

// TestUserMessage: the sentence per status, code and operation.
func TestUserMessage(t *testing.T) {
	params := []api.InvalidParam{
		{Name: "orderLines[0].totalAmount", Reason: "must equal totalAmountExcludingTax + totalTaxAmount (8000 + 2000 = 10000), got 9999."},
		{Name: "orderLines[1].name", Reason: "is required."},
		{Name: "bottomLine.currency", Reason: "must be one of NOK, DKK, EUR."},
		{Name: "bottomLine.tipAmount", Reason: "must be 0 or more."},
	}
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"receipt exists", &Error{Op: OpAddReceipt, Status: 409, Code: api.CodeReceiptExists, OrderID: "123"},
			"The receipt for order 123 was already sent and cannot be changed."},
		{"receipt exists after a lost answer", &Error{Op: OpAddReceipt, Status: 409, OrderID: "123", Ambiguous: true},
			"The receipt for order 123 is already stored, possibly by an earlier attempt of this request that got no answer; it cannot be changed."},
		{"different receipt stored", &Error{Op: OpAddReceipt, Status: 409, OrderID: "123", Ambiguous: true, StoredDiffers: true},
			"A different receipt was already stored for order 123; the stored receipt cannot be changed."},
		{"image exists", &Error{Op: OpAddImage, Status: 409, ImageID: "logo"},
			"An image with id logo already exists; images cannot be replaced, so upload it under a new id."},
		{"image exists, long id", &Error{Op: OpAddImage, Status: 409, ImageID: ContentID([]byte("x"))},
			"An image with id " + ContentID([]byte("x"))[:12] + "… already exists; images cannot be replaced, so upload it under a new id."},
		{"invalid receipt", &Error{Op: OpAddReceipt, Status: 400, OrderID: "123", InvalidParams: params},
			"The receipt for order 123 was rejected: orderLines[0].totalAmount: must equal totalAmountExcludingTax + totalTaxAmount (8000 + 2000 = 10000), got 9999; orderLines[1].name: is required; bottomLine.currency: must be one of NOK, DKK, EUR; and 1 more."},
		{"invalid category", &Error{Op: OpSetCategory, Status: 400, OrderID: "A-1", InvalidParams: params[2:3]},
			"The category for order A-1 was rejected: bottomLine.currency: must be one of NOK, DKK, EUR."},
		{"bad request without params", &Error{Op: OpSetCategory, Status: 400, OrderID: "A-1", Message: "Body is not JSON."},
			"The category for order A-1 was rejected: Body is not JSON."},
		{"token rejected", &Error{Op: OpToken, Status: 401, Code: "invalid_client"},
			"The client id, client secret or subscription key was not accepted; check the credentials of the sales unit."},
		{"token bad request", &Error{Op: OpToken, Status: 400, Message: "client_id is missing"},
			"The access token request was rejected: client_id is missing."},
		{"token expired", &Error{Op: OpGetOrder, Status: 401, OrderID: "1"},
			"The service did not accept the access token or subscription key; check the client id, client secret and subscription key."},
		{"wrong subscription key", &Error{Op: OpGetOrder, Status: 401, Code: api.CodeSubscriptionKey},
			"The subscription key was not accepted; check the Ocp-Apim-Subscription-Key of the sales unit."},
		{"forbidden MSN", &Error{Op: OpAddReceipt, Status: 403, MSN: "654321"},
			"These credentials may not act for merchant serial number 654321."},
		{"order not found", &Error{Op: OpGetOrder, Status: 404, OrderID: "123", PaymentType: "ECOM", Code: api.CodeOrderNotFound},
			"There is no category or receipt for order 123 (payment type ECOM)."},
		{"wrong base URL", &Error{Op: OpGetOrder, Status: 404, OrderID: "123", Code: api.CodeRouteNotFound},
			"The service has no such address; check the base URL."},
		{"image too large", &Error{Op: OpAddImage, Status: 413},
			"The image is too large; an image may be at most 2 MiB."},
		{"rate limited", &Error{Op: OpAddReceipt, Status: 429},
			"Too many requests were sent to the service; wait a moment and try again."},
		{"bad gateway", &Error{Op: OpAddReceipt, Status: 502},
			"The Order Management service is unavailable right now (HTTP 502); try again later."},
		{"internal", &Error{Op: OpAddReceipt, Status: 500},
			"The Order Management service had an internal error (HTTP 500); try again later, and give support the trace id if it persists."},
		{"unusual status", &Error{Op: OpSetCategory, Status: 418, OrderID: "9"},
			"The category for order 9 failed with HTTP status 418."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.UserMessage(); got != tt.want {
				t.Errorf("UserMessage() =\n%q, want\n%q", got, tt.want)
			}
		})
	}
}

func TestUserMessageOfOtherErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), "The service did not answer in time; try again."},
		{"cancelled", context.Canceled, "The request was cancelled."},
		{"network", &url.Error{Op: "Post", URL: "https://api.vipps.no/accesstoken/get", Err: errors.New("no route to host")},
			"The service at api.vipps.no could not be reached (no route to host). Check the network connection and the base URL."},
		{"local validation", api.Invalid([]api.InvalidParam{{Name: "orderId", Reason: "is required."}}),
			"The request was not sent because it has invalid values: orderId: is required."},
		{"config", &ConfigError{Errs: []error{errors.New("Config.MSN is required")}},
			"The client is not configured correctly: Config.MSN is required."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := UserMessage(tt.err); got != tt.want {
				t.Errorf("UserMessage(%v) = %q, want %q", tt.err, got, tt.want)
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	e := &Error{Op: OpAddReceipt, OrderID: "123", Status: 400, Code: "invalid_request", Message: "1 invalid parameter(s)",
		InvalidParams: []api.InvalidParam{{Name: "bottomLine.currency", Reason: "must be one of NOK, DKK, EUR."}},
		TraceID:       "00-abc-def-00"}
	want := "ordermgmt: add receipt (order 123): HTTP 400 invalid_request: 1 invalid parameter(s) (bottomLine.currency: must be one of NOK, DKK, EUR.) [trace 00-abc-def-00]"
	if got := e.Error(); got != want {
		t.Errorf("Error() =\n%q, want\n%q", got, want)
	}
	if got := TraceID(fmt.Errorf("wrapped: %w", e)); got != "00-abc-def-00" {
		t.Errorf("TraceID() = %q, want 00-abc-def-00", got)
	}
}
