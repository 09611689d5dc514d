package api

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The sandbox's wire types: fault rules, the request journal, reset and the
// checklist report under /_sandbox/ (sandbox mode only). The server, the
// SDK's client/sandbox package, the CLI and the console share them.

// Operations names every operation of the API, as fault rules and the
// journal name them.
var Operations = []string{
	"token", "addImage", "putCategory", "addReceipt", "getOrder",
	"addCategory", "getCategories", "getCategory", "deleteCategory",
}

// HeaderSandboxFault names, on every answer a fault rule shaped, the rule
// that shaped it.
const HeaderSandboxFault = "Sandbox-Fault"

// When a fault rule acts.
const (
	// FaultBefore refuses the request: nothing is stored.
	FaultBefore = "before"
	// FaultAfter lets the request be processed and stored, then replaces
	// or loses the answer.
	FaultAfter = "after"
)

// Limits of fault rules.
const (
	MaxFaultDelayMs    = 30_000
	MaxFaultRetryAfter = 3600
	MaxFaultsPerMSN    = 100
)

// Problem codes of the sandbox.
const (
	CodeSandboxFault  = "sandbox_fault"
	CodeFaultNotFound = "fault_not_found"
	CodeFaultLimit    = "fault_limit"
	CodeUnknownField  = "unknown_field"
)

// Fault is a fault rule: what it matches (operation, orderId glob), when
// it acts, its effect (status, retryAfter, delayMs, drop) and how often
// (count, probability with an optional seed). FaultID, Fired, Matched and
// CreatedAt are set by the server.
type Fault struct {
	FaultID   string `json:"faultId"`
	Operation string `json:"operation"`
	// OrderID is a glob (* and ?) on the order id, or the image id for
	// addImage; empty matches every request.
	OrderID     string  `json:"orderId"`
	When        string  `json:"when"`
	Status      int     `json:"status"`
	RetryAfter  int     `json:"retryAfter"`
	DelayMs     int     `json:"delayMs"`
	Drop        bool    `json:"drop"`
	Count       int     `json:"count"`
	Probability float64 `json:"probability"`
	// Seed makes the probability draws a fixed sequence; nil draws at
	// random.
	Seed *int64 `json:"seed"`
	// Fired counts the answers the rule shaped; Matched the requests it
	// matched (drawn or not).
	Fired     int64     `json:"fired"`
	Matched   int64     `json:"matched"`
	CreatedAt time.Time `json:"createdAt"`
}

// FaultRule is the body of POST /_sandbox/faults: a Fault without what
// the server sets. Zero fields are left out, so the server's defaults
// apply (when: before, probability: 1).
type FaultRule struct {
	Operation   string   `json:"operation"`
	OrderID     string   `json:"orderId,omitempty"`
	When        string   `json:"when,omitempty"`
	Status      int      `json:"status,omitempty"`
	RetryAfter  int      `json:"retryAfter,omitempty"`
	DelayMs     int      `json:"delayMs,omitempty"`
	Drop        bool     `json:"drop,omitempty"`
	Count       int      `json:"count,omitempty"`
	Probability *float64 `json:"probability,omitempty"`
	Seed        *int64   `json:"seed,omitempty"`
}

// Spent reports whether the rule has fired Count times.
func (f *Fault) Spent() bool { return f.Count > 0 && f.Fired >= int64(f.Count) }

// MatchesTarget reports whether the rule's glob matches id (an order or
// image id; empty when the request names none).
func (f *Fault) MatchesTarget(id string) bool {
	if f.OrderID == "" || f.OrderID == "*" {
		return true
	}
	return id != "" && Glob(f.OrderID, id)
}

// FaultList is the body of GET /_sandbox/faults.
type FaultList struct {
	Faults []Fault `json:"faults"`
}

// FaultCreated is the body of POST /_sandbox/faults.
type FaultCreated struct {
	FaultID string `json:"faultId"`
}

// faultFields are the fields a rule may have, in the order problems are
// listed.
var faultFields = []string{"operation", "orderId", "when", "status", "retryAfter", "delayMs", "drop", "count", "probability", "seed"}

