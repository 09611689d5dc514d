package sqlite

import (
	"context"
	"database/sql"

	"github.com/ordermgmt/ordermgmt/internal/store"
)

// BulkLoad stores many receipts and categories in one transaction, with
// one fsync: the fast way to fill a store with test data (ordermgmt bench
// --seed). Categories are added to their orders, as AddCategory does. It
// succeeds or fails as a whole: a receipt an order already has is
// api.ErrConflict, a category naming an unknown image is api.ErrInvalid,
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
		args, err := db.categoryArgs(c)
		if err != nil {
			return err
		}
		cargs[i] = args
	}
	return db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		ins := tx.StmtContext(ctx, db.insertReceipt)
		for i, args := range rargs {
			_, err := ins.ExecContext(ctx, args...)
			switch {
			case isUnique(err):
				return store.ReceiptExists(receipts[i].Key)
			case err != nil:
				return db.storeErr("bulk load receipts", err)
			}
		}
		for i, args := range cargs {
			if err := db.insertCategory(ctx, tx, categories[i], args); err != nil {
				return err
			}
		}
		return nil
	})
}
