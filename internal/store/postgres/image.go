package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ordermgmt/ordermgmt/api"

	"github.com/ordermgmt/ordermgmt/internal/store"
)

const (
	insertImageSQL = `INSERT INTO images (msn, id, media_type, width, height, sha512, data, ` + metaColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`
	getImageSQL = `SELECT media_type, width, height, sha512, ` + metaColumns + `, data
		FROM images WHERE msn = $1 AND id = $2`
	imageOriginSQL = `SELECT sha512, trace_id, created_at FROM images WHERE msn = $1 AND id = $2`
)

// PutImage stores a new image. An image with the same MSN and ID, even with
// the same bytes, is store.ImageExists and leaves the stored one unchanged.
func (db *DB) PutImage(ctx context.Context, img *store.Image) error {
	if err := store.CheckImage(img); err != nil {
		return err
	}
	meta, createdAt, err := metaArgs(img.Meta, db.now)
	if err != nil {
		return err
	}
	args := append([]any{img.MSN, img.ID, img.MediaType, img.Width, img.Height, img.SHA512, img.Data}, meta...)
	query := insertImageSQL
	if db.outbox {
		query = withOutbox(insertImageSQL, len(args))
		args = append(args, deliveryArgs(&store.Delivery{Operation: "addImage", MSN: img.MSN, LocalID: img.ID, TraceID: img.Meta.TraceID}, createdAt)...)
	}
	// uncertain is set when an attempt may have committed before its
	// connection broke; a later attempt then meets its own row.
	var uncertain bool
	return db.run(ctx, "put image", func(ctx context.Context) error {
		// A plain INSERT: the primary key, not a read before the write,
		// refuses a second image, so racing uploads on any nodes cannot
		// both win.
		_, err := db.pool.Exec(ctx, query, args...)
		switch {
		case err == nil:
			return nil
		case isViolation(err, codeUniqueViolation, "images_pkey"):
			if uncertain {
				ours, err := db.isOwnImage(ctx, img, createdAt)
				if err != nil || ours {
					return err
				}
			}
			return store.ImageExists(img.MSN, img.ID)
		case connBroke(err):
			uncertain = true
		}
		return err
	})
}

// isOwnImage reports whether the stored image is the one img's earlier
// attempt wrote: same bytes, same trace id, same time.
func (db *DB) isOwnImage(ctx context.Context, img *store.Image, createdAt time.Time) (bool, error) {
	var (
		sum, trace string
		at         time.Time
	)
	if err := db.pool.QueryRow(ctx, imageOriginSQL, img.MSN, img.ID).Scan(&sum, &trace, &at); err != nil {
		return false, err
	}
	return sum == img.SHA512 && trace == img.Meta.TraceID && at.Equal(createdAt), nil
}

// GetImage returns an image with its bytes, or api.ErrNotFound.
func (db *DB) GetImage(ctx context.Context, msn, id string) (*store.Image, error) {
	var img *store.Image
	err := db.run(ctx, "get image", func(ctx context.Context) error {
		img = &store.Image{MSN: msn, ID: id}
		var m metaDest
		dest := append([]any{&img.MediaType, &img.Width, &img.Height, &img.SHA512}, m.dest()...)
		dest = append(dest, &img.Data)
		err := db.pool.QueryRow(ctx, getImageSQL, msn, id).Scan(dest...)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("image %q of merchant %s: %w", id, msn, api.ErrNotFound)
		}
		img.Meta = m.meta()
		return err
	})
	if err != nil {
		return nil, err
	}
	return img, nil
}
