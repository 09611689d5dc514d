package postgres

import (
	"context"
	"time"

	"github.com/ordermgmt/ordermgmt/internal/store"
)

// Deployment returns the deployment the database records, first recording
// proposed when it records none. Nodes starting together all get the row
// of whichever wrote first.
func (db *DB) Deployment(ctx context.Context, proposed store.Deployment) (store.Deployment, error) {
	var d store.Deployment
	err := db.run(ctx, "deployment", func(ctx context.Context) error {
		now := db.now().UTC()
		if _, err := db.pool.Exec(ctx, `INSERT INTO deployment (singleton, id, mode, created_at, checked_at)
			VALUES (1, $1, $2, $3, $3) ON CONFLICT (singleton) DO NOTHING`, proposed.ID, proposed.Mode, now); err != nil {
			return err
		}
		var created time.Time
		if err := db.pool.QueryRow(ctx, "SELECT id, mode, created_at FROM deployment WHERE singleton = 1").Scan(&d.ID, &d.Mode, &created); err != nil {
			return err
		}
		d.CreatedAt = created.UTC()
		return nil
	})
	return d, err
}

// CheckWrite makes a write of store.ProbeBytes (stored uncompressed) and
// takes it back, to tell whether writes pass: after store.ErrStorageFull,
// readiness calls it until it succeeds.
func (db *DB) CheckWrite(ctx context.Context) error {
	return db.run(ctx, "check write", func(ctx context.Context) error {
		if _, err := db.pool.Exec(ctx, "UPDATE deployment SET checked_at = $1, probe = $2 WHERE singleton = 1",
			db.now().UTC(), make([]byte, store.ProbeBytes)); err != nil {
			return err
		}
		_, err := db.pool.Exec(ctx, "UPDATE deployment SET probe = ''::bytea WHERE singleton = 1")
		return err
	})
}
