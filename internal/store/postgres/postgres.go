// Package postgres is the Store on PostgreSQL, for several stateless server
// nodes that share one database behind a load balancer.
//
// Every write is one statement, committed before the method returns, with
// synchronous_commit on. The uniqueness rules (one receipt per order, images
// never overwritten) are the tables' primary keys, so they hold across
// nodes without any coordination in Go. The token signing keys live in the
// database too (see SigningKeys), so a token from one node is accepted by
// every other.
//
// A node outlives a database restart: the pool opens new connections once
// the database is back, and a call that meets a broken connection is tried
// again a few times before it fails with api.ErrUnavailable, which the
// server answers with a 503 problem and Retry-After. Each call is bounded by
// Options.Timeout, so an unreachable database fails requests instead of
// hanging them.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// Options tunes a DB. The zero value is ready to use.
type Options struct {
	// MaxConns caps the connection pool; zero keeps the URL's
	// pool_max_conns or, without one, pgxpool's default.
	MaxConns int32
	// ConnectTimeout bounds one connection attempt when the URL sets no
	// connect_timeout; zero means DefaultConnectTimeout. Without a bound a
	// database host that drops packets would hold requests until the
	// operating system gives up, minutes later.
	ConnectTimeout time.Duration
	// Timeout bounds each store call, retries included; a call that runs
	// out of it fails with api.ErrUnavailable. Zero means DefaultTimeout.
	Timeout time.Duration
	// Now is the clock used for a zero Meta.CreatedAt; nil means time.Now.
	Now func() time.Time
	// Outbox adds a delivery to the relay's outbox (store.Outbox) in the
	// statement of every write, for a relay to deliver upstream.
	Outbox bool
}

// Defaults for the zero Options.
const (
	DefaultConnectTimeout = 5 * time.Second
	DefaultTimeout        = 10 * time.Second
)

// retryDelays are the pauses before the second, third and fourth attempt of
// a call that met a broken connection. A restart or a killed backend breaks
// every pooled connection at once; the first retry usually gets a fresh one.
// The sum stays well under a second, so a database that is really down
// still fails requests promptly.
var retryDelays = []time.Duration{20 * time.Millisecond, 100 * time.Millisecond, 300 * time.Millisecond}

// DB is a Store on a PostgreSQL database. It is safe for concurrent use.
type DB struct {
	pool     *pgxpool.Pool
	now      func() time.Time
	timeout  time.Duration
	location string
	// outbox is Options.Outbox.
	outbox bool

	// lastReset is when resetPool last dropped the pooled connections, in
	// Unix nanoseconds.
	lastReset atomic.Int64

	closed    atomic.Bool
	closeOnce sync.Once
}

var _ store.Store = (*DB)(nil)

// Open connects to the database at rawURL (postgres://user:password@host:port/db?...)
// and brings its schema up to date. Several processes may open the same
// database at once: migrations run under an advisory lock, one process at a
// time. A database that cannot be reached is api.ErrUnavailable.
//
// The URL may set any pgx or libpq parameter, such as sslmode,
// connect_timeout, pool_max_conns, search_path (to keep the tables in a
// schema other than public) or default_query_exec_mode=exec (behind a
// connection pooler in transaction mode, which cannot keep prepared
// statements).
// init lets store.OpenURL, and so `serve --database`, open postgres:// URLs.
func init() {
	open := func(ctx context.Context, rawURL string, opts store.OpenOptions) (store.Store, error) {
		return Open(ctx, rawURL, Options{Outbox: opts.Outbox})
	}
	store.RegisterOpener("postgres", open)
	store.RegisterOpener("postgresql", open)
}

func Open(ctx context.Context, rawURL string, opts Options) (*DB, error) {
	if rawURL == "" {
		return nil, errors.New("open postgres store: URL is empty; give one such as postgres://user@host:5432/db")
	}
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		// The parse error hides the password.
		return nil, fmt.Errorf("open postgres store: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	cc := cfg.ConnConfig
	if cc.ConnectTimeout <= 0 {
		cc.ConnectTimeout = opts.ConnectTimeout
		if cc.ConnectTimeout <= 0 {
			cc.ConnectTimeout = DefaultConnectTimeout
		}
	}
	// Name the connections so an operator can tell them apart in
	// pg_stat_activity.
	if _, ok := cc.RuntimeParams["application_name"]; !ok {
		cc.RuntimeParams["application_name"] = "ordermgmt"
	}

	db := &DB{
		now:      opts.Now,
		timeout:  opts.Timeout,
		outbox:   opts.Outbox,
		location: location(cc.User, cc.Host, cc.Port, cc.Database, cc.RuntimeParams["search_path"]),
	}
	if db.now == nil {
		db.now = time.Now
	}
	if db.timeout <= 0 {
		db.timeout = DefaultTimeout
	}
	db.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres store %s: %w", db.location, err)
	}
	if err := db.start(ctx); err != nil {
		db.pool.Close()
		return nil, fmt.Errorf("open postgres store %s: %w", db.location, err)
	}
	return db, nil
}

