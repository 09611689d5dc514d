package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/sandbox/sandboxtest"
	"github.com/ordermgmt/ordermgmt/internal/store"
	"github.com/ordermgmt/ordermgmt/internal/store/sqlite"
	"github.com/ordermgmt/ordermgmt/internal/store/storetest"
)

func TestStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ordermgmt.db")
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, path, sqlite.Options{})
	})
}

func TestSupportLog(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ordermgmt.db")
	storetest.RunSupportLog(t, func(t *testing.T) store.SupportLog {
		return open(t, path, sqlite.Options{})
	})
}

// open opens a store that t closes when it ends.
func open(t testing.TB, path string, opts sqlite.Options) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path, opts)
	if err != nil {
		t.Fatalf("Open(%s) = %v", path, err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close() = %v", err)
		}
	})
	return db
}

func TestOpenPaths(t *testing.T) {
	tests := []struct {
		name string
		rel  string
	}{
		{"missing parent directories", "a/b/c/ordermgmt.db"},
		{"characters special in URIs", "we?ird #dir%20/order mgmt.db"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), tc.rel)
			db := open(t, path, sqlite.Options{})
			key := store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: "o-1"}
			if err := db.AddReceipt(t.Context(), &store.Receipt{Key: key, ID: "r-1", Body: []byte(`{}`)}); err != nil {
				t.Fatalf("AddReceipt() = %v, want nil", err)
			}
			// The data must be in the file asked for, not in one named
			// after a mangled path.
			if _, err := os.Stat(path); err != nil {
				t.Errorf("Stat(%s) = %v, want the database file there", path, err)
			}
		})
	}
}

func TestOpenEmptyPath(t *testing.T) {
	db, err := sqlite.Open(t.Context(), "", sqlite.Options{})
	if err == nil || db != nil {
		t.Fatalf(`Open("") = %v, %v; want nil, an error`, db, err)
	}
	if !strings.Contains(err.Error(), "path") {
		t.Errorf(`Open("") error = %q, want it to name the path`, err)
	}
}

// TestOpenNewerSchema checks that a database written by a newer program,
// whose schema this one does not know, is refused rather than misread.
func TestOpenNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ordermgmt.db")
	db, err := sqlite.Open(t.Context(), path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw := rawDB(t, path)
	if _, err := raw.Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	db, err = sqlite.Open(t.Context(), path, sqlite.Options{})
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("Open(newer schema) = %v, %v; want an error saying the schema is newer", db, err)
	}
}

// rawDB opens the file without the store, as another process would.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return raw
}

