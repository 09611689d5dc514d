package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ordermgmt/ordermgmt/internal/auth"
)

// runHashSecret reads a client secret from standard input (so it stays out
// of shell history) and prints its bcrypt hash for a --config file: the
// secretHash of a sales unit or the passwordHash of a console user.
func runHashSecret(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("hash-secret", "hash-secret < SECRET",
		"Reads a client secret from standard input (one line, so it stays out of the shell history)\n"+
			"and prints its bcrypt hash, for a sales unit's secretHash or a console user's passwordHash\n"+
			"in a 'serve --config' file.", e,
		"printf %s \"$SECRET\" | ordermgmt hash-secret",
		"ordermgmt hash-secret < secret.txt")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos); err != nil {
		return err
	}
	if e.stdinTerminal {
		fmt.Fprintln(e.stderr, "Type the client secret and press Enter (Ctrl-C to cancel):")
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	secret := strings.TrimRight(line, "\r\n")
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("hash-secret: read standard input: %w", err)
	}
	if secret == "" {
		return &usageError{msg: "hash-secret: give the secret on standard input", cmd: "hash-secret"}
	}
	h, err := auth.HashSecret(secret)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, h)
	return nil
}
