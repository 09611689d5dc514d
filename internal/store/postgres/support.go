package postgres

import (
	"context"

	"github.com/ordermgmt/ordermgmt/internal/store"
)

const (
	insertActionSQL = `INSERT INTO console_actions (msn, payment_type, order_id, at, actor, action, detail, ok, outcome, trace_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`
	listActionsSQL = `SELECT at, actor, action, detail, ok, outcome, trace_id FROM console_actions
		WHERE msn = $1 AND payment_type = $2 AND order_id = $3 ORDER BY seq DESC LIMIT $4`
)

var _ store.SupportLog = (*DB)(nil)

// AddSupportAction records an action of the support console.
func (db *DB) AddSupportAction(ctx context.Context, a *store.SupportAction) error {
	if err := store.CheckSupportAction(a); err != nil {
		return err
	}
	at := a.At
	if at.IsZero() {
		at = db.now()
	}
	return db.run(ctx, "add support action", func(ctx context.Context) error {
		_, err := db.pool.Exec(ctx, insertActionSQL, a.Key.MSN, string(a.Key.PaymentType), a.Key.OrderID,
			at.UTC(), a.Actor, a.Action, a.Detail, a.OK, a.Outcome, a.TraceID)
		return err
	})
}

// SupportActions returns the newest limit actions on an order, newest first.
func (db *DB) SupportActions(ctx context.Context, key store.OrderKey, limit int) ([]store.SupportAction, error) {
	var out []store.SupportAction
	err := db.run(ctx, "list support actions", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, listActionsSQL, key.MSN, string(key.PaymentType), key.OrderID, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		out = []store.SupportAction{}
		for rows.Next() {
			a := store.SupportAction{Key: key}
			if err := rows.Scan(&a.At, &a.Actor, &a.Action, &a.Detail, &a.OK, &a.Outcome, &a.TraceID); err != nil {
				return err
			}
			a.At = a.At.UTC()
			out = append(out, a)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
