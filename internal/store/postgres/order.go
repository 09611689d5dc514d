package postgres

import (
	"context"
	"fmt"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

const (
	upsertCategorySQL = `INSERT INTO categories (msn, payment_type, order_id, id, category, order_details_url, image_id, ` + metaColumns + `)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
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
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`
	receiptIDSQL = `SELECT id FROM receipts WHERE msn = $1 AND payment_type = $2 AND order_id = $3`

	// getOrderSQL reads both parts in one statement, so a reader sees both
	// as of one snapshot, and returns one row even when neither exists.
	// Both joins are primary-key lookups.
	getOrderSQL = `SELECT
			c.id, c.category, c.order_details_url, c.image_id,
			c.created_at, c.trace_id, c.client_id, c.system_name, c.system_version, c.system_plugin_name, c.system_plugin_version,
			r.id, r.body,
			r.created_at, r.trace_id, r.client_id, r.system_name, r.system_version, r.system_plugin_name, r.system_plugin_version
		FROM (SELECT $1::text AS msn, $2::text AS payment_type, $3::text AS order_id) AS k
		LEFT JOIN categories AS c ON c.msn = k.msn AND c.payment_type = k.payment_type AND c.order_id = k.order_id
		LEFT JOIN receipts AS r ON r.msn = k.msn AND r.payment_type = k.payment_type AND r.order_id = k.order_id`

	// viewOrderSQL is getOrderSQL narrowed to what GET order answers.
	viewOrderSQL = `SELECT c.category, c.order_details_url, c.image_id, r.body
		FROM (SELECT $1::text AS msn, $2::text AS payment_type, $3::text AS order_id) AS k
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
	meta, createdAt, err := metaArgs(c.Meta, db.now)
	if err != nil {
		return err
	}
	// A nil ImageID is stored as NULL, which the foreign key lets through.
	args := append([]any{c.Key.MSN, string(c.Key.PaymentType), c.Key.OrderID, c.ID,
		string(c.Category.Category), c.Category.OrderDetailsURL, c.Category.ImageID}, meta...)
	query := upsertCategorySQL
	if db.outbox {
		// The delivery's key is the category's id, new for each request, so
		// an attempt after one that committed adds no second delivery.
		d := &store.Delivery{Operation: "putCategory", MSN: c.Key.MSN, PaymentType: c.Key.PaymentType, OrderID: c.Key.OrderID,
			LocalID: c.ID, Body: c.Category.AppendJSON(nil), TraceID: c.Meta.TraceID}
		if c.Category.ImageID != nil {
			d.ImageID = *c.Category.ImageID
		}
		query = withOutbox(upsertCategorySQL, len(args))
		args = append(args, deliveryArgs(d, createdAt)...)
	}
	// The upsert writes the same row however often it runs, so an attempt
	// after one that may have committed needs no special care.
	return db.run(ctx, "put category", func(ctx context.Context) error {
		_, err := db.pool.Exec(ctx, query, args...)
		if isViolation(err, codeForeignKeyViolation, "categories_image_fkey") {
			// The check and the write are one statement, so an image
			// cannot be named while it is being refused.
			return store.ImageNotFound(c.Key.MSN, *c.Category.ImageID)
		}
		return err
	})
}

// AddReceipt stores the receipt of an order. A second receipt for the same
// order is api.ErrConflict and leaves the first unchanged.
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
			return fmt.Errorf("receipt of order %s: %w", r.Key, api.ErrConflict)
		case connBroke(err):
			uncertain = true
		}
		return err
	})
}

// GetOrder returns the category and receipt of an order, or api.ErrNotFound
// when it has neither.
func (db *DB) GetOrder(ctx context.Context, key store.OrderKey) (*store.Order, error) {
	var o *store.Order
	err := db.run(ctx, "get order", func(ctx context.Context) error {
		var (
			cID, cCategory, cURL, cImage *string
			cMeta, rMeta                 metaDest
			rID                          *string
			rBody                        []byte
		)
		dest := []any{&cID, &cCategory, &cURL, &cImage}
		dest = append(dest, cMeta.dest()...)
		dest = append(dest, &rID, &rBody)
		dest = append(dest, rMeta.dest()...)
		// The query always yields one row; a NULL id means the part is
		// absent.
		if err := db.pool.QueryRow(ctx, getOrderSQL, key.MSN, string(key.PaymentType), key.OrderID).Scan(dest...); err != nil {
			return err
		}
		o = &store.Order{Key: key}
		if cID != nil {
			o.Category = &store.Category{
				Key: key,
				ID:  *cID,
				Category: api.Category{
					Category:        api.CategoryType(deref(cCategory)),
					OrderDetailsURL: deref(cURL),
					ImageID:         cImage,
				},
				Meta: cMeta.meta(),
			}
		}
		if rID != nil {
			o.Receipt = &store.Receipt{Key: key, ID: *rID, Body: rBody, Meta: rMeta.meta()}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case o.Category == nil && o.Receipt == nil:
		return nil, fmt.Errorf("order %s: %w", key, api.ErrNotFound)
	}
	return o, nil
}

// ViewOrder reads only the category's fields and the receipt's JSON, for
// answering GET order.
func (db *DB) ViewOrder(ctx context.Context, key store.OrderKey) (*store.Order, error) {
	var o *store.Order
	err := db.run(ctx, "get order", func(ctx context.Context) error {
		var cCategory, cURL, cImage *string
		var rBody []byte
		if err := db.pool.QueryRow(ctx, viewOrderSQL, key.MSN, string(key.PaymentType), key.OrderID).Scan(&cCategory, &cURL, &cImage, &rBody); err != nil {
			return err
		}
		o = &store.Order{Key: key}
		if cCategory != nil {
			o.Category = &store.Category{Key: key, Category: api.Category{
				Category:        api.CategoryType(*cCategory),
				OrderDetailsURL: deref(cURL),
				ImageID:         cImage,
			}}
		}
		if rBody != nil {
			o.Receipt = &store.Receipt{Key: key, Body: rBody}
		}
		return nil
	})
	switch {
	case err != nil:
		return nil, err
	case o.Category == nil && o.Receipt == nil:
		return nil, fmt.Errorf("order %s: %w", key, api.ErrNotFound)
	}
	return o, nil
}
