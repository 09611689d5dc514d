package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ordermgmt/ordermgmt/internal/store"
)

// The sandbox's request journal is kept in a database file of its own,
// beside the orders' (RequestsPath). On a busy node it is written several
// times a second, hundreds of kilobytes at a time; in the orders' file
// those writes took turns with the orders' on the one writer, grew the
// orders' write-ahead log, and each of their commits made every read
// connection drop its page cache. A file of its own has its own writer,
// log and cache. Its commits are synchronous=NORMAL: a power loss may take
// the journal's last moments (the sandbox contract allows it), never an
// order.

//go:embed requests_migrations/*.sql
var requestsMigrationFS embed.FS

var requestsMigrations = store.MustLoadMigrations(requestsMigrationFS, "requests_migrations")

// RequestsPath is the request journal's file for the orders' file path:
// data/ordermgmt.db keeps its journal in data/ordermgmt-requests.db.
func RequestsPath(path string) string {
	return strings.TrimSuffix(path, filepath.Ext(path)) + "-requests.db"
}

// requestsDB is the journal's file: one writer connection, whose only
// caller is the sandbox's journal writer, and a small read pool.
type requestsDB struct {
	path                                 string
	writer, reader                       *sql.DB
	insert, count, oldest, del, readPage *sql.Stmt
}

func (db *DB) openRequests(ctx context.Context, busy string) error {
	r := &requestsDB{path: RequestsPath(db.path)}
	db.requests = r
	var err error
	r.writer, err = openWriter(r.path, busy, "NORMAL", url.Values{"_pragma": {"page_size(" + strconv.Itoa(journalPageSize) + ")"}})
	if err != nil {
		return err
	}
	if err := resizeJournalPages(ctx, r.writer); err != nil {
		return fmt.Errorf("request journal %s: page size %d: %w", r.path, journalPageSize, err)
	}
	if err := migrate(ctx, r.writer, requestsMigrations, db.now); err != nil {
		return fmt.Errorf("request journal %s: %w", r.path, err)
	}
	if err := db.moveJournal(ctx); err != nil {
		return fmt.Errorf("request journal %s: copy from %s: %w", r.path, db.path, err)
	}
	if r.reader, err = openPool(r.path, url.Values{"_busy_timeout": {busy}, "_query_only": {"1"}}, 2); err != nil {
		return err
	}
	p := &preparer{ctx: ctx}
	r.insert = p.stmt(r.writer, insertJournalSQL)
	r.count = p.stmt(r.writer, countJournalSQL)
	r.oldest = p.stmt(r.writer, oldestPagesSQL)
	r.del = p.stmt(r.writer, deletePageSQL)
	r.readPage = p.stmt(r.reader, journalPagesSQL)
	return p.err
}

// journalPageSize is the page size of the journal's file. A journal page
// of a busy merchant is a blob of some 300 KB, which SQLite keeps in a
// chain of overflow pages: with 16 KiB pages rather than SQLite's 4 KiB
// the chain is a quarter as long, and appending, trimming and the WAL
// that carries them take a quarter of the page writes.
// BenchmarkAppendJournal/batch: 1,576–1,678 ns per entry with 4 KiB
// pages, 900–1,019 with 16 KiB.
const journalPageSize = 16384

// resizeJournalPages gives a journal file made with another page size
// journalPageSize. A new file has it already (the DSN sets it before
// anything is written). An older one is rebuilt by VACUUM, which SQLite
// only lets change the page size outside WAL mode; the file is back in
// WAL mode before it returns. A VACUUM that fails (a disk without room
// for the copy, say) leaves the file as it was, and the next start tries
// again: the page size only makes the journal cheaper, so it never keeps
// a node from starting.
func resizeJournalPages(ctx context.Context, w *sql.DB) error {
	var size int
	if err := w.QueryRowContext(ctx, "PRAGMA page_size").Scan(&size); err != nil || size == journalPageSize {
		return err
	}
	for _, q := range []string{"PRAGMA journal_mode = DELETE", "PRAGMA page_size = " + strconv.Itoa(journalPageSize), "VACUUM"} {
		if _, err := w.ExecContext(ctx, q); err != nil {
			break
		}
	}
	var mode string
	if err := w.QueryRowContext(ctx, "PRAGMA journal_mode = WAL").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %s, want wal", mode)
	}
	return nil
}

// moveJournal copies the journal an orders' file kept before it had a
// file of its own, once: when the orders' file still has the tables
// (migration 0010 drops them) and the journal's file holds nothing yet.
func (db *DB) moveJournal(ctx context.Context) error {
	var n int
	if err := db.writer.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'sandbox_journal'`).Scan(&n); err != nil || n == 0 {
		return err
	}
	w := db.requests.writer
	var held int
	if err := w.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM sandbox_journal LIMIT 1)`).Scan(&held); err != nil || held > 0 {
		return err
	}
	if _, err := w.ExecContext(ctx, `ATTACH DATABASE ? AS orders`, dsn(db.path, url.Values{"mode": {"ro"}})); err != nil {
		return err
	}
	defer w.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE orders`)
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	for _, q := range []string{
		`INSERT INTO main.sandbox_journal (msn, first_seq, id, last_seq, count, entries)
			SELECT msn, first_seq, id, last_seq, count, entries FROM orders.sandbox_journal ORDER BY msn, first_seq, id`,
		`INSERT INTO main.sandbox_journal_counts (msn, entries) SELECT msn, sum(count) FROM main.sandbox_journal GROUP BY msn`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// writeRequests runs fn in one transaction of the journal's file.
func (db *DB) writeRequests(ctx context.Context, op string, fn func(tx *sql.Tx) error) error {
	if db.closed.Load() {
		return errClosed
	}
	tx, err := db.requests.writer.BeginTx(ctx, nil)
	if err != nil {
		return db.storeErr(op, err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return db.storeErr(op, err)
	}
	if err := tx.Commit(); err != nil {
		return db.storeErr(op, err)
	}
	return nil
}

// close closes the journal's statements and pools.
func (r *requestsDB) close() error {
	if r == nil {
		return nil
	}
	var errs []error
	for _, s := range []*sql.Stmt{r.insert, r.count, r.oldest, r.del, r.readPage} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	for _, p := range []*sql.DB{r.reader, r.writer} {
		if p != nil {
			errs = append(errs, p.Close())
		}
	}
	return errors.Join(errs...)
}
