package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/ordermgmt/ordermgmt/internal/store"
)

// Deployment returns the deployment the database records, first recording
// proposed when it records none. It runs on the writer connection, so it
// takes its turn with the writes.
func (db *DB) Deployment(ctx context.Context, proposed store.Deployment) (store.Deployment, error) {
	now := db.now().UnixNano()
	if _, err := db.writer.ExecContext(ctx, `INSERT INTO deployment (singleton, id, mode, created_at, checked_at)
		VALUES (1, ?, ?, ?, ?) ON CONFLICT (singleton) DO NOTHING`, proposed.ID, proposed.Mode, now, now); err != nil {
		return store.Deployment{}, db.storeErr("record deployment", err)
	}
	var (
		d       store.Deployment
		created int64
	)
	if err := db.writer.QueryRowContext(ctx, "SELECT id, mode, created_at FROM deployment WHERE singleton = 1").Scan(&d.ID, &d.Mode, &created); err != nil {
		return store.Deployment{}, db.storeErr("read deployment", err)
	}
	d.CreatedAt = time.Unix(0, created).UTC()
	return d, nil
}

// CheckWrite tells whether writes pass: after store.ErrStorageFull,
// readiness calls it until it succeeds. It asks the file system for room
// for store.ProbeBytes and then makes one small durable write. A probe of
// that size written into the database would grow the file when SQLite
// checkpoints, and take the very space it looks for.
func (db *DB) CheckWrite(ctx context.Context) error {
	if free, ok := freeBytes(filepath.Dir(db.path)); ok && free < store.ProbeBytes {
		return fmt.Errorf("check write: %d bytes free next to %s: %w", free, db.path, store.ErrStorageFull)
	}
	if _, err := db.writer.ExecContext(ctx, "UPDATE deployment SET checked_at = ? WHERE singleton = 1", db.now().UnixNano()); err != nil {
		return db.storeErr("check write", err)
	}
	return nil
}
