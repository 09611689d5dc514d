package postgres

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// SQLSTATE codes the store acts on
// (https://www.postgresql.org/docs/current/errcodes-appendix.html).
const (
	codeUniqueViolation     = "23505"
	codeForeignKeyViolation = "23503"
	codeFeatureUnsupported  = "0A000"
	codeReadOnlyTransaction = "25006"
	codeSerialization       = "40001"
	codeDeadlock            = "40P01"
	codeIOError             = "58030"
	codeDiskFull            = "53100"
)

// diskFull reports whether err is the server refusing a write for lack of
// space: SQLSTATE 53100, which "could not extend file" also carries.
func diskFull(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == codeDiskFull ||
		(strings.HasPrefix(pe.Message, "could not extend file") && strings.Contains(pe.Message, "space")))
}

// pgCode returns the SQLSTATE of a server error, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// isViolation reports whether err broke the named constraint with the
// given SQLSTATE. The constraint name, not the message, tells which rule
// was broken; names are fixed by the migrations.
func isViolation(err error, code, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code && pe.ConstraintName == constraint
}

// retryable reports whether err may pass if the call is made again: the
// connection broke or could not be made, the server is shutting down,
// starting or out of connections, or a cached statement went stale after
// a schema change. A statement the server refused for its content is not.
func retryable(err error) bool {
	if code := pgCode(err); code != "" {
		switch {
		case diskFull(err):
			// A full disk stays full for longer than a retry waits.
			return false
		case strings.HasPrefix(code, "08"), // connection exception
			strings.HasPrefix(code, "53"),  // insufficient resources: too many connections
			strings.HasPrefix(code, "57P"), // shutdown by an administrator or a crash, cannot connect now
			code == codeIOError,
			code == codeReadOnlyTransaction, // connected to a standby during a failover
			code == codeSerialization, code == codeDeadlock:
			return true
		case code == codeFeatureUnsupported:
			// pgx drops a statement from its cache when it fails, so the
			// next attempt prepares it afresh against the new schema.
			var pe *pgconn.PgError
			errors.As(err, &pe)
			return strings.Contains(pe.Message, "cached plan must not change result type")
		}
		return false
	}
	var (
		ce *pgconn.ConnectError
		ne net.Error
	)
	switch {
	case errors.As(err, &ce),
		errors.Is(err, pgconn.ErrConnClosed),
		pgconn.SafeToRetry(err),
		errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true
	}
	return false
}

// unavailable reports whether err means the store cannot serve requests
// now: a retryable error, or a connection that could not be made for any
// reason (an unknown database or a refused password after a credentials
// change also keep every request from being served).
func unavailable(err error) bool {
	var ce *pgconn.ConnectError
	return retryable(err) || errors.As(err, &ce)
}

// connBroke reports whether err is an established connection breaking:
// the network or the server went away (a restart, a failover, a killed
// backend), so every other pooled connection most likely went with it. A
// write that failed so may still have been committed: the statement may
// have reached the server before the answer was lost. A failed connection
// attempt, or a refusal of the statement itself, stored nothing.
func connBroke(err error) bool {
	var ce *pgconn.ConnectError
	if !retryable(err) || pgconn.SafeToRetry(err) || errors.As(err, &ce) {
		return false
	}
	code := pgCode(err)
	return code == "" || strings.HasPrefix(code, "08") || strings.HasPrefix(code, "57P")
}