// TestLockedByOtherProcess checks that a lock another process holds past
// the busy timeout is api.ErrUnavailable, and that the write is retried
// successfully once the lock is gone.
func TestLockedByOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ordermgmt.db")
	db := open(t, path, sqlite.Options{BusyTimeout: 20 * time.Millisecond})
	raw := rawDB(t, path)
	ctx := t.Context()
	conn, err := raw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}

	r := &store.Receipt{Key: store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: "o-1"}, ID: "r-1", Body: []byte(`{}`)}
	if err := db.AddReceipt(ctx, r); !errors.Is(err, api.ErrUnavailable) {
		t.Errorf("AddReceipt(file locked) = %v, want api.ErrUnavailable", err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	if err := db.AddReceipt(ctx, r); err != nil {
		t.Errorf("AddReceipt(lock released) = %v, want nil", err)
	}
}

// TestBadInput checks that values the schema cannot hold are refused with
// api.ErrInvalid naming the field, and nothing is stored.
func TestBadInput(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "ordermgmt.db"), sqlite.Options{})
	ctx := t.Context()
	key := store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: "o-1"}
	img := func(f func(*store.Image)) *store.Image {
		i := &store.Image{MSN: "123456", ID: "i-1", MediaType: "image/png", Data: []byte("png")}
		f(i)
		return i
	}
	cat := func(f func(*store.Category)) *store.Category {
		c := &store.Category{Key: key, ID: "c-1", Category: api.Category{Category: api.CategoryGeneral, OrderDetailsURL: "https://x.example/"}}
		f(c)
		return c
	}
	rec := func(f func(*store.Receipt)) *store.Receipt {
		r := &store.Receipt{Key: key, ID: "r-1", Body: []byte(`{"orderLines":[]}`)}
		f(r)
		return r
	}
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"nil image", func() error { return db.PutImage(ctx, nil) }, "image"},
		{"image MSN", func() error { return db.PutImage(ctx, img(func(i *store.Image) { i.MSN = "" })) }, "MSN"},
		{"image ID", func() error { return db.PutImage(ctx, img(func(i *store.Image) { i.ID = "" })) }, "ID"},
		{"image Data", func() error { return db.PutImage(ctx, img(func(i *store.Image) { i.Data = nil })) }, "Data"},
		{"image CreatedAt", func() error {
			return db.PutImage(ctx, img(func(i *store.Image) { i.Meta.CreatedAt = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC) }))
		}, "CreatedAt"},
		{"nil category", func() error { return db.PutCategory(ctx, nil) }, "category"},
		{"category MSN", func() error { return db.PutCategory(ctx, cat(func(c *store.Category) { c.Key.MSN = "" })) }, "MSN"},
		{"category payment type", func() error {
			return db.PutCategory(ctx, cat(func(c *store.Category) { c.Key.PaymentType = "ecom" }))
		}, "PaymentType"},
		{"category order id", func() error { return db.PutCategory(ctx, cat(func(c *store.Category) { c.Key.OrderID = "" })) }, "OrderID"},
		{"category ID", func() error { return db.PutCategory(ctx, cat(func(c *store.Category) { c.ID = "" })) }, "ID"},
		{"category type", func() error { return db.PutCategory(ctx, cat(func(c *store.Category) { c.Category.Category = "" })) }, "Category"},
		{"nil receipt", func() error { return db.AddReceipt(ctx, nil) }, "receipt"},
		{"receipt payment type", func() error {
			return db.AddReceipt(ctx, rec(func(r *store.Receipt) { r.Key.PaymentType = "VIPPS" }))
		}, "PaymentType"},
		{"receipt ID", func() error { return db.AddReceipt(ctx, rec(func(r *store.Receipt) { r.ID = "" })) }, "ID"},
		{"receipt Body", func() error { return db.AddReceipt(ctx, rec(func(r *store.Receipt) { r.Body = []byte("{oops") })) }, "Body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("err = %v, want api.ErrInvalid naming %s", err, tc.field)
			}
		})
	}
	if _, err := db.GetOrder(ctx, key); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("GetOrder() after refused writes = %v, want api.ErrNotFound", err)
	}
	if err := db.PutImage(ctx, img(func(*store.Image) {})); err != nil {
		t.Errorf("PutImage() after refused writes = %v, want nil: none stored the image", err)
	}
}

// TestNow checks that a zero CreatedAt takes the injected clock.
func TestNow(t *testing.T) {
	at := time.Date(2025, 6, 1, 12, 0, 0, 123456789, time.UTC)
	db := open(t, filepath.Join(t.TempDir(), "ordermgmt.db"), sqlite.Options{Now: func() time.Time { return at }})
	key := store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeRECURRING, OrderID: "o-1"}
	c := &store.Category{Key: key, ID: "c-1", Category: api.Category{Category: api.CategoryGeneral, OrderDetailsURL: "https://x.example/"}}
	if err := db.AddCategory(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetCategory(t.Context(), key.MSN, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got := got.Meta.CreatedAt; !got.Equal(at) {
		t.Errorf("CreatedAt = %v, want %v (nanoseconds kept)", got, at)
	}
}

func TestSandboxStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ordermgmt.db")
	sandboxtest.Run(t, func(t *testing.T) sandboxtest.Store {
		return open(t, path, sqlite.Options{})
	})
}
