package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

func openTest(t testing.TB) *DB {
	t.Helper()
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "ordermgmt.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestMigrationsRecorded checks that every embedded migration is applied
// once and recorded, also when the file is opened again.
func TestMigrationsRecorded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ordermgmt.db")
	for i := range 2 {
		db, err := Open(t.Context(), path, Options{})
		if err != nil {
			t.Fatalf("Open(#%d) = %v", i, err)
		}
		rows, err := db.reader.QueryContext(t.Context(), "SELECT version, name FROM schema_migrations ORDER BY version")
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for rows.Next() {
			var v int
			var name string
			if err := rows.Scan(&v, &name); err != nil {
				t.Fatal(err)
			}
			got = append(got, name)
		}
		rows.Close()
		for _, m := range migrations {
			want = append(want, m.Name)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("schema_migrations after open #%d mismatch (-want +got):\n%s", i, diff)
		}
		db.Close()
	}
}

// TestConnectionSettings checks the settings durability and concurrency
// rest on.
func TestConnectionSettings(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	tests := []struct {
		name   string
		query  string
		writer string
		reader string
	}{
		{"journal mode", "PRAGMA journal_mode", "wal", "wal"},
		{"synchronous", "PRAGMA synchronous", "2", ""},
		{"foreign keys", "PRAGMA foreign_keys", "1", ""},
		{"busy timeout", "PRAGMA busy_timeout", "5000", "5000"},
		{"query only", "PRAGMA query_only", "0", "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			if err := db.writer.QueryRowContext(ctx, tc.query).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.writer {
				t.Errorf("writer %s = %s, want %s", tc.query, got, tc.writer)
			}
			if tc.reader == "" {
				return
			}
			if err := db.reader.QueryRowContext(ctx, tc.query).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != tc.reader {
				t.Errorf("reader %s = %s, want %s", tc.query, got, tc.reader)
			}
		})
	}
	if _, err := db.reader.ExecContext(ctx, "DELETE FROM receipts"); err == nil {
		t.Errorf("DELETE through the read pool = nil, want an error: readers are query-only")
	}
}

// TestReadsDoNotWaitForWriter holds a write transaction open and checks
// that reads still answer, without seeing the uncommitted row.
func TestReadsDoNotWaitForWriter(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	key := store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: "o-1"}

	conn, err := db.writer.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	args, _ := metaArgs(store.Meta{}, db.now)
	if _, err := conn.ExecContext(ctx, insertReceiptSQL, append([]any{key.MSN, string(key.PaymentType), key.OrderID, "r-1", []byte(`{}`)}, args...)...); err != nil {
		t.Fatal(err)
	}

	if _, err := db.GetOrder(ctx, key); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("GetOrder() during an uncommitted write = %v, want api.ErrNotFound", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetOrder(ctx, key); err != nil {
		t.Errorf("GetOrder() after commit = %v, want nil", err)
	}
}

// TestWriteCanceledWhileWaiting checks that a write whose context ends
// while it waits for the writer returns the context's error and stores
// nothing, even though the writer becomes free later.
func TestWriteCanceledWhileWaiting(t *testing.T) {
	db := openTest(t)
	key := store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: "o-1"}

	// A long write is running.
	started, release := make(chan struct{}), make(chan struct{})
	go db.write(t.Context(), func(context.Context, *sql.Tx) error {
		close(started)
		<-release
		return nil
	})
	<-started
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error)
	go func() { done <- db.AddReceipt(ctx, &store.Receipt{Key: key, ID: "r-1", Body: []byte(`{}`)}) }()
	cancel()
	err := <-done
	close(release)
	// Another write after the long one has been committed, so the
	// abandoned write had its chance to run.
	other := key
	other.OrderID = "o-2"
	if err := db.AddReceipt(t.Context(), &store.Receipt{Key: other, ID: "r-2", Body: []byte(`{}`)}); err != nil {
		t.Fatalf("AddReceipt(o-2) = %v", err)
	}

	if !errors.Is(err, context.Canceled) {
		t.Errorf("AddReceipt(canceled while waiting) = %v, want context.Canceled", err)
	}
	if _, err := db.GetOrder(t.Context(), key); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("GetOrder() = %v, want api.ErrNotFound", err)
	}
}
