package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// BulkLoad stores many receipts and categories in one transaction, with
// one fsync: the fast way to fill a store with test data (ordermgmt bench
// --seed). It succeeds or fails as a whole: a receipt an order already has
// is api.ErrConflict, a category naming an unknown image is api.ErrInvalid,
// and then nothing of the call is stored.
func (db *DB) BulkLoad(ctx context.Context, receipts []*store.Receipt, categories []*store.Category) error {
	rargs := make([][]any, len(receipts))
	for i, r := range receipts {
		if err := store.CheckReceipt(r); err != nil {
			return err
		}
		meta, err := metaArgs(r.Meta, db.now)
		if err != nil {
			return err
		}
		rargs[i] = append([]any{r.Key.MSN, string(r.Key.PaymentType), r.Key.OrderID, r.ID, r.Body}, meta...)
	}
	cargs := make([][]any, len(categories))
	for i, c := range categories {
		if err := store.CheckCategory(c); err != nil {
			return err
		}
		meta, err := metaArgs(c.Meta, db.now)
		if err != nil {
			return err
		}
		var imageID sql.Null[string]
		if c.Category.ImageID != nil {
			imageID = sql.Null[string]{V: *c.Category.ImageID, Valid: true}
		}
		cargs[i] = append([]any{c.Key.MSN, string(c.Key.PaymentType), c.Key.OrderID, c.ID,
			string(c.Category.Category), c.Category.OrderDetailsURL, imageID}, meta...)
	}
	return db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		ins := tx.StmtContext(ctx, db.insertReceipt)
		for i, args := range rargs {
			_, err := ins.ExecContext(ctx, args...)
			switch {
			case isUnique(err):
				return fmt.Errorf("receipt of order %s: %w", receipts[i].Key, api.ErrConflict)
			case err != nil:
				return db.storeErr("bulk load receipts", err)
			}
		}
		up := tx.StmtContext(ctx, db.upsertCategory)
		for i, args := range cargs {
			_, err := up.ExecContext(ctx, args...)
			switch {
			case isForeignKey(err):
				c := categories[i]
				return store.ImageNotFound(c.Key.MSN, *c.Category.ImageID)
			case err != nil:
				return db.storeErr("bulk load categories", err)
			}
		}
		return nil
	})
}
