package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/ordermgmt/ordermgmt/internal/store"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrations is the schema history, checked once at start-up: a badly named
// or missing file is a build mistake that every test catches.
var migrations = store.MustLoadMigrations(migrationFS, "migrations")

// migrate applies the migrations the database lacks, each in its own
// transaction together with its row in schema_migrations, so a failed
// migration leaves no trace and a second process opening the same file
// cannot apply one twice.
func migrate(ctx context.Context, db *sql.DB, ms []store.Migration, now func() time.Time) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT    NOT NULL,
		applied_at INTEGER NOT NULL
	) STRICT`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	// A file written by a newer program may hold data this one would
	// misread; refuse it rather than guess.
	var newest sql.Null[int64]
	if err := db.QueryRowContext(ctx, "SELECT max(version) FROM schema_migrations").Scan(&newest); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if last := ms[len(ms)-1].Version; newest.Valid && newest.V > int64(last) {
		return fmt.Errorf("database schema version %d is newer than this program knows (%d); run a newer ordermgmt", newest.V, last)
	}
	for _, m := range ms {
		if err := applyMigration(ctx, db, m, now().UnixNano()); err != nil {
			return fmt.Errorf("migration %s: %w", m.Name, err)
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, m store.Migration, appliedAt int64) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()

	var n int
	if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n); err != nil {
		return err
	}
	if n != 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
		m.Version, m.Name, appliedAt); err != nil {
		return err
	}
	return tx.Commit()
}
