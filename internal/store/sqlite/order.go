package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

const (
	upsertCategorySQL = `INSERT INTO categories (msn, payment_type, order_id, id, category, order_details_url, image_id, ` + metaColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (msn, payment_type, order_id) DO UPDATE SET
			id = excluded.id,
			category = excluded.category,
			order_details_url = excluded.order_details_url,
			image_id = excluded.image_id,
			created_at = excluded.created_at,
			trace_id = excluded.trace_id,
			client_id = excluded.client_id,
			system_name = excluded.system_name,
			system_version = excluded.system_version,
			system_plugin_name = excluded.system_plugin_name,
			system_plugin_version = excluded.system_plugin_version`
	insertReceiptSQL = `INSERT INTO receipts (msn, payment_type, order_id, id, body, ` + metaColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

	// getOrderSQL reads both parts in one statement, so a reader sees both
	// as of one moment, and returns one row even when neither exists.
	getOrderSQL = `SELECT
			c.id, c.category, c.order_details_url, c.image_id,
			c.created_at, c.trace_id, c.client_id, c.system_name, c.system_version, c.system_plugin_name, c.system_plugin_version,
			r.id, r.body,
			r.created_at, r.trace_id, r.client_id, r.system_name, r.system_version, r.system_plugin_name, r.system_plugin_version
		FROM (SELECT ?1 AS msn, ?2 AS payment_type, ?3 AS order_id) AS k
		LEFT JOIN categories AS c ON c.msn = k.msn AND c.payment_type = k.payment_type AND c.order_id = k.order_id
		LEFT JOIN receipts AS r ON r.msn = k.msn AND r.payment_type = k.payment_type AND r.order_id = k.order_id`

	// viewOrderSQL reads only what GET order answers. category and body
	// are NOT NULL columns, so NULL means the part is absent.
	viewOrderSQL = `SELECT c.category, c.order_details_url, c.image_id, r.body
		FROM (SELECT ?1 AS msn, ?2 AS payment_type, ?3 AS order_id) AS k
		LEFT JOIN categories AS c ON c.msn = k.msn AND c.payment_type = k.payment_type AND c.order_id = k.order_id
		LEFT JOIN receipts AS r ON r.msn = k.msn AND r.payment_type = k.payment_type AND r.order_id = k.order_id`
)

// PutCategory adds or replaces the category of an order. An image id that
// names no image of the order's merchant is api.ErrInvalid naming imageId,
// and nothing is stored.
func (db *DB) PutCategory(ctx context.Context, c *store.Category) error {
	if err := store.CheckCategory(c); err != nil {
		return err
	}
	meta, err := metaArgs(c.Meta, db.now)
	if err != nil {
		return err
	}
	// A nil ImageID is stored as NULL, which the foreign key lets through.
	var imageID sql.Null[string]
	if c.Category.ImageID != nil {
		imageID = sql.Null[string]{V: *c.Category.ImageID, Valid: true}
	}
	args := append([]any{c.Key.MSN, string(c.Key.PaymentType), c.Key.OrderID, c.ID,
		string(c.Category.Category), c.Category.OrderDetailsURL, imageID}, meta...)
	var d *store.Delivery
	if db.outbox {
		d = &store.Delivery{Operation: "putCategory", MSN: c.Key.MSN, PaymentType: c.Key.PaymentType, OrderID: c.Key.OrderID,
			LocalID: c.ID, ImageID: imageID.V, Body: c.Category.AppendJSON(nil), TraceID: c.Meta.TraceID}
	}
	return db.writeDelivered(ctx, d, meta[0].(int64), "put category", func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.StmtContext(ctx, db.upsertCategory).ExecContext(ctx, args...)
		switch {
		case isForeignKey(err):
			// The check and the write are one statement, so an image
			// cannot be named while it is being refused.
			return store.ImageNotFound(c.Key.MSN, imageID.V)
		case err != nil:
			return db.storeErr("put category", err)
		}
		return nil
	})
}

// AddReceipt stores the receipt of an order. A second receipt for the same
// order is api.ErrConflict and leaves the first unchanged.
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
			return fmt.Errorf("receipt of order %s: %w", r.Key, api.ErrConflict)
		case err != nil:
			return db.storeErr("add receipt", err)
		}
		return nil
	})
}

// GetOrder returns the category and receipt of an order, or api.ErrNotFound
// when it has neither.
func (db *DB) GetOrder(ctx context.Context, key store.OrderKey) (*store.Order, error) {
	if db.closed.Load() {
		return nil, errClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var (
		cID, cCategory, cURL, cImage sql.Null[string]
		cMeta, rMeta                 metaDest
		rID                          sql.Null[string]
		rBody                        []byte
	)
	dest := []any{&cID, &cCategory, &cURL, &cImage}
	dest = append(dest, cMeta.dest()...)
	dest = append(dest, &rID, &rBody)
	dest = append(dest, rMeta.dest()...)
	// The query always yields one row; a NULL id means the part is absent.
	err := db.getOrder.QueryRowContext(readCtx(ctx), key.MSN, string(key.PaymentType), key.OrderID).Scan(dest...)
	if err != nil {
		return nil, db.storeErr("get order", err)
	}

	o := &store.Order{Key: key}
	if cID.Valid {
		o.Category = &store.Category{
			Key: key,
			ID:  cID.V,
			Category: api.Category{
				Category:        api.CategoryType(cCategory.V),
				OrderDetailsURL: cURL.V,
			},
			Meta: cMeta.meta(),
		}
		if cImage.Valid {
			o.Category.Category.ImageID = &cImage.V
		}
	}
	if rID.Valid {
		o.Receipt = &store.Receipt{Key: key, ID: rID.V, Body: rBody, Meta: rMeta.meta()}
	}
	if o.Category == nil && o.Receipt == nil {
		return nil, fmt.Errorf("order %s: %w", key, api.ErrNotFound)
	}
	return o, nil
}

// ViewOrder reads only the category's fields and the receipt's JSON.
// Converting the 16 columns of IDs and write records costs about a tenth
// of a GET's CPU time, for data the answer does not contain.
func (db *DB) ViewOrder(ctx context.Context, key store.OrderKey) (*store.Order, error) {
	if db.closed.Load() {
		return nil, errClosed
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var (
		cCategory, cURL, cImage sql.Null[string]
		rBody                   []byte
	)
	err := db.viewOrder.QueryRowContext(readCtx(ctx), key.MSN, string(key.PaymentType), key.OrderID).Scan(&cCategory, &cURL, &cImage, &rBody)
	if err != nil {
		return nil, db.storeErr("get order", err)
	}
	o := &store.Order{Key: key}
	if cCategory.Valid {
		o.Category = &store.Category{Key: key, Category: api.Category{
			Category:        api.CategoryType(cCategory.V),
			OrderDetailsURL: cURL.V,
		}}
		if cImage.Valid {
			o.Category.Category.ImageID = &cImage.V
		}
	}
	if rBody != nil {
		o.Receipt = &store.Receipt{Key: key, Body: rBody}
	}
	if o.Category == nil && o.Receipt == nil {
		return nil, fmt.Errorf("order %s: %w", key, api.ErrNotFound)
	}
	return o, nil
}
