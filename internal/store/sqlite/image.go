package sqlite

import (
	"context"
	"database/sql"

	"github.com/ordermgmt/ordermgmt/internal/store"
)

const insertImageSQL = `INSERT INTO images (msn, id, media_type, width, height, sha512, data, ` + metaColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// PutImage stores a new image. An image with the same MSN and ID, even with
// the same bytes, is store.ImageExists and leaves the stored one unchanged.
func (db *DB) PutImage(ctx context.Context, img *store.Image) error {
	if err := store.CheckImage(img); err != nil {
		return err
	}
	meta, err := metaArgs(img.Meta, db.now)
	if err != nil {
		return err
	}
	args := append([]any{img.MSN, img.ID, img.MediaType, img.Width, img.Height, img.SHA512, img.Data}, meta...)
	return db.writeOne(ctx, func(ctx context.Context, tx *sql.Tx) error {
		// A plain INSERT: the primary key, not a read before the write,
		// refuses a second image, so racing uploads cannot both win.
		_, err := tx.StmtContext(ctx, db.insertImage).ExecContext(ctx, args...)
		switch {
		case isUnique(err):
			return store.ImageExists(img.MSN, img.ID)
		case err != nil:
			return db.storeErr("put image", err)
		}
		return nil
	})
}
