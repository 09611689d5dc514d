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
	insertCategorySQL = `INSERT INTO categories (msn, payment_type, order_id, id, category, order_details_url, image_id, ` + metaColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	deleteOrderCategoriesSQL = `DELETE FROM categories WHERE msn = ? AND order_id = ? AND payment_type = ?`
	// replaceOnlyCategorySQL takes insertCategorySQL's values.
	replaceOnlyCategorySQL = `UPDATE categories SET id = ?4, category = ?5, order_details_url = ?6, image_id = ?7,
			created_at = ?8, trace_id = ?9, client_id = ?10, system_name = ?11, system_version = ?12,
			system_plugin_name = ?13, system_plugin_version = ?14
		WHERE msn = ?1 AND payment_type = ?2 AND order_id = ?3
		AND (SELECT count(*) FROM categories WHERE msn = ?1 AND order_id = ?3) = 1`
	deleteCategorySQL = `DELETE FROM categories WHERE id = ? AND msn = ?`
	insertReceiptSQL  = `INSERT INTO receipts (msn, payment_type, order_id, id, body, ` + metaColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

	// getOrderSQL reads what GET order answers in one statement, so a
	// reader sees both parts as of one moment, and returns one row even
	// when neither exists. The newest category is found through the
	// categories_by_order index; category and body are NOT NULL columns,
	// so NULL means the part is absent.
	getOrderSQL = `SELECT c.category, c.order_details_url, c.image_id, r.body
		FROM (SELECT ?1 AS msn, ?2 AS payment_type, ?3 AS order_id) AS k
		LEFT JOIN categories AS c ON c.seq = (SELECT max(seq) FROM categories
			WHERE msn = k.msn AND order_id = k.order_id AND payment_type = k.payment_type)
		LEFT JOIN receipts AS r ON r.msn = k.msn AND r.payment_type = k.payment_type AND r.order_id = k.order_id`

	categoryColumns   = `id, msn, payment_type, order_id, category, order_details_url, image_id, ` + metaColumns
	listCategoriesSQL = `SELECT ` + categoryColumns + ` FROM categories WHERE msn = ? AND order_id = ? ORDER BY seq`
	getCategorySQL    = `SELECT ` + categoryColumns + ` FROM categories WHERE id = ? AND msn = ?`
)

// categoryArgs returns the values of insertCategorySQL.
func (db *DB) categoryArgs(c *store.Category) ([]any, error) {
	if err := store.CheckCategory(c); err != nil {
		return nil, err
	}
	meta, err := metaArgs(c.Meta, db.now)
	if err != nil {
		return nil, err
	}
	// A nil ImageID is stored as NULL, which the foreign key lets through.
	var imageID sql.Null[string]
	if c.Category.ImageID != nil {
		imageID = sql.Null[string]{V: *c.Category.ImageID, Valid: true}
	}
	return append([]any{c.Key.MSN, string(c.Key.PaymentType), c.Key.OrderID, c.ID,
		string(c.Category.Category), c.Category.OrderDetailsURL, imageID}, meta...), nil
}

// insertCategory runs the insert on tx and translates its constraint
// errors: the image check and the write are one statement, so an image
// cannot be named while it is being refused.
func (db *DB) insertCategory(ctx context.Context, tx *sql.Tx, c *store.Category, args []any) error {
	_, err := db.writeCategory(ctx, tx, db.insertCategoryStmt, c, args)
	return err
}

// writeCategory runs stmt, the insert or the in-place replacement of c,
// with args, and translates its constraint errors.
func (db *DB) writeCategory(ctx context.Context, tx *sql.Tx, stmt *sql.Stmt, c *store.Category, args []any) (sql.Result, error) {
	res, err := tx.StmtContext(ctx, stmt).ExecContext(ctx, args...)
	switch {
	case isForeignKey(err):
		return nil, store.ImageNotFound(c.Key.MSN, *c.Category.ImageID)
	case isUnique(err):
		return nil, fmt.Errorf("category id %s is taken: %w", c.ID, api.ErrConflict)
	case err != nil:
		return nil, db.storeErr("add category", err)
	}
	return res, nil
}

