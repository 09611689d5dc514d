package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ordermgmt/ordermgmt/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations is the schema history, checked once at start-up: a badly named
// or missing file is a build mistake that every test catches.
var migrations = store.MustLoadMigrations(migrationFS, "migrations")

// Advisory lock keys, fixed numbers every node agrees on. They are
// database-wide: two schemas in one database migrate one after the other,
// which costs nothing.
const (
	migrateLock int64 = 0x6f72646d67740001 // "ordmgt" 1
	keysLock    int64 = 0x6f72646d67740002
)

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
func applyMigrations(ctx context.Context, conn *pgxpool.Conn, ms []store.Migration) error {
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
	if last := ms[len(ms)-1].Version; newest != nil && *newest > last {
		return fmt.Errorf("database schema version %d is newer than this program knows (%d); run a newer ordermgmt", *newest, last)
	}
	// Numbers are fixed per feature and may land in any order, so a
	// migration is skipped only when its own version is recorded, not
	// when a later one is.
	applied := map[int]bool{}
	rows, err := conn.Query(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("read schema versions: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("read schema versions: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read schema versions: %w", err)
	}
	for _, m := range ms {
		if applied[m.Version] {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			// The file may hold several statements: the simple protocol,
			// used for a query without arguments, runs them all.
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}
