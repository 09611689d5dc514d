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
	insertCategorySQL = `INSERT INTO categories (msn, payment_type, order_id, id, category, order_details_url, image_id, ` + metaColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`
	// lockOrderSQL serializes the replacements of one order's categories
	// across nodes until the transaction ends: two v2 PUTs racing must
	// leave one category, not one each.
	lockOrderSQL             = `SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2 || '/' || $3, 0))`
	deleteOrderCategoriesSQL = `DELETE FROM categories WHERE msn = $1 AND order_id = $2 AND payment_type = $3`
	deleteCategorySQL        = `DELETE FROM categories WHERE id = $1 AND msn = $2`
	categoryIDTakenSQL       = `SELECT msn FROM categories WHERE id = $1`

	insertReceiptSQL = `INSERT INTO receipts (msn, payment_type, order_id, id, body, ` + metaColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	receiptIDSQL = `SELECT id FROM receipts WHERE msn = $1 AND payment_type = $2 AND order_id = $3`

	// getOrderSQL reads what GET order answers in one statement, so a
	// reader sees both parts as of one snapshot, and returns one row even
	// when neither exists. The newest category is found through the
	// categories_by_order index, the receipt by its primary key.
	getOrderSQL = `SELECT c.category, c.order_details_url, c.image_id, r.body
		FROM (SELECT $1::text AS msn, $2::text AS payment_type, $3::text AS order_id) AS k
		LEFT JOIN categories AS c ON c.seq = (SELECT max(seq) FROM categories
			WHERE msn = k.msn AND order_id = k.order_id AND payment_type = k.payment_type)
		LEFT JOIN receipts AS r ON r.msn = k.msn AND r.payment_type = k.payment_type AND r.order_id = k.order_id`

	categoryColumns   = `id, msn, payment_type, order_id, category, order_details_url, image_id, ` + metaColumns
	listCategoriesSQL = `SELECT ` + categoryColumns + ` FROM categories WHERE msn = $1 AND order_id = $2 ORDER BY seq`
	getCategorySQL    = `SELECT ` + categoryColumns + ` FROM categories WHERE id = $1 AND msn = $2`
)

// categoryArgs returns the values of insertCategorySQL.
func (db *DB) categoryArgs(c *store.Category) ([]any, error) {
	if err := store.CheckCategory(c); err != nil {
		return nil, err
	}
	meta, _, err := metaArgs(c.Meta, db.now)
	if err != nil {
		return nil, err
	}
	// A nil ImageID is stored as NULL, which the foreign key lets through.
	return append([]any{c.Key.MSN, string(c.Key.PaymentType), c.Key.OrderID, c.ID,
		string(c.Category.Category), c.Category.OrderDetailsURL, c.Category.ImageID}, meta...), nil
}

// categoryErr translates the insert's constraint errors. The image check
// and the write are one statement, so an image cannot be named while it
// is being refused.
func categoryErr(c *store.Category, err error) error {
	switch {
	case isViolation(err, codeForeignKeyViolation, "categories_image_fkey"):
		return store.ImageNotFound(c.Key.MSN, *c.Category.ImageID)
	case isViolation(err, codeUniqueViolation, "categories_id_key"):
		return fmt.Errorf("category id %s is taken: %w", c.ID, api.ErrConflict)
	}
	return err
}

// PutCategory replaces all the categories of c's order with c, in one
// transaction. It writes the same rows however often it runs, so an
// attempt after one that may have committed needs no special care.
func (db *DB) PutCategory(ctx context.Context, c *store.Category) error {
	args, err := db.categoryArgs(c)
	if err != nil {
		return err
	}
	return db.run(ctx, "put category", func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, lockOrderSQL, c.Key.MSN, string(c.Key.PaymentType), c.Key.OrderID); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, deleteOrderCategoriesSQL, c.Key.MSN, c.Key.OrderID, string(c.Key.PaymentType)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, insertCategorySQL, args...)
			if err != nil || !db.outbox {
				return categoryErr(c, err)
			}
			_, err = tx.Exec(ctx, enqueueSQL, deliveryArgs(categoryDelivery("putCategory", c), args[7].(time.Time))...)
			return err
		})
	})
}

// categoryDelivery is the delivery of a category write.
func categoryDelivery(op string, c *store.Category) *store.Delivery {
	d := &store.Delivery{Operation: op, MSN: c.Key.MSN, PaymentType: c.Key.PaymentType, OrderID: c.Key.OrderID,
		LocalID: c.ID, Body: c.Category.AppendJSON(nil), TraceID: c.Meta.TraceID}
	if c.Category.ImageID != nil {
		d.ImageID = *c.Category.ImageID
	}
	return d
}

// AddCategory adds c to its order's categories.
func (db *DB) AddCategory(ctx context.Context, c *store.Category) error {
	args, err := db.categoryArgs(c)
	if err != nil {
		return err
	}
	query := insertCategorySQL
	if db.outbox {
		query = withOutbox(insertCategorySQL, len(args))
		args = append(args, deliveryArgs(categoryDelivery("addCategory", c), args[7].(time.Time))...)
	}
	var uncertain bool
	return db.run(ctx, "add category", func(ctx context.Context) error {
		_, err := db.pool.Exec(ctx, query, args...)
		switch {
		case err == nil:
			return nil
		case uncertain && isViolation(err, codeUniqueViolation, "categories_id_key"):
			// An earlier attempt reached the server before its connection
			// broke. The id is fresh for every request, so if the row
			// with it is this merchant's, that attempt committed.
			var msn string
			if err := db.pool.QueryRow(ctx, categoryIDTakenSQL, c.ID).Scan(&msn); err != nil || msn == c.Key.MSN {
				return err
			}
		case connBroke(err):
			uncertain = true
		}
		return categoryErr(c, err)
	})
}

// DeleteCategory deletes a category of the merchant. When an attempt may
// have committed before its connection broke and the next finds nothing,
// the delete is reported done.
func (db *DB) DeleteCategory(ctx context.Context, msn, id string) error {
	query, args := deleteCategorySQL, []any{id, msn}
	if db.outbox {
		query, args = deleteWithOutboxSQL, append(args, db.now().UnixNano())
	}
	var uncertain bool
	return db.run(ctx, "delete category", func(ctx context.Context) error {
		tag, err := db.pool.Exec(ctx, query, args...)
		switch {
		case err == nil && tag.RowsAffected() == 0 && !uncertain:
			return store.CategoryNotFound(id)
		case connBroke(err):
			uncertain = true
		}
		return err
	})
}

// ListCategories returns the categories of the merchant's orders with
// orderID, of both payment types, in creation order.
func (db *DB) ListCategories(ctx context.Context, msn, orderID string) ([]*store.Category, error) {
	var cs []*store.Category
	err := db.run(ctx, "list categories", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, listCategoriesSQL, msn, orderID)
		if err != nil {
			return err
		}
		cs = []*store.Category{}
		for rows.Next() {
			c, err := scanCategory(rows)
			if err != nil {
				rows.Close()
				return err
			}
			cs = append(cs, c)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return cs, nil
}

// GetCategory returns a category of the merchant by id.
func (db *DB) GetCategory(ctx context.Context, msn, id string) (*store.Category, error) {
	var c *store.Category
	err := db.run(ctx, "get category", func(ctx context.Context) error {
		var err error
		c, err = scanCategory(db.pool.QueryRow(ctx, getCategorySQL, id, msn))
		if errors.Is(err, pgx.ErrNoRows) {
			return store.CategoryNotFound(id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// scanCategory reads the categoryColumns of one row.
func scanCategory(row pgx.Row) (*store.Category, error) {
	var (
		c      store.Category
		pt, ct string
		m      metaDest
	)
	dest := append([]any{&c.ID, &c.Key.MSN, &pt, &c.Key.OrderID, &ct, &c.Category.OrderDetailsURL, &c.Category.ImageID}, m.dest()...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	c.Key.PaymentType, c.Category.Category = api.PaymentType(pt), api.CategoryType(ct)
	c.Meta = m.meta()
	return &c, nil
}

// AddReceipt stores the receipt of an order. A second receipt for the same
// order is store.ReceiptExists and leaves the first unchanged.
func (db *DB) AddReceipt(ctx context.Context, r *store.Receipt) error {
	if err := store.CheckReceipt(r); err != nil {
		return err
	}
	meta, createdAt, err := metaArgs(r.Meta, db.now)
	if err != nil {
		return err
	}
	args := append([]any{r.Key.MSN, string(r.Key.PaymentType), r.Key.OrderID, r.ID, r.Body}, meta...)
	query := insertReceiptSQL
	if db.outbox {
		query = withOutbox(insertReceiptSQL, len(args))
		args = append(args, deliveryArgs(&store.Delivery{Operation: "addReceipt", MSN: r.Key.MSN, PaymentType: r.Key.PaymentType,
			OrderID: r.Key.OrderID, LocalID: r.ID, Body: r.Body, TraceID: r.Meta.TraceID}, createdAt)...)
	}
	var uncertain bool
	return db.run(ctx, "add receipt", func(ctx context.Context) error {
		// The primary key decides which of two racing receipts wins, on
		// one node or many; the SQLSTATE and constraint name, not the
		// message, tell a conflict apart.
		_, err := db.pool.Exec(ctx, query, args...)
		switch {
		case err == nil:
			return nil
		case isViolation(err, codeUniqueViolation, "receipts_pkey"):
			if uncertain {
				// An earlier attempt reached the server before its
				// connection broke. If the stored receipt has this
				// receipt's id (a fresh UUID per request), that attempt
				// committed and this call succeeded.
				var id string
				if err := db.pool.QueryRow(ctx, receiptIDSQL, args[:3]...).Scan(&id); err != nil || id == r.ID {
					return err
				}
			}
			return store.ReceiptExists(r.Key)
		case connBroke(err):
			uncertain = true
		}
		return err
	})
}

// GetOrder reads the newest category's fields and the receipt's JSON in
// one statement, for answering GET order.
func (db *DB) GetOrder(ctx context.Context, key store.OrderKey) (*store.Order, error) {
	var o *store.Order
	err := db.run(ctx, "get order", func(ctx context.Context) error {
		var cCategory, cURL, cImage *string
		var rBody []byte
		if err := db.pool.QueryRow(ctx, getOrderSQL, key.MSN, string(key.PaymentType), key.OrderID).Scan(&cCategory, &cURL, &cImage, &rBody); err != nil {
			return err
		}
		o = &store.Order{Key: key, Receipt: rBody}
		if cCategory != nil {
			o.Category = &api.Category{Category: api.CategoryType(*cCategory), OrderDetailsURL: deref(cURL), ImageID: cImage}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case o.Category == nil && o.Receipt == nil:
		return nil, store.OrderNotFound(key)
	}
	return o, nil
}
