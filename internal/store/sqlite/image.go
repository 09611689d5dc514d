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
	statImageSQL = `SELECT media_type, width, height, sha512, ` + metaColumns + `
		FROM images WHERE msn = ? AND id = ?`
	getImageSQL = `SELECT media_type, width, height, sha512, ` + metaColumns + `, data
		FROM images WHERE msn = ? AND id = ?`
)

// PutImage stores a new image. An image with the same MSN and ID, even with
// the same bytes, is api.ErrConflict and leaves the stored one unchanged.
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
			return fmt.Errorf("image %q of merchant %s already exists: %w", img.ID, img.MSN, api.ErrConflict)
		case err != nil:
			return db.storeErr("put image", err)
		}
		return nil
	})
}

// GetImage returns an image with its bytes, or api.ErrNotFound.
func (db *DB) GetImage(ctx context.Context, msn, id string) (*store.Image, error) {
	return db.readImage(ctx, db.getImage, msn, id, true)
}

// StatImage returns an image without its bytes, or api.ErrNotFound.
func (db *DB) StatImage(ctx context.Context, msn, id string) (*store.Image, error) {
	return db.readImage(ctx, db.statImage, msn, id, false)
}

// readImage runs getImage or statImage; they differ only in whether the
// bytes, which may be 2 MB, are read.
func (db *DB) readImage(ctx context.Context, stmt *sql.Stmt, msn, id string, withData bool) (*store.Image, error) {
	if db.closed.Load() {
		return nil, errClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	img := &store.Image{MSN: msn, ID: id}
	var m metaDest
	dest := append([]any{&img.MediaType, &img.Width, &img.Height, &img.SHA512}, m.dest()...)
	if withData {
		dest = append(dest, &img.Data)
	}
	err := stmt.QueryRowContext(readCtx(ctx), msn, id).Scan(dest...)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("image %q of merchant %s: %w", id, msn, api.ErrNotFound)
	case err != nil:
		return nil, db.storeErr("get image", err)
	}
	img.Meta = m.meta()
	if withData && img.Data == nil {
		// nil means "read without bytes"; a stored image always has some.
		img.Data = []byte{}
	}
	return img, nil
}
