// Package sqlite is the Store on an embedded SQLite database, the default
// store of a single ordermgmt server.
//
// The database runs in WAL mode with synchronous=FULL, so a write that has
// returned nil survives a crash or power loss. Writes go through one
// connection: writes that arrive together share one transaction and one
// fsync (group commit, see commit.go); reads use a separate pool of
// read-only connections and never wait for a write.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// Options tunes a DB. The zero value is ready to use.
type Options struct {
	// ReadConns is the number of read-only connections; zero means
	// DefaultReadConns.
	ReadConns int
	// BusyTimeout is how long a statement waits for a lock held by another
	// process sharing the file (a second server or a CLI) before failing
	// with api.ErrUnavailable; zero means DefaultBusyTimeout.
	BusyTimeout time.Duration
	// Now is the clock used for a zero Meta.CreatedAt; nil means time.Now.
	Now func() time.Time
	// CommitPerRequest commits every write in a transaction of its own,
	// with its own fsync, instead of sharing one commit among the writes
	// waiting together (group commit). It exists to measure the difference.
	CommitPerRequest bool
	// Outbox adds a delivery to the relay's outbox (store.Outbox) in the
	// transaction of every write, for a relay to deliver upstream.
	Outbox bool
}

// Defaults for the zero Options.
const (
	DefaultReadConns   = 4
	DefaultBusyTimeout = 5 * time.Second
)

// DB is a Store on one SQLite file. It is safe for concurrent use.
type DB struct {
	path string
	now  func() time.Time
	// outbox is Options.Outbox.
	outbox bool

	// writer has exactly one connection: SQLite allows one writer at a
	// time, and queueing in Go rather than in SQLite's busy handler keeps
	// SQLITE_BUSY from reaching callers.
	writer *sql.DB
	// queue feeds the one writer goroutine (see commit.go); qmu keeps
	// Close from closing it while a write is being queued.
	queue       chan *writeOp
	qmu         sync.RWMutex
	queueClosed bool
	writerDone  chan struct{}
	// commits counts committed transactions, for tests of batching.
	commits atomic.Int64
	metrics *metrics
	reader  *sql.DB

	insertImage           *sql.Stmt
	getImage              *sql.Stmt
	insertCategoryStmt    *sql.Stmt
	deleteOrderCategories *sql.Stmt
	// replaceOnlyCategoryStmt: see replaceOnlyCategory.
	replaceOnlyCategoryStmt *sql.Stmt
	deleteCategory          *sql.Stmt
	insertReceipt           *sql.Stmt
	getOrder                *sql.Stmt
	listCategories          *sql.Stmt
	getCategory             *sql.Stmt
	// requests is the sandbox's request journal (requests.go).
	requests *requestsDB

	closed    atomic.Bool
	closeOnce sync.Once
	closeErr  error
}

var _ store.Store = (*DB)(nil)

// Open opens, creating if need be, the database file at path and brings its
// schema up to date. The parent directory is created if it is missing.
func Open(ctx context.Context, path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("open sqlite store: path is empty; name a database file such as data/ordermgmt.db")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite store %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("open sqlite store: create directory: %w", err)
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = DefaultReadConns
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	db := &DB{path: abs, now: opts.Now, outbox: opts.Outbox, metrics: newMetrics()}
	if db.now == nil {
		db.now = time.Now
	}
	if err := db.open(ctx, opts); err != nil {
		db.closeAll()
		return nil, fmt.Errorf("open sqlite store %s: %w", abs, err)
	}
	batchMax := maxBatch
	if opts.CommitPerRequest {
		batchMax = 1
	}
	db.queue = make(chan *writeOp, 4*maxBatch)
	db.writerDone = make(chan struct{})
	go db.writeLoop(batchMax)
	return db, nil
}

func (db *DB) open(ctx context.Context, opts Options) error {
	busy := strconv.FormatInt(opts.BusyTimeout.Milliseconds(), 10)

	var err error
	db.writer, err = openWriter(db.path, busy, "FULL", url.Values{"_foreign_keys": {"1"}})
	if err != nil {
		return err
	}
	if err := db.checkWriter(ctx); err != nil {
		return err
	}
	// The journal's file first: it copies the journal of an orders' file
	// from before it, which the orders' migrations then drop.
	if err := db.openRequests(ctx, busy); err != nil {
		return err
	}
	if err := migrate(ctx, db.writer, migrations, db.now); err != nil {
		return err
	}

	db.reader, err = openPool(db.path, url.Values{
		"_busy_timeout": {busy},
		"_query_only":   {"1"},
	}, opts.ReadConns)
	if err != nil {
		return err
	}

	return db.prepare(ctx)
}

// checkWriter makes sure the durability settings took: SQLite silently
// keeps another journal mode where WAL is impossible (some network file
// systems), and a store must not then claim durable commits it lacks.
func (db *DB) checkWriter(ctx context.Context) error {
	var mode string
	if err := db.writer.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return err
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, want wal; put the database on a local file system", mode)
	}
	var sync int
	if err := db.writer.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return err
	}
	if sync != 2 { // FULL
		return fmt.Errorf("synchronous is %d, want 2 (FULL)", sync)
	}
	return nil
}

