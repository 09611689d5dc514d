package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

const (
	insertImageSQL = `INSERT INTO images (msn, id, media_type, width, height, sha512, data, ` + metaColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	getImageSQL = `SELECT media_type, width, height, sha512, ` + metaColumns + `, data
		FROM images WHERE msn = ? AND id = ?`
)

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
	var d *store.Delivery
	if db.outbox {
		d = &store.Delivery{Operation: "addImage", MSN: img.MSN, LocalID: img.ID, TraceID: img.Meta.TraceID}
	}
	return db.writeDelivered(ctx, d, meta[0].(int64), "put image", func(ctx context.Context, tx *sql.Tx) error {
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

// GetImage returns an image with its bytes, or api.ErrNotFound.
func (db *DB) GetImage(ctx context.Context, msn, id string) (*store.Image, error) {
	if err := db.readable(ctx); err != nil {
		return nil, err
	}
	img := &store.Image{MSN: msn, ID: id}
	var m metaDest
	dest := append([]any{&img.MediaType, &img.Width, &img.Height, &img.SHA512}, m.dest()...)
	dest = append(dest, &img.Data)
	err := db.getImage.QueryRowContext(readCtx(ctx), msn, id).Scan(dest...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("image %q of merchant %s: %w", id, msn, api.ErrNotFound)
	case err != nil:
		return nil, db.storeErr("get image", err)
	}
	img.Meta = m.meta()
	return img, nil
}
