package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/ordermgmt/ordermgmt/internal/store"
)

const (
	insertActionSQL = `INSERT INTO console_actions (msn, payment_type, order_id, at, actor, action, detail, ok, outcome, trace_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	listActionsSQL = `SELECT at, actor, action, detail, ok, outcome, trace_id FROM console_actions
		WHERE msn = ? AND payment_type = ? AND order_id = ? ORDER BY seq DESC LIMIT ?`
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
	ok := 0
	if a.OK {
		ok = 1
	}
	args := []any{a.Key.MSN, string(a.Key.PaymentType), a.Key.OrderID, at.UnixNano(), a.Actor, a.Action, a.Detail, ok, a.Outcome, a.TraceID}
	return db.writeOne(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, insertActionSQL, args...); err != nil {
			return db.storeErr("add support action", err)
		}
		return nil
	})
}

// SupportActions returns the newest limit actions on an order, newest first.
func (db *DB) SupportActions(ctx context.Context, key store.OrderKey, limit int) ([]store.SupportAction, error) {
	if db.closed.Load() {
		return nil, errClosed
	}
	rows, err := db.reader.QueryContext(readCtx(ctx), listActionsSQL, key.MSN, string(key.PaymentType), key.OrderID, limit)
	if err != nil {
		return nil, db.storeErr("list support actions", err)
	}
	defer rows.Close()
	out := []store.SupportAction{}
	for rows.Next() {
		a := store.SupportAction{Key: key}
		var at int64
		var ok int
		if err := rows.Scan(&at, &a.Actor, &a.Action, &a.Detail, &ok, &a.Outcome, &a.TraceID); err != nil {
			return nil, db.storeErr("list support actions", err)
		}
		a.At, a.OK = time.Unix(0, at).UTC(), ok == 1
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, db.storeErr("list support actions", err)
	}
	return out, nil
}