// DecodeFault reads and checks a fault rule, listing every problem: an
// unknown field (a typo would otherwise make a rule that does something
// else), a value of the wrong type or out of range, and a rule without
// any effect.
func DecodeFault(body []byte) (*Fault, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return nil, Invalid([]InvalidParam{{Name: "body", Code: CodeInvalidJSON,
			Reason: "must be a JSON object such as {\"operation\": \"addReceipt\", \"status\": 502}."}})
	}
	var ps []InvalidParam
	bad := func(name, code, reason string) { ps = append(ps, InvalidParam{Name: name, Code: code, Reason: reason}) }
	var unknown []string
	for k := range raw {
		if !slices.Contains(faultFields, k) {
			unknown = append(unknown, k)
		}
	}
	slices.Sort(unknown)
	for _, k := range unknown {
		bad(k, CodeUnknownField, "is not a field of a fault rule; the fields are "+strings.Join(faultFields, ", ")+".")
	}
	f := &Fault{When: FaultBefore, Probability: 1}
	str := func(name string, dst *string) {
		if v, ok := raw[name]; ok && string(v) != "null" {
			if err := json.Unmarshal(v, dst); err != nil {
				bad(name, CodeWrongType, "must be a string.")
			}
		}
	}
	integer := func(name string, lo, hi int64, dst *int) {
		v, ok := raw[name]
		if !ok || string(v) == "null" {
			return
		}
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			bad(name, CodeNotInteger, "must be a whole number.")
			return
		}
		if n < lo || n > hi {
			bad(name, CodeOutOfRange, fmt.Sprintf("must be %d to %d; got %d.", lo, hi, n))
			return
		}
		*dst = int(n)
	}
	str("operation", &f.Operation)
	str("orderId", &f.OrderID)
	str("when", &f.When)
	integer("status", 0, 599, &f.Status)
	integer("retryAfter", 0, MaxFaultRetryAfter, &f.RetryAfter)
	integer("delayMs", 0, MaxFaultDelayMs, &f.DelayMs)
	integer("count", 0, math.MaxInt32, &f.Count)
	if v, ok := raw["drop"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &f.Drop); err != nil {
			bad("drop", CodeWrongType, "must be true or false.")
		}
	}
	if v, ok := raw["probability"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &f.Probability); err != nil {
			bad("probability", CodeWrongType, "must be a number from 0 to 1.")
		} else if f.Probability < 0 || f.Probability > 1 {
			bad("probability", CodeOutOfRange, "must be from 0 to 1, such as 0.25.")
		}
	}
	if v, ok := raw["seed"]; ok && string(v) != "null" {
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			bad("seed", CodeNotInteger, "must be a whole number (64-bit).")
		} else {
			f.Seed = &n
		}
	}
	switch {
	case f.Operation == "":
		if _, ok := raw["operation"]; !ok || string(raw["operation"]) == "null" {
			bad("operation", CodeRequired, "is required: one of "+strings.Join(Operations, ", ")+", or *.")
		}
	case f.Operation != "*" && !slices.Contains(Operations, f.Operation):
		bad("operation", CodeUnknownValue, "must be one of "+strings.Join(Operations, ", ")+", or *; got "+strconv.Quote(f.Operation)+".")
	}
	if len(f.OrderID) > MaxIDLength {
		bad("orderId", CodeTooLong, "must be at most 128 characters.")
	} else if strings.Trim(f.OrderID, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz._-*?") != "" {
		bad("orderId", CodePattern, "must be a glob of A-Z a-z 0-9 . _ - with * (any characters) and ? (one character).")
	}
	if f.When != FaultBefore && f.When != FaultAfter {
		bad("when", CodeUnknownValue, "must be before (the request is refused, nothing is stored) or after (it is stored, then the answer is replaced or lost).")
	}
	if f.Status != 0 && f.Status < 400 {
		bad("status", CodeOutOfRange, fmt.Sprintf("must be an error status, 400 to 599; got %d.", f.Status))
	}
	if f.Drop && f.Status != 0 {
		bad("drop", CodeInvalidRequest, "cannot be combined with status: a dropped connection has no answer.")
	}
	if f.Drop && f.RetryAfter != 0 {
		bad("drop", CodeInvalidRequest, "cannot be combined with retryAfter: a dropped connection has no answer.")
	}
	if f.Status == 0 && f.RetryAfter == 0 && f.DelayMs == 0 && !f.Drop && !hasProblem(ps, "status", "retryAfter", "delayMs", "drop") {
		bad("status", CodeRequired, "a rule needs at least one effect: status, retryAfter, delayMs or drop.")
	}
	if err := Invalid(ps); err != nil {
		return nil, err
	}
	return f, nil
}

func hasProblem(ps []InvalidParam, names ...string) bool {
	for _, p := range ps {
		if slices.Contains(names, p.Name) {
			return true
		}
	}
	return false
}