// PutCategory replaces all the categories of c's order with c. The delete
// and the insert share a savepoint, so a refused image leaves the old
// categories in place.
func (db *DB) PutCategory(ctx context.Context, c *store.Category) error {
	args, err := db.categoryArgs(c)
	if err != nil {
		return err
	}
	if !db.outbox {
		// Nearly every PUT finds the order's one category: one statement,
		// which needs no savepoint (writeOne); the one writer runs two
		// statements fewer. When it changes nothing, the order has none or
		// several, and the delete and insert below run.
		err := db.writeOne(ctx, func(ctx context.Context, tx *sql.Tx) error {
			replaced, err := db.replaceOnlyCategory(ctx, tx, c, args)
			if err == nil && !replaced {
				return errNotOnlyCategory
			}
			return err
		})
		if !errors.Is(err, errNotOnlyCategory) {
			return err
		}
	}
	// The replace is tried again inside the savepoint: with the outbox it
	// was not tried yet, and without it another write may have left the
	// order one category since.
	return db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		replaced, err := db.replaceOnlyCategory(ctx, tx, c, args)
		if err != nil {
			return err
		}
		if !replaced {
			if _, err := tx.StmtContext(ctx, db.deleteOrderCategories).ExecContext(ctx, c.Key.MSN, c.Key.OrderID, string(c.Key.PaymentType)); err != nil {
				return db.storeErr("put category", err)
			}
			if err := db.insertCategory(ctx, tx, c, args); err != nil {
				return err
			}
		}
		if !db.outbox {
			return nil
		}
		return db.enqueue(ctx, tx, "put category", categoryDelivery("putCategory", c, c.Category.AppendJSON(nil)), args[7].(int64))
	})
}

// errNotOnlyCategory tells PutCategory that its one statement found no
// category or several and changed nothing; of kind api.ErrNotFound, as
// writeOne asks of such a statement.
var errNotOnlyCategory = fmt.Errorf("order has no category or several: %w", api.ErrNotFound)

// replaceOnlyCategory overwrites the order's category in its row when it
// is the order's only one (of either payment type), which is what nearly
// every v2 PUT finds: the row keeps its place in the creation order, which
// no other category of the order can tell, and the write changes a page or
// two instead of deleting a row and appending one, with their indexes.
// false means the order has none or several, and nothing was changed.
func (db *DB) replaceOnlyCategory(ctx context.Context, tx *sql.Tx, c *store.Category, args []any) (bool, error) {
	res, err := db.writeCategory(ctx, tx, db.replaceOnlyCategoryStmt, c, args)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, db.storeErr("put category", err)
	}
	return n == 1, nil
}

// categoryDelivery is the delivery of a category write with body.
func categoryDelivery(op string, c *store.Category, body []byte) *store.Delivery {
	d := &store.Delivery{Operation: op, MSN: c.Key.MSN, PaymentType: c.Key.PaymentType, OrderID: c.Key.OrderID,
		LocalID: c.ID, Body: body, TraceID: c.Meta.TraceID}
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
	var d *store.Delivery
	if db.outbox {
		d = categoryDelivery("addCategory", c, c.Category.AppendJSON(nil))
	}
	return db.writeDelivered(ctx, d, args[7].(int64), "add category", func(ctx context.Context, tx *sql.Tx) error {
		return db.insertCategory(ctx, tx, c, args)
	})
}

// DeleteCategory deletes a category of the merchant.
func (db *DB) DeleteCategory(ctx context.Context, msn, id string) error {
	if db.outbox {
		return db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
			// The delivery keeps its place among the writes of the
			// category's order.
			var pt, orderID string
			err := tx.QueryRowContext(ctx, `DELETE FROM categories WHERE id = ? AND msn = ? RETURNING payment_type, order_id`, id, msn).Scan(&pt, &orderID)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				return store.CategoryNotFound(id)
			case err != nil:
				return db.storeErr("delete category", err)
			}
			d := &store.Delivery{Operation: "deleteCategory", MSN: msn, PaymentType: api.PaymentType(pt), OrderID: orderID, LocalID: id}
			return db.enqueue(ctx, tx, "delete category", d, db.now().UnixNano())
		})
	}
	return db.writeOne(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.StmtContext(ctx, db.deleteCategory).ExecContext(ctx, id, msn)
		if err != nil {
			return db.storeErr("delete category", err)
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return store.CategoryNotFound(id)
		}
		return nil
	})
}

