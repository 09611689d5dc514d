package main

import (
	"context"
	"errors"
)

// runToken fetches an access token and prints it, alone on a line, so that
// TOKEN=$(ordermgmt token) works; --json prints the whole token answer.
// The client secret and subscription key are never printed.
func runToken(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("token", "token [flags]",
		"Fetches an access token with the sales unit's credentials and prints it, alone on a line.", e,
		"TOKEN=$(ordermgmt token)",
		"ordermgmt token --json",
		"ordermgmt token --env test --client-id ID --msn 123456")
	var af apiFlags
	af.register(fs, false)
	pos, err := parseArgs(fs, args)
	if errors.Is(err, errHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos); err != nil {
		return err
	}
	// The MSN is optional: without one the token may act for any merchant
	// (sandbox), as a partner's does.
	c, err := af.client(e, false)
	if err != nil {
		return err
	}
	tok, err := c.Token(ctx)
	if err != nil {
		return failure(c, err)
	}
	if af.json {
		return writeJSON(e.stdout, tok.Response)
	}
	_, err = e.stdout.Write([]byte(tok.AccessToken + "\n"))
	return err
}
