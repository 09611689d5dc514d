package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
)

// TestErrorClasses: which driver errors are tried again, which mean a
// broken connection (a write may have committed), and which make the store
// unavailable rather than broken.
func TestErrorClasses(t *testing.T) {
	pg := func(code, msg string) error { return fmt.Errorf("exec: %w", &pgconn.PgError{Code: code, Message: msg}) }
	tests := []struct {
		name                          string
		err                           error
		retryable, connBroke, unavail bool
	}{
		{"unique violation", pg(codeUniqueViolation, "duplicate key"), false, false, false},
		{"foreign key violation", pg(codeForeignKeyViolation, "violates foreign key"), false, false, false},
		{"syntax error", pg("42601", "syntax error"), false, false, false},
		{"admin shutdown", pg("57P01", "terminating connection due to administrator command"), true, true, true},
		{"starting up", pg("57P03", "the database system is starting up"), true, true, true},
		{"connection failure", pg("08006", "connection failure"), true, true, true},
		{"too many connections", pg("53300", "too many connections"), true, false, true},
		{"read-only standby", pg(codeReadOnlyTransaction, "cannot execute INSERT in a read-only transaction"), true, false, true},
		{"serialization", pg(codeSerialization, "could not serialize"), true, false, true},
		{"stale cached plan", pg(codeFeatureUnsupported, "cached plan must not change result type"), true, false, true},
		{"other unsupported feature", pg(codeFeatureUnsupported, "something else"), false, false, false},
		{"EOF mid-query", fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF), true, true, true},
		{"connection reset", fmt.Errorf("write: %w", syscall.ECONNRESET), true, true, true},
		{"connection closed", fmt.Errorf("query: %w", pgconn.ErrConnClosed), true, true, true},
		{"scan mistake", errors.New("can't scan into dest[0]"), false, false, false},
		{"context canceled", context.Canceled, false, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := retryable(tc.err); got != tc.retryable {
				t.Errorf("retryable(%v) = %v, want %v", tc.err, got, tc.retryable)
			}
			if got := connBroke(tc.err); got != tc.connBroke {
				t.Errorf("connBroke(%v) = %v, want %v", tc.err, got, tc.connBroke)
			}
			if got := unavailable(tc.err); got != tc.unavail {
				t.Errorf("unavailable(%v) = %v, want %v", tc.err, got, tc.unavail)
			}
		})
	}
}
