package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations is the schema history, checked once at start-up: a badly named
// or missing file is a build mistake that every test catches.
var migrations = mustLoadMigrations(migrationFS, "migrations")

// migration is one numbered SQL file.
type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^([0-9]{4})_[a-z0-9_]+\.sql$`)

// Advisory lock keys, fixed numbers every node agrees on. They are
// database-wide: two schemas in one database migrate one after the other,
// which costs nothing.
const (
	migrateLock int64 = 0x6f72646d67740001 // "ordmgt" 1
	keysLock    int64 = 0x6f72646d67740002
)

// loadMigrations reads dir of fsys: files named NNNN_words.sql, numbered
// from 1 without gaps, in order.
func loadMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries { // ReadDir sorts by name
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration %s: name must look like 0001_words.sql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		if want := len(ms) + 1; v != want {
			return nil, fmt.Errorf("migration %s: version %d, want %d (versions count up from 1 without gaps)", e.Name(), v, want)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	if len(ms) == 0 {
		return nil, fmt.Errorf("no migrations in %s", dir)
	}
	return ms, nil
}

func mustLoadMigrations(fsys fs.FS, dir string) []migration {
	ms, err := loadMigrations(fsys, dir)
	if err != nil {
		panic(err)
	}
	return ms
}

// migrate applies the migrations the database lacks. It holds a session
// advisory lock on one connection throughout, so nodes starting together
// take turns: the first applies the migrations, the others find them
// recorded. The lock ends with the session, so a node that dies while
// migrating does not block the others.
func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrateLock); err != nil {
		return fmt.Errorf("wait for the migration lock: %w", err)
	}
	defer func() {
		// Unlock even when ctx is done; if that fails too, the connection
		// is broken and its session, lock and all, ends with it.
		if _, err := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrateLock); err != nil {
			conn.Conn().Close(context.Background())
		}
	}()
	return applyMigrations(ctx, conn, migrations)
}

// applyMigrations applies each of ms that is not recorded in
// schema_migrations, in a transaction together with its record, so a failed
// migration leaves no trace. The caller holds the migration lock.
func applyMigrations(ctx context.Context, conn *pgxpool.Conn, ms []migration) error {
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer     PRIMARY KEY,
		name       text        NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now()
	)`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	// A database migrated by a newer program may hold data this one would
	// misread; refuse it rather than guess.
	var newest *int
	if err := conn.QueryRow(ctx, "SELECT max(version) FROM schema_migrations").Scan(&newest); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if last := ms[len(ms)-1].version; newest != nil && *newest > last {
		return fmt.Errorf("database schema version %d is newer than this program knows (%d); run a newer ordermgmt", *newest, last)
	}
	for _, m := range ms {
		if newest != nil && m.version <= *newest {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// The file may hold several statements: the simple protocol,
			// used for a query without arguments, runs them all.
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.name, err)
		}
	}
	return nil
}
