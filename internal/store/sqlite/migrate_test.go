package sqlite

import (
	"bytes"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/sandbox"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// TestMigrateV2Categories: a database written before v3 categories keeps
// every category, under its id, as its order's one category, and the v3
// rules hold on it afterwards.
func TestMigrateV2Categories(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ordermgmt.db")
	raw, err := sql.Open("sqlite", dsn(path, map[string][]string{"_foreign_keys": {"1"}, "_journal_mode": {"WAL"}}))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, raw, migrations[:1], time.Now); err != nil {
		t.Fatalf("migrate(0001) = %v", err)
	}
	const meta = `1735689600000000000, 'trace', 'client', 'acme', '1.0', 'plug', '2.0'`
	for _, q := range []string{
		`INSERT INTO images VALUES ('123456', 'logo', 'image/png', 200, 200, 'ab', x'89504e47', ` + meta + `)`,
		// Written in this order: the ECOM category of o-1 is the newer.
		`INSERT INTO categories VALUES ('123456', 'RECURRING', 'o-1', 'c-rec', 'TICKET', 'https://x.example/t', NULL, 1000, 't1', 'client', '', '', '', '')`,
		`INSERT INTO categories VALUES ('123456', 'ECOM', 'o-1', 'c-ecom', 'RECEIPT', 'https://x.example/r', 'logo', 2000, 't2', 'client', '', '', '', '')`,
		`INSERT INTO categories VALUES ('654321', 'ECOM', 'o-1', 'c-other', 'GENERAL', 'https://y.example/', NULL, 500, 't3', 'client', '', '', '', '')`,
		`INSERT INTO receipts VALUES ('123456', 'ECOM', 'o-2', 'r-1', CAST('{"orderLines":[]}' AS BLOB), ` + meta + `)`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open(v2 database) = %v", err)
	}
	defer db.Close()
	key := store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: "o-1"}
	o, err := db.GetOrder(ctx, key)
	if err != nil || o.Category == nil || o.Category.Category != api.CategoryReceipt || o.Category.ImageID == nil || *o.Category.ImageID != "logo" {
		t.Errorf("GetOrder(o-1) after migration = %+v, %v; want the RECEIPT category with image logo", o, err)
	}
	cs, err := db.ListCategories(ctx, "123456", "o-1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	if diff := cmp.Diff([]string{"c-rec", "c-ecom"}, ids); diff != "" {
		t.Errorf("ListCategories(o-1) ids after migration (-want +got):\n%s", diff)
	}
	c, err := db.GetCategory(ctx, "123456", "c-ecom")
	if err != nil || c.Meta.TraceID != "t2" || !c.Meta.CreatedAt.Equal(time.Unix(0, 2000)) {
		t.Errorf("GetCategory(c-ecom) = %+v, %v; want its write record kept", c, err)
	}
	if o, err := db.GetOrder(ctx, store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: "o-2"}); err != nil || string(o.Receipt) != `{"orderLines":[]}` {
		t.Errorf("GetOrder(o-2) after migration = %+v, %v; want the receipt", o, err)
	}
	// New categories come after the migrated ones; the foreign key holds.
	add := &store.Category{Key: key, ID: "c-new", Category: api.Category{Category: api.CategoryDelivery, OrderDetailsURL: "https://x.example/d"}}
	if err := db.AddCategory(ctx, add); err != nil {
		t.Fatal(err)
	}
	if o, _ := db.GetOrder(ctx, key); o == nil || o.Category.Category != api.CategoryDelivery {
		t.Errorf("GetOrder(o-1) after AddCategory = %+v, want the new DELIVERY category", o)
	}
	missing := "missing"
	add2 := &store.Category{Key: key, ID: "c-bad", Category: api.Category{Category: api.CategoryDelivery, OrderDetailsURL: "https://x.example/d", ImageID: &missing}}
	if p := api.AsProblem(db.AddCategory(ctx, add2)); p.Status != 400 || len(p.InvalidParams) != 1 || p.InvalidParams[0].Code != api.CodeImageNotFound {
		t.Errorf("AddCategory(unknown image) after migration = %+v, want 400 image_not_found", p)
	}
}