// dsn builds a file: URI so that any character in the path, even ? or #,
// reaches SQLite intact.
func dsn(path string, params url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: params.Encode()}
	return u.String()
}

func (db *DB) prepare(ctx context.Context) error {
	p := &preparer{ctx: ctx}
	db.insertImage = p.stmt(db.writer, insertImageSQL)
	db.getImage = p.stmt(db.reader, getImageSQL)
	db.insertCategoryStmt = p.stmt(db.writer, insertCategorySQL)
	db.deleteOrderCategories = p.stmt(db.writer, deleteOrderCategoriesSQL)
	db.replaceOnlyCategoryStmt = p.stmt(db.writer, replaceOnlyCategorySQL)
	db.deleteCategory = p.stmt(db.writer, deleteCategorySQL)
	db.insertReceipt = p.stmt(db.writer, insertReceiptSQL)
	db.getOrder = p.stmt(db.reader, getOrderSQL)
	db.listCategories = p.stmt(db.reader, listCategoriesSQL)
	db.getCategory = p.stmt(db.reader, getCategorySQL)
	return p.err
}

// preparer prepares statements until one fails, and keeps that error.
type preparer struct {
	ctx context.Context
	err error
}

func (p *preparer) stmt(on *sql.DB, query string) *sql.Stmt {
	if p.err != nil {
		return nil
	}
	s, err := on.PrepareContext(p.ctx, query)
	p.err = err
	return s
}

// openWriter opens the one connection that writes the file at path. It
// sets WAL (a property of the file) before any reader opens, and begins
// transactions IMMEDIATE so that a transaction never has to upgrade its
// lock, which SQLite may refuse without waiting. params adds settings.
func openWriter(path, busy, synchronous string, params url.Values) (*sql.DB, error) {
	all := url.Values{
		"_busy_timeout": {busy},
		"_journal_mode": {"WAL"},
		"_synchronous":  {synchronous},
		"_txlock":       {"immediate"},
	}
	maps.Copy(all, params)
	return openPool(path, all, 1)
}

// openPool opens a pool of n connections to the file at path that are
// kept open for as long as the pool.
func openPool(path string, params url.Values, n int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn(path, params))
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	return db, nil
}

// Ping checks that both the read pool and the writer answer.
func (db *DB) Ping(ctx context.Context) error {
	if db.closed.Load() {
		return errClosed
	}
	// Reading a table, not just opening a connection, shows the file is
	// still there and readable.
	var v sql.Null[int64]
	err := db.reader.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v)
	if err == nil {
		err = db.writer.PingContext(ctx)
	}
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case db.closed.Load():
		return errClosed
	}
	return fmt.Errorf("ping sqlite store: %w: %w", api.ErrUnavailable, err)
}

// Close waits for a running write, then closes both pools. Later calls
// return the first call's result.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closed.Store(true)
		db.stopWriter()
		db.closeErr = db.closeAll()
	})
	return db.closeErr
}

func (db *DB) closeAll() error {
	var errs []error
	for _, s := range []*sql.Stmt{db.insertImage, db.getImage, db.insertCategoryStmt, db.deleteOrderCategories, db.replaceOnlyCategoryStmt, db.deleteCategory, db.insertReceipt, db.getOrder, db.listCategories, db.getCategory} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	errs = append(errs, db.requests.close())
	if db.reader != nil {
		errs = append(errs, db.reader.Close())
	}
	if db.writer != nil {
		errs = append(errs, db.writer.Close())
	}
	return errors.Join(errs...)
}

var errClosed = fmt.Errorf("sqlite store is closed: %w", api.ErrUnavailable)

// readCtx is the context a point lookup runs with: ctx without its
// cancellation. A lookup by primary key takes microseconds, while watching
// a cancelable context costs database/sql and the driver more than the
// query itself (measured: twice the time per GET). Callers check ctx
// before the lookup; a lock held by another process is still bounded by
// the busy timeout.
func readCtx(ctx context.Context) context.Context { return context.WithoutCancel(ctx) }

// sqliteCode returns the extended result code of a driver error, or 0.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

// isUnique reports whether err broke a primary key or unique index.
func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || c == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// isForeignKey reports whether err broke a foreign key.
func isForeignKey(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
}

// storeErr translates an error no caller can fix into the store's kinds:
// context errors stay as they are; a closed store, a lock held too long by
// another process or a failing file is api.ErrUnavailable, a full disk
// store.ErrStorageFull,
// which may pass; anything else (a corrupt file, a bug) is returned with op
// for the server's log.
func (db *DB) storeErr(op string, err error) error {
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case db.closed.Load():
		return errClosed
	}
	switch sqliteCode(err) & 0xff {
	case sqlite3.SQLITE_FULL:
		return fmt.Errorf("%s: %w: %w", op, store.ErrStorageFull, err)
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("%s: database is locked by another process: %w: %w", op, api.ErrUnavailable, err)
	case sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY:
		return fmt.Errorf("%s: %w: %w", op, api.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