// Glob matches s against pattern, where * is any run of characters and ?
// is one character.
func Glob(pattern, s string) bool {
	// The classic two-pointer match with backtracking to the last star:
	// linear in practice, no recursion.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && (pattern[p] == '?' || pattern[p] == s[i]):
			p++
			i++
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// JournalEntry is one request in the journal. Credentials are never
// recorded: not the Authorization value, and the subscription key only as
// its last 4 characters.
type JournalEntry struct {
	// ID orders entries; it is the start time in Unix nanoseconds, made
	// unique, as a string.
	ID          string    `json:"id"`
	Time        time.Time `json:"time"`
	Method      string    `json:"method"`
	Path        string    `json:"path"`
	Operation   string    `json:"operation"`
	PaymentType string    `json:"paymentType,omitempty"`
	// OrderID is the order the request is about, or the image id for addImage.
	OrderID string `json:"orderId,omitempty"`
	// Status is 0 for a request whose connection was dropped unanswered.
	Status     int     `json:"status"`
	DurationMs float64 `json:"durationMs"`
	TraceID    string  `json:"traceId"`

	SystemName          string `json:"systemName"`
	SystemVersion       string `json:"systemVersion"`
	SystemPluginName    string `json:"systemPluginName"`
	SystemPluginVersion string `json:"systemPluginVersion"`
	IdempotencyKey      string `json:"idempotencyKey,omitempty"`
	// SubscriptionKey is the key's last 4 characters, after "…".
	SubscriptionKey string `json:"subscriptionKey,omitempty"`
	ClientID        string `json:"clientId,omitempty"`
	// BodyHash is a checksum of the request body (CRC-32C, hex), so a
	// repeated request can be told from a corrected one; empty without a
	// body.
	BodyHash string `json:"bodyHash,omitempty"`

	// FaultID names the fault rule that shaped the answer, FaultWhen when
	// it acted and Dropped whether it closed the connection unanswered.
	FaultID   string `json:"faultId,omitempty"`
	FaultWhen string `json:"faultWhen,omitempty"`
	Dropped   bool   `json:"dropped,omitempty"`
	// HandledStatus is, for a rule acting after, the status the request
	// was processed with before the answer was replaced or lost.
	HandledStatus int `json:"handledStatus,omitempty"`
	// RetryAfter is the answer's Retry-After in seconds, 0 when it had none.
	RetryAfter int `json:"retryAfter,omitempty"`
	// Code and Detail are a failure's problem code and detail (or gateway
	// message).
	Code   string `json:"code,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// Succeeded reports whether the request was processed with a 2xx, even if
// a fault rule then replaced or lost the answer.
func (e *JournalEntry) Succeeded() bool {
	ok := func(s int) bool { return s >= 200 && s < 300 }
	return ok(e.Status) || ok(e.HandledStatus)
}

// End is when the answer was sent (or the connection dropped).
func (e *JournalEntry) End() time.Time {
	return e.Time.Add(time.Duration(e.DurationMs * float64(time.Millisecond)))
}

// JournalList is the body of GET /_sandbox/requests.
type JournalList struct {
	Requests []JournalEntry `json:"requests"`
}

// SandboxReset is the body of DELETE /_sandbox/data: what was deleted.
type SandboxReset struct {
	Orders     int64 `json:"orders"`
	Categories int64 `json:"categories"`
	Receipts   int64 `json:"receipts"`
	Images     int64 `json:"images"`
	Requests   int64 `json:"requests"`
	Faults     int64 `json:"faults"`
}

// Results of a checklist item.
const (
	ResultPass   = "pass"
	ResultFail   = "fail"
	ResultNotYet = "not yet"
)

// Checklist is the body of GET /_sandbox/checklist: the Vipps MobilePay
// integration checklist judged from the merchant's journal.
type Checklist struct {
	MSN string `json:"msn"`
	// Result is fail if any item fails, else not yet if any item has
	// nothing to judge, else pass.
	Result string `json:"result"`
	// Requests counts the journal entries judged.
	Requests int             `json:"requests"`
	Items    []ChecklistItem `json:"items"`
}

// ChecklistItem is one point of the checklist.
type ChecklistItem struct {
	ID      string `json:"id"`
	Section string `json:"section"`
	Title   string `json:"title"`
	Result  string `json:"result"`
	// Detail says in a sentence why the result is what it is.
	Detail string `json:"detail"`
	// Evidence lists the trace ids of the requests that made an item fail.
	Evidence []string `json:"evidence,omitempty"`
	// Endpoint holds the counts of an "endpoints to integrate" item.
	Endpoint *EndpointStats `json:"endpoint,omitempty"`
}

// EndpointStats counts the calls of one endpoint.
type EndpointStats struct {
	Operations  []string   `json:"operations"`
	Calls       int        `json:"calls"`
	Successes   int        `json:"successes"`
	LastSuccess *time.Time `json:"lastSuccess,omitempty"`
}