// ListCategories returns the categories of the merchant's orders with
// orderID, of both payment types, in creation order.
func (db *DB) ListCategories(ctx context.Context, msn, orderID string) ([]*store.Category, error) {
	if err := db.readable(ctx); err != nil {
		return nil, err
	}
	rows, err := db.listCategories.QueryContext(readCtx(ctx), msn, orderID)
	if err != nil {
		return nil, db.storeErr("list categories", err)
	}
	defer rows.Close()
	cs := []*store.Category{}
	for rows.Next() {
		c, err := scanCategory(rows)
		if err != nil {
			return nil, db.storeErr("list categories", err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, db.storeErr("list categories", err)
	}
	return cs, nil
}

// GetCategory returns a category of the merchant by id.
func (db *DB) GetCategory(ctx context.Context, msn, id string) (*store.Category, error) {
	if err := db.readable(ctx); err != nil {
		return nil, err
	}
	c, err := scanCategory(db.getCategory.QueryRowContext(readCtx(ctx), id, msn))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, store.CategoryNotFound(id)
	case err != nil:
		return nil, db.storeErr("get category", err)
	}
	return c, nil
}

// scanCategory reads the categoryColumns of one row.
func scanCategory(row interface{ Scan(...any) error }) (*store.Category, error) {
	var (
		c       store.Category
		pt, ct  string
		imageID sql.Null[string]
		m       metaDest
	)
	dest := append([]any{&c.ID, &c.Key.MSN, &pt, &c.Key.OrderID, &ct, &c.Category.OrderDetailsURL, &imageID}, m.dest()...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	c.Key.PaymentType, c.Category.Category = api.PaymentType(pt), api.CategoryType(ct)
	if imageID.Valid {
		c.Category.ImageID = &imageID.V
	}
	c.Meta = m.meta()
	return &c, nil
}

// AddReceipt stores the receipt of an order. A second receipt for the same
// order is store.ReceiptExists and leaves the first unchanged.
func (db *DB) AddReceipt(ctx context.Context, r *store.Receipt) error {
	if err := store.CheckReceipt(r); err != nil {
		return err
	}
	meta, err := metaArgs(r.Meta, db.now)
	if err != nil {
		return err
	}
	args := append([]any{r.Key.MSN, string(r.Key.PaymentType), r.Key.OrderID, r.ID, r.Body}, meta...)
	var d *store.Delivery
	if db.outbox {
		d = &store.Delivery{Operation: "addReceipt", MSN: r.Key.MSN, PaymentType: r.Key.PaymentType, OrderID: r.Key.OrderID,
			LocalID: r.ID, Body: r.Body, TraceID: r.Meta.TraceID}
	}
	return db.writeDelivered(ctx, d, meta[0].(int64), "add receipt", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, db.insertReceipt).ExecContext(ctx, args...)
		// The primary key decides which of two racing receipts wins; the
		// driver's code, not its message, tells a conflict apart.
		switch {
		case isUnique(err):
			return store.ReceiptExists(r.Key)
		case err != nil:
			return db.storeErr("add receipt", err)
		}
		return nil
	})
}

// GetOrder reads the newest category's fields and the receipt's JSON in
// one statement; IDs and write records, which the answer does not hold,
// are not converted (they cost a tenth of a GET's CPU time).
func (db *DB) GetOrder(ctx context.Context, key store.OrderKey) (*store.Order, error) {
	if err := db.readable(ctx); err != nil {
		return nil, err
	}
	// The row's destinations escape through Scan: in one struct they
	// are one allocation rather than four.
	var row struct {
		category, url, image sql.Null[string]
		body                 []byte
	}
	err := db.getOrder.QueryRowContext(readCtx(ctx), key.MSN, string(key.PaymentType), key.OrderID).Scan(&row.category, &row.url, &row.image, &row.body)
	if err != nil {
		return nil, db.storeErr("get order", err)
	}
	o := &store.Order{Key: key, Receipt: row.body}
	if row.category.Valid {
		o.Category = &api.Category{Category: api.CategoryType(row.category.V), OrderDetailsURL: row.url.V}
		if row.image.Valid {
			o.Category.ImageID = &row.image.V
		}
	}
	if o.Category == nil && o.Receipt == nil {
		return nil, store.OrderNotFound(key)
	}
	return o, nil
}

// readable is the check every read starts with.
func (db *DB) readable(ctx context.Context) error {
	if db.closed.Load() {
		return errClosed
	}
	return ctx.Err()
}
