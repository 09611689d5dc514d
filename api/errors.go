package api

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error by what the caller can do about it. Each kind has
// one status code and problem type; errors.Is(err, api.ErrConflict) works on
// both sides of the wire.
type Kind struct {
	name   string
	status int
	title  string
}

func (k *Kind) Error() string { return k.title }

// Status is the HTTP status code of the kind.
func (k *Kind) Status() int { return k.status }

// Type is the problem type URI of the kind.
func (k *Kind) Type() string { return "/problems/" + k.name }

// Title is the short, fixed summary of the kind.
func (k *Kind) Title() string { return k.title }

// Name is the stable machine name of the kind.
func (k *Kind) Name() string { return k.name }

// The error kinds. Their statuses follow contract §7.
var (
	ErrInvalid              = &Kind{"invalid-request", 400, "Your request has invalid parameters"}
	ErrUnauthenticated      = &Kind{"unauthenticated", 401, "Authentication failed"}
	ErrForbidden            = &Kind{"forbidden", 403, "Not allowed for this merchant"}
	ErrNotFound             = &Kind{"not-found", 404, "Not found"}
	ErrMethodNotAllowed     = &Kind{"method-not-allowed", 405, "Method not allowed"}
	ErrConflict             = &Kind{"conflict", 409, "Conflict with stored data"}
	ErrTooLarge             = &Kind{"too-large", 413, "Request body too large"}
	ErrUnsupportedMediaType = &Kind{"unsupported-media-type", 415, "Unsupported media type"}
	ErrTimeout              = &Kind{"request-timeout", 408, "Request body too slow"}
	ErrRateLimited          = &Kind{"rate-limited", 429, "Too many requests"}
	ErrInternal             = &Kind{"internal", 500, "Internal error"}
	ErrUnavailable          = &Kind{"unavailable", 503, "Service unavailable"}
)

// Kinds lists every kind, for tables and documentation.
var Kinds = []*Kind{
	ErrInvalid, ErrUnauthenticated, ErrForbidden, ErrNotFound, ErrMethodNotAllowed,
	ErrConflict, ErrTooLarge, ErrUnsupportedMediaType, ErrRateLimited, ErrInternal, ErrUnavailable,
	ErrTimeout,
}

// KindForStatus returns the kind of an HTTP status: the kind with that
// status, else for a 5xx no kind has unavailable (502 and 504, which
// gateways send when the service is not there) or internal; nil for a 4xx
// no kind has. Both sides of the wire use this one map.
func KindForStatus(status int) *Kind {
	for _, k := range Kinds {
		if k.status == status {
			return k
		}
	}
	switch {
	case status == 502 || status == 504:
		return ErrUnavailable
	case status >= 500:
		return ErrInternal
	}
	return nil
}

// Problem codes: stable, machine-readable reasons for a whole problem.
const (
	CodeInvalidRequest = "invalid_request"
	CodeReceiptExists  = "receipt_exists"
	CodeImageExists    = "image_exists"
	CodeOrderNotFound  = "order_not_found"
	// CodeCategoryNotFound: a v3 category id that is unknown, deleted or
	// another merchant's.
	CodeCategoryNotFound = "category_not_found"
	CodeRouteNotFound    = "route_not_found"
	CodeMethod           = "method_not_allowed"
	CodeBodyTooLarge     = "body_too_large"
	CodeMediaType        = "unsupported_media_type"
	CodeInternal         = "internal"
	CodeUnavailable      = "unavailable"
	CodeInvalidToken     = "invalid_token"
	CodeMissingToken     = "missing_token"
	CodeExpiredToken     = "expired_token"
	CodeSubscriptionKey  = "invalid_subscription_key"
	CodeMSNNotAllowed    = "msn_not_allowed"
	CodeInvalidClient    = "invalid_client"
)

// Problem codes of the server's limits and input hygiene (contract §8).
const (
	// CodeBodyTimeout: the body did not arrive within the server's time (408).
	CodeBodyTimeout = "body_timeout"
	// CodeOverloaded: too many connections or too many body bytes in
	// flight; retry after Retry-After (503).
	CodeOverloaded = "overloaded"
	// CodeRateLimited: the client and merchant's request rate is over its
	// limit; retry after Retry-After (429).
	CodeRateLimited = "rate_limited"
	// CodeStorageFull: the store refuses writes for lack of space; reads
	// still work (503).
	CodeStorageFull = "storage_full"
	// CodeInvalidPath: a path that is not clean or has malformed
	// percent-encoding (an invalid parameter named "path").
	CodeInvalidPath = "invalid_path"
)

// Problem is an RFC 9457 problem details body, extended with a stable code
// and the list of every invalid parameter.
type Problem struct {
	Type          string         `json:"type"`
	Title         string         `json:"title"`
	Status        int            `json:"status"`
	Detail        string         `json:"detail,omitempty"`
	Instance      string         `json:"instance,omitempty"`
	Code          string         `json:"code,omitempty"`
	InvalidParams []InvalidParam `json:"invalidParams,omitempty"`
}

// InvalidParam names one problem in a request: a JSON path such as
// orderLines[1].totalTaxAmount (or a path or header name), a sentence that
// says how to fix it, and a stable code.
type InvalidParam struct {
	Name   string `json:"name"`
	Reason string `json:"reason"`
	Code   string `json:"code"`
}

// Error implements error with the detail, or the title, and every invalid
// parameter.
func (p *Problem) Error() string {
	var b strings.Builder
	b.WriteString(p.Title)
	if p.Detail != "" {
		b.WriteString(": ")
		b.WriteString(p.Detail)
	}
	for i, ip := range p.InvalidParams {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s: %s", ip.Name, ip.Reason)
		if i == len(p.InvalidParams)-1 {
			b.WriteString(")")
		}
	}
	return b.String()
}

// Kind returns the kind of the problem's status, or ErrInternal.
func (p *Problem) Kind() *Kind {
	if k := KindForStatus(p.Status); k != nil {
		return k
	}
	return ErrInternal
}

// Is reports whether target is the kind of this problem's status, so that
// errors.Is(err, api.ErrConflict) works.
func (p *Problem) Is(target error) bool {
	k, ok := target.(*Kind)
	return ok && p.Kind() == k
}

// NewProblem builds a problem of a kind with a code and detail.
func NewProblem(k *Kind, code, detail string) *Problem {
	return &Problem{Type: k.Type(), Title: k.title, Status: k.status, Code: code, Detail: detail}
}

// Invalid builds a 400 problem listing params; it returns nil when there are
// none, so callers can write `if err := api.Invalid(ps); err != nil`.
func Invalid(params []InvalidParam) error {
	if len(params) == 0 {
		return nil
	}
	p := NewProblem(ErrInvalid, CodeInvalidRequest, fmt.Sprintf("%d invalid parameter(s); see invalidParams.", len(params)))
	p.InvalidParams = params
	return p
}

// AsProblem returns err as a problem: the problem itself, a bare kind made
// into one, or an internal problem with no detail (causes stay on the
// server).
func AsProblem(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var k *Kind
	if errors.As(err, &k) {
		return NewProblem(k, strings.ReplaceAll(k.name, "-", "_"), "")
	}
	return NewProblem(ErrInternal, CodeInternal, "")
}
