// Package sandbox calls the tools of an ordermgmt sandbox server under
// /_sandbox/: fault rules, the request journal, reset and the checklist
// report. It acts for the merchant of the client it is given, with that
// client's credentials and headers.
//
//	sb := sandbox.New(c) // c is a *client.Client for a sandbox server
//	id, err := sb.AddFault(ctx, api.FaultRule{Operation: "addReceipt", Status: 502, Count: 1})
//	... // run the integration
//	report, err := sb.Checklist(ctx)
//
// It uses the standard library, package api and package client only.
package sandbox

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
)

// The operations of this package, for errors and logs.
const (
	OpAddFault    client.Op = "add sandbox fault rule"
	OpListFaults  client.Op = "list sandbox fault rules"
	OpDeleteFault client.Op = "delete sandbox fault rule"
	OpClearFaults client.Op = "clear sandbox fault rules"
	OpRequests    client.Op = "read sandbox journal"
	OpReset       client.Op = "reset sandbox data"
	OpChecklist   client.Op = "sandbox checklist"
)

// Client calls the sandbox tools for one merchant.
type Client struct {
	c *client.Client
}

// New returns a sandbox client that uses c's base URL, credentials and
// merchant.
func New(c *client.Client) *Client { return &Client{c: c} }

func (s *Client) decode(op client.Op, res *client.Response, v any) error {
	if err := json.Unmarshal(res.Body, v); err != nil {
		return fmt.Errorf("ordermgmt: %s: unexpected answer (HTTP %d, trace %s): %w", op, res.Status, res.TraceID, err)
	}
	return nil
}

// AddFault adds a fault rule and returns its id. An invalid rule is an
// error whose InvalidParams name every problem.
func (s *Client) AddFault(ctx context.Context, rule api.FaultRule) (string, error) {
	body, err := json.Marshal(rule)
	if err != nil {
		return "", err
	}
	res, err := s.c.Request(ctx, OpAddFault, http.MethodPost, "/_sandbox/faults", body)
	if err != nil {
		return "", err
	}
	var c api.FaultCreated
	if err := s.decode(OpAddFault, res, &c); err != nil {
		return "", err
	}
	return c.FaultID, nil
}

// Faults lists the merchant's rules, in the order they match, with how
// often each fired.
func (s *Client) Faults(ctx context.Context) ([]api.Fault, error) {
	res, err := s.c.Request(ctx, OpListFaults, http.MethodGet, "/_sandbox/faults", nil)
	if err != nil {
		return nil, err
	}
	var fl api.FaultList
	if err := s.decode(OpListFaults, res, &fl); err != nil {
		return nil, err
	}
	return fl.Faults, nil
}

// DeleteFault removes one rule; an unknown id matches api.ErrNotFound.
func (s *Client) DeleteFault(ctx context.Context, id string) error {
	_, err := s.c.Request(ctx, OpDeleteFault, http.MethodDelete, "/_sandbox/faults/"+url.PathEscape(id), nil)
	return err
}

// ClearFaults removes all of the merchant's rules and says how many there
// were.
func (s *Client) ClearFaults(ctx context.Context) (int64, error) {
	res, err := s.c.Request(ctx, OpClearFaults, http.MethodDelete, "/_sandbox/faults", nil)
	if err != nil {
		return 0, err
	}
	var out struct {
		Deleted int64 `json:"deleted"`
	}
	if err := s.decode(OpClearFaults, res, &out); err != nil {
		return 0, err
	}
	return out.Deleted, nil
}

// Query selects journal entries; zero fields select everything.
type Query struct {
	OrderID   string
	Operation string
	// Status is a status such as "502", a class ("4xx"), or "0" for
	// connections dropped unanswered.
	Status string
	// Limit is the most entries returned; zero means the server's default, 100.
	Limit int
	// Before and After bound the entries' start times (exclusive).
	Before, After time.Time
}

func (q Query) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("orderId", q.OrderID)
	set("operation", q.Operation)
	set("status", q.Status)
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if !q.Before.IsZero() {
		v.Set("before", q.Before.UTC().Format(time.RFC3339Nano))
	}
	if !q.After.IsZero() {
		v.Set("after", q.After.UTC().Format(time.RFC3339Nano))
	}
	return v
}

// Requests reads the merchant's journal, newest first.
func (s *Client) Requests(ctx context.Context, q Query) ([]api.JournalEntry, error) {
	path := "/_sandbox/requests"
	if v := q.values(); len(v) > 0 {
		path += "?" + v.Encode()
	}
	res, err := s.c.Request(ctx, OpRequests, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	var jl api.JournalList
	if err := s.decode(OpRequests, res, &jl); err != nil {
		return nil, err
	}
	return jl.Requests, nil
}

// Reset deletes the merchant's orders, categories, receipts, images,
// journal and fault rules, and says what it deleted.
func (s *Client) Reset(ctx context.Context) (api.SandboxReset, error) {
	res, err := s.c.Request(ctx, OpReset, http.MethodDelete, "/_sandbox/data", nil)
	if err != nil {
		return api.SandboxReset{}, err
	}
	var out api.SandboxReset
	err = s.decode(OpReset, res, &out)
	return out, err
}

// Checklist judges the merchant's journal against the integration
// checklist.
func (s *Client) Checklist(ctx context.Context) (*api.Checklist, error) {
	res, err := s.c.Request(ctx, OpChecklist, http.MethodGet, "/_sandbox/checklist", nil)
	if err != nil {
		return nil, err
	}
	var cl api.Checklist
	if err := s.decode(OpChecklist, res, &cl); err != nil {
		return nil, err
	}
	return &cl, nil
}
