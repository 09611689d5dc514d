package client

import (
	"context"
	"net/http"
)

// Response is a 2xx answer of Request.
type Response struct {
	Status  int
	Header  http.Header
	Body    []byte
	TraceID string
}

// Request sends an authenticated request with the client's headers,
// token and retry policy to path (escaped, relative to the base URL), for
// packages such as client/sandbox that speak a server's endpoints beyond
// the Order Management API. body is JSON or nil. A non-2xx answer is an
// *Error, as for every call of the client.
func (cl *Client) Request(ctx context.Context, op Op, method, path string, body []byte) (*Response, error) {
	if err := cl.needMSN(op); err != nil {
		return nil, err
	}
	res, err := cl.do(ctx, call{op: op, method: method, path: path, body: body, auth: true})
	if err != nil {
		return nil, err
	}
	return &Response{Status: res.status, Header: res.header, Body: res.body, TraceID: res.traceID}, nil
}