// TestMigrateJournalPages: the journal's pages written before 0007 are
// read back in order after it, and the ring is trimmed as before.
func TestMigrateJournalPages(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ordermgmt.db")
	raw, err := sql.Open("sqlite", dsn(path, map[string][]string{"_foreign_keys": {"1"}, "_journal_mode": {"WAL"}}))
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(ctx, raw, migrations[:6], time.Now); err != nil {
		t.Fatalf("migrate(0001–0006) = %v", err)
	}
	for _, q := range []string{
		`INSERT INTO sandbox_journal VALUES ('123456', 100, 1, 150, 2, CAST('a' AS BLOB))`,
		`INSERT INTO sandbox_journal VALUES ('123456', 200, 7, 250, 3, CAST('b' AS BLOB))`,
		`INSERT INTO sandbox_journal VALUES ('654321', 150, 2, 160, 1, CAST('c' AS BLOB))`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()

	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open(0006 database) = %v", err)
	}
	defer db.Close()
	pageIDs := func(msn string) []int64 {
		t.Helper()
		ps, err := db.Journal(ctx, msn, 0, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		return ids
	}
	if diff := cmp.Diff([]int64{7, 1}, pageIDs("123456")); diff != "" {
		t.Errorf("journal pages of 123456 after migration, newest first (-want +got):\n%s", diff)
	}
	// A new page of 2 entries in a ring of 4: the oldest page goes, the
	// other merchant's stays.
	if err := db.AppendJournal(ctx, []sandbox.Page{{MSN: "123456", ID: 9, First: 300, Last: 310, Count: 2, Data: []byte("d")}}, 4); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{9, 7}, pageIDs("123456")); diff != "" {
		t.Errorf("journal pages of 123456 after a trim (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{2}, pageIDs("654321")); diff != "" {
		t.Errorf("journal pages of 654321 (-want +got):\n%s", diff)
	}
	// The pages moved to the journal's own file; the orders' file has none.
	var n int
	if err := db.reader.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name LIKE 'sandbox_journal%'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("orders' file has %d journal tables (%v), want 0", n, err)
	}
	if _, err := os.Stat(RequestsPath(path)); err != nil {
		t.Errorf("journal's file: %v", err)
	}
	// Opened again, the journal is not copied a second time.
	db.Close()
	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if diff := cmp.Diff([]int64{9, 7}, pageIDs("123456")); diff != "" {
		t.Errorf("journal pages of 123456 after opening again (-want +got):\n%s", diff)
	}
}

// TestJournalPageSize: a new journal file has journalPageSize pages, and
// one made with SQLite's 4 KiB pages is rebuilt with them on open, its
// pages intact and the file still in WAL mode.
func TestJournalPageSize(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "ordermgmt.db")
	pragmas := func(db *DB) (size int, mode string) {
		t.Helper()
		if err := db.requests.writer.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil {
			t.Fatal(err)
		}
		if err := db.requests.writer.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			t.Fatal(err)
		}
		return size, mode
	}
	db, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if size, mode := pragmas(db); size != journalPageSize || mode != "wal" {
		t.Errorf("new journal file: page_size %d, journal_mode %s; want %d, wal", size, mode, journalPageSize)
	}
	data := bytes.Repeat([]byte("entry\n"), 50_000) // overflow pages
	if err := db.AppendJournal(ctx, []sandbox.Page{{MSN: "123456", ID: 1, First: 10, Last: 20, Count: 2, Data: data}}, 100); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// The file as an earlier release made it: 4 KiB pages.
	raw, err := sql.Open("sqlite", dsn(RequestsPath(path), nil))
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	for _, q := range []string{"PRAGMA journal_mode = DELETE", "PRAGMA page_size = 4096", "VACUUM", "PRAGMA journal_mode = WAL"} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	var size int
	if err := raw.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil || size != 4096 {
		t.Fatalf("page_size of the rebuilt file = %d, %v; want 4096", size, err)
	}
	raw.Close()

	db, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatalf("Open(journal with 4 KiB pages) = %v", err)
	}
	defer db.Close()
	if size, mode := pragmas(db); size != journalPageSize || mode != "wal" {
		t.Errorf("journal file after open: page_size %d, journal_mode %s; want %d, wal", size, mode, journalPageSize)
	}
	ps, err := db.Journal(ctx, "123456", 0, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].ID != 1 || ps[0].Count != 2 || !bytes.Equal(ps[0].Data, data) {
		t.Errorf("journal after the rebuild: %d pages, want page 1 with its %d bytes", len(ps), len(data))
	}
}