// start checks the durability setting and migrates. Errors that may pass,
// such as a database still starting, are api.ErrUnavailable so that a
// supervisor can tell them from a configuration mistake.
func (db *DB) start(ctx context.Context) error {
	err := db.checkDurable(ctx)
	if err == nil {
		err = db.migrate(ctx)
	}
	if err != nil && unavailable(err) && ctx.Err() == nil {
		return fmt.Errorf("%w: %w", api.ErrUnavailable, err)
	}
	return err
}

// checkDurable refuses a session whose commits return before they reach
// disk: a 2xx promises a durable write, and synchronous_commit=off (set for
// the server, the database or the role) would break that promise silently.
func (db *DB) checkDurable(ctx context.Context) error {
	var sc string
	if err := db.pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&sc); err != nil {
		return err
	}
	if sc == "off" {
		return errors.New("synchronous_commit is off, so commits could be lost in a crash; " +
			"add synchronous_commit=on to the database URL or run ALTER ROLE ... SET synchronous_commit = on")
	}
	return nil
}

// location formats the database's address without the password or other
// parameters than the search path, for the start-up banner and error
// messages.
func location(user, host string, port uint16, database, searchPath string) string {
	u := url.URL{Scheme: "postgres", Host: net.JoinHostPort(host, strconv.Itoa(int(port))), Path: "/" + database}
	if user != "" {
		u.User = url.User(user)
	}
	if searchPath != "" {
		u.RawQuery = url.Values{"search_path": {searchPath}}.Encode()
	}
	return u.String()
}

// Location is the database's URL without the password or other parameters
// than the search path.
func (db *DB) Location() string { return db.location }

// Ping checks that the database answers and holds the schema.
func (db *DB) Ping(ctx context.Context) error {
	return db.run(ctx, "ping postgres store", func(ctx context.Context) error {
		var v *int
		return db.pool.QueryRow(ctx, "SELECT max(version) FROM schema_migrations").Scan(&v)
	})
}

// Close closes the pool after the calls that hold a connection finish.
// Later calls do nothing; every method of a closed DB returns an error
// wrapping api.ErrUnavailable.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		db.closed.Store(true)
		db.pool.Close()
	})
	return nil
}

var errClosed = fmt.Errorf("postgres store is closed: %w", api.ErrUnavailable)

// run calls f with a context bounded by the store's timeout, and again,
// after a pause, when it fails for a reason that may pass (see retryable),
// while attempts and time remain. Its error is translated by storeErr.
func (db *DB) run(ctx context.Context, op string, f func(ctx context.Context) error) error {
	if db.closed.Load() {
		return errClosed
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	octx, cancel := context.WithTimeout(ctx, db.timeout)
	defer cancel()
	for attempt := 0; ; attempt++ {
		err := f(octx)
		if err == nil {
			return nil
		}
		if connBroke(err) {
			db.resetPool()
		}
		if attempt >= len(retryDelays) || !retryable(err) || db.closed.Load() {
			return db.storeErr(ctx, op, err)
		}
		t := time.NewTimer(retryDelays[attempt])
		select {
		case <-t.C:
		case <-octx.Done():
			t.Stop()
			return db.storeErr(ctx, op, err)
		}
	}
}

// resetPool drops every pooled connection after one broke: the others most
// likely broke with it, and handing them out one by one would fail a
// request per dead connection. Calls within half a second of the last one
// do nothing, so a burst of failures does not also drop the fresh
// connections that replace the dead ones.
func (db *DB) resetPool() {
	now := time.Now().UnixNano()
	last := db.lastReset.Load()
	if now-last < int64(resetInterval) || !db.lastReset.CompareAndSwap(last, now) {
		return
	}
	db.pool.Reset()
}

// resetInterval is the least time between two resets of the pool.
const resetInterval = 500 * time.Millisecond

// storeErr translates an error into the store's kinds: the store's own
// verdicts (conflict, invalid, not found) pass as they are; the caller's
// done context stays a context error; a closed store, an unreachable
// database or one that did not answer in time is api.ErrUnavailable;
// anything else (a broken statement, a bug) is returned with op for the
// server's log, and becomes a 500.
func (db *DB) storeErr(ctx context.Context, op string, err error) error {
	var (
		k *api.Kind
		p *api.Problem
	)
	switch {
	case errors.As(err, &p), errors.As(err, &k):
		return err
	case ctx.Err() != nil:
		return fmt.Errorf("%s: %w", op, ctx.Err())
	case db.closed.Load():
		return errClosed
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		// The caller's context is live, so the store's own timeout ran out.
		return fmt.Errorf("%s: the database did not answer within %s: %w: %w", op, db.timeout, api.ErrUnavailable, err)
	case diskFull(err):
		return fmt.Errorf("%s: %w: %w", op, store.ErrStorageFull, err)
	case unavailable(err):
		return fmt.Errorf("%s: %w: %w", op, api.ErrUnavailable, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
