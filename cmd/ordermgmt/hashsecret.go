package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/ordermgmt/ordermgmt/internal/auth"
)

// runHashSecret reads a client secret from standard input (so it stays out
// of shell history) and prints its bcrypt hash for a --config file: the
// secretHash of a sales unit or the passwordHash of a console user.
func runHashSecret(ctx context.Context, args []string, e *env) error {
	fs := flag.NewFlagSet("hash-secret", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() { fmt.Fprintln(e.stderr, "Usage: echo -n SECRET | ordermgmt hash-secret") }
	if err := fs.Parse(args); err != nil {
		return usagef("%v", err)
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	secret := strings.TrimRight(line, "\r\n")
	if secret == "" {
		if err != nil && err.Error() != "EOF" {
			return err
		}
		return usagef("hash-secret: give the secret on standard input")
	}
	h, err := auth.HashSecret(secret)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, h)
	return nil
}
