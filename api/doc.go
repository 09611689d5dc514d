// Package api is the wire contract of the Order Management API: request and
// response types, problem details and their error kinds, and the one set of
// validation rules and sums that the server, the SDK, the CLI and the console
// all share. It depends on the standard library only.
package api
