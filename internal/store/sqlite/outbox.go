package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

var _ store.Outbox = (*DB)(nil)

const (
	// enqueueSQL adds a delivery; a category waits for the newest delivery
	// of the image it names.
	enqueueSQL = `INSERT INTO relay_outbox (operation, msn, payment_type, order_id, chain, local_id, image_id, body,
			depends_on, state, created_at, trace_id, next_attempt_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
			(SELECT max(id) FROM relay_outbox WHERE msn = ?2 AND operation = 'addImage' AND local_id = ?7 AND ?7 <> ''),
			'queued', ?9, ?10, ?9)
		ON CONFLICT (msn, operation, local_id) DO NOTHING`

	deliveryColumns = `id, operation, msn, payment_type, order_id, local_id, image_id, body, state, created_at, trace_id,
		attempts, next_attempt_at, last_status, last_error, last_problem, upstream_id, delivered_at`

	// claimableSQL finds pending deliveries whose time has come and whose
	// lease has ended, and that no earlier pending delivery of the same
	// chain, nor the image delivery they name, holds back. The index is
	// named: the planner otherwise takes the state index and sorts every
	// pending delivery for each claim, which under a backlog cost more
	// than accepting the writes.
	claimableSQL = `SELECT id FROM relay_outbox AS o INDEXED BY relay_outbox_pending
		WHERE state IN ('queued', 'retrying') AND next_attempt_at <= ?1 AND lease_until <= ?1
		AND NOT EXISTS (SELECT 1 FROM relay_outbox AS e
			WHERE e.state IN ('queued', 'retrying') AND e.msn = o.msn AND e.chain = o.chain AND e.id < o.id)
		AND NOT EXISTS (SELECT 1 FROM relay_outbox AS e
			WHERE e.id = o.depends_on AND e.state IN ('queued', 'retrying'))
		ORDER BY next_attempt_at, id LIMIT ?2`

	// holdBackSQL puts off, to ?2, the pending deliveries held back behind
	// delivery ?1: the later ones of its chain, the categories that name
	// its image and the later ones of theirs. None can go first, and a
	// held-back delivery that is not due is outside the claim's range
	// instead of walked by every claim until ?1 is delivered.
	holdBackSQL = `WITH heads (msn, chain, first) AS (
			SELECT msn, chain, id + 1 FROM relay_outbox WHERE id = ?1
			UNION ALL
			SELECT msn, chain, id FROM relay_outbox WHERE depends_on = ?1 AND state IN ('queued', 'retrying'))
		UPDATE relay_outbox SET next_attempt_at = ?2
		WHERE next_attempt_at < ?2 AND id IN (SELECT f.id FROM heads JOIN relay_outbox AS f
			ON f.msn = heads.msn AND f.chain = heads.chain AND f.id >= heads.first AND f.state IN ('queued', 'retrying'))`

	// keepCategoryIDSQL keeps upstream's id of the category delivery ?1
	// delivered, for reads and deletes after the delivery is pruned.
	keepCategoryIDSQL = `INSERT INTO relay_category_ids (msn, local_id, upstream_id, payment_type, order_id)
		SELECT msn, local_id, upstream_id, payment_type, order_id FROM relay_outbox
		WHERE id = ?1 AND operation IN ('addCategory', 'putCategory') AND upstream_id <> ''
		ON CONFLICT (msn, local_id) DO UPDATE SET upstream_id = excluded.upstream_id`

	// forgetCategoryIDsSQL drops the kept ids of order ?2 of merchant ?1
	// whose category is gone at the relay and that no delivery of a delete
	// still needs (a failed one may be retried).
	forgetCategoryIDsSQL = `DELETE FROM relay_category_ids AS m
		WHERE msn = ?1 AND order_id = ?2
		AND NOT EXISTS (SELECT 1 FROM categories AS c WHERE c.id = m.local_id AND c.msn = m.msn)
		AND NOT EXISTS (SELECT 1 FROM relay_outbox AS o
			WHERE o.msn = m.msn AND o.operation = 'deleteCategory' AND o.local_id = m.local_id AND o.state <> 'delivered')`
)

// enqueue writes d to the outbox inside tx, the transaction of the write
// it delivers.
func (db *DB) enqueue(ctx context.Context, tx *sql.Tx, op string, d *store.Delivery, createdAt int64) error {
	_, err := tx.ExecContext(ctx, enqueueSQL, d.Operation, d.MSN, string(d.PaymentType), d.OrderID, d.Chain(),
		d.LocalID, d.ImageID, d.Body, createdAt, d.TraceID)
	if err != nil {
		return db.storeErr(op+": outbox", err)
	}
	return nil
}

// writeDelivered runs fn, a write of one statement, and, when the outbox
// is on, adds d to it in the same transaction.
func (db *DB) writeDelivered(ctx context.Context, d *store.Delivery, createdAt int64, op string, fn writeFunc) error {
	if !db.outbox {
		return db.writeOne(ctx, fn)
	}
	return db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := fn(ctx, tx); err != nil {
			return err
		}
		return db.enqueue(ctx, tx, op, d, createdAt)
	})
}

// ClaimDeliveries leases up to limit deliveries to node.
func (db *DB) ClaimDeliveries(ctx context.Context, node string, now time.Time, lease time.Duration, limit int) ([]store.Delivery, error) {
	var ids []int64
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		ids = ids[:0]
		rows, err := tx.QueryContext(ctx, claimableSQL, now.UnixNano(), limit)
		if err != nil {
			return db.storeErr("claim deliveries", err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return db.storeErr("claim deliveries", err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return db.storeErr("claim deliveries", err)
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, `UPDATE relay_outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1 WHERE id = ?`,
				node, now.Add(lease).UnixNano(), id); err != nil {
				return db.storeErr("claim deliveries", err)
			}
		}
		return nil
	})
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	out := make([]store.Delivery, 0, len(ids))
	for _, id := range ids {
		d, err := db.GetDelivery(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, *d)
	}
	return out, nil
}

// FinishDelivery records an attempt's outcome if node still holds the lease.
func (db *DB) FinishDelivery(ctx context.Context, id int64, node string, o store.DeliveryOutcome) error {
	var delivered int64
	if o.State == store.DeliveryDelivered {
		delivered = o.At.UnixNano()
	}
	return db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE relay_outbox SET state = ?, next_attempt_at = ?, last_status = ?, last_error = ?,
				last_problem = ?, upstream_id = CASE WHEN ? <> '' THEN ? ELSE upstream_id END, delivered_at = ?, lease_owner = '', lease_until = 0
			WHERE id = ? AND lease_owner = ? AND state IN ('queued', 'retrying')`,
			string(o.State), o.NextAttempt.UnixNano(), o.Status, o.Error, o.Problem, o.UpstreamID, o.UpstreamID, delivered, id, node)
		if err != nil {
			return db.storeErr("finish delivery", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("delivery %d is not leased to %s: %w", id, node, api.ErrConflict)
		}
		switch o.State {
		case store.DeliveryRetrying:
			_, err = tx.ExecContext(ctx, holdBackSQL, id, o.NextAttempt.UnixNano())
		case store.DeliveryDelivered:
			_, err = tx.ExecContext(ctx, keepCategoryIDSQL, id)
		}
		if err != nil {
			return db.storeErr("finish delivery", err)
		}
		return nil
	})
}

// ReleaseLeases ends node's leases.
func (db *DB) ReleaseLeases(ctx context.Context, node string) error {
	return db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE relay_outbox SET lease_owner = '', lease_until = 0 WHERE lease_owner = ?`, node)
		if err != nil {
			return db.storeErr("release leases", err)
		}
		return nil
	})
}

// RetryDelivery puts a failed or conflicting delivery back in the queue.
func (db *DB) RetryDelivery(ctx context.Context, id int64, now time.Time) error {
	return db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE relay_outbox SET state = 'queued', next_attempt_at = ?
			WHERE id = ? AND state IN ('failed', 'conflict')`, now.UnixNano(), id)
		if err != nil {
			return db.storeErr("retry delivery", err)
		}
		if n, _ := res.RowsAffected(); n > 0 {
			return nil
		}
		var state string
		err = tx.QueryRowContext(ctx, `SELECT state FROM relay_outbox WHERE id = ?`, id).Scan(&state)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("delivery %d: %w", id, api.ErrNotFound)
		case err != nil:
			return db.storeErr("retry delivery", err)
		}
		return fmt.Errorf("delivery %d is %s, not failed or conflict: %w", id, state, api.ErrConflict)
	})
}

// GetDelivery returns one delivery.
func (db *DB) GetDelivery(ctx context.Context, id int64) (*store.Delivery, error) {
	if db.closed.Load() {
		return nil, errClosed
	}
	// Read on the writer's side of the WAL would need the writer; a reader
	// sees every committed claim, which is all a caller asks for.
	d, err := scanDelivery(db.reader.QueryRowContext(ctx, `SELECT `+deliveryColumns+` FROM relay_outbox WHERE id = ?`, id))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("delivery %d: %w", id, api.ErrNotFound)
	case err != nil:
		return nil, db.storeErr("get delivery", err)
	}
	return d, nil
}

// ListDeliveries returns the deliveries f selects, newest first.
func (db *DB) ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]store.Delivery, error) {
	if db.closed.Load() {
		return nil, errClosed
	}
	var where []string
	var args []any
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	if f.MSN != "" {
		where, args = append(where, "msn = ?"), append(args, f.MSN)
	}
	if f.OrderID != "" {
		where, args = append(where, "order_id = ?"), append(args, f.OrderID)
	}
	if f.LocalID != "" {
		where, args = append(where, "local_id = ?"), append(args, f.LocalID)
	}
	q := `SELECT ` + deliveryColumns + ` FROM relay_outbox`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := db.reader.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, db.storeErr("list deliveries", err)
	}
	defer rows.Close()
	var out []store.Delivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, db.storeErr("list deliveries", err)
		}
		out = append(out, *d)
	}
	if err := rows.Err(); err != nil {
		return nil, db.storeErr("list deliveries", err)
	}
	return out, nil
}

// CountDeliveries counts deliveries by state.
func (db *DB) CountDeliveries(ctx context.Context, msn string) (store.DeliveryCounts, error) {
	c := store.DeliveryCounts{States: map[store.DeliveryState]int{}}
	if db.closed.Load() {
		return c, errClosed
	}
	rows, err := db.reader.QueryContext(ctx, `SELECT state, count(*) FROM relay_outbox WHERE ?1 = '' OR msn = ?1 GROUP BY state`, msn)
	if err != nil {
		return c, db.storeErr("count deliveries", err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return c, db.storeErr("count deliveries", err)
		}
		c.States[store.DeliveryState(s)] = n
	}
	if err := rows.Err(); err != nil {
		return c, db.storeErr("count deliveries", err)
	}
	var oldest sql.Null[int64]
	if err := db.reader.QueryRowContext(ctx, `SELECT min(created_at) FROM relay_outbox WHERE state IN ('queued', 'retrying') AND (?1 = '' OR msn = ?1)`, msn).Scan(&oldest); err != nil {
		return c, db.storeErr("count deliveries", err)
	}
	if oldest.Valid {
		c.OldestPending = time.Unix(0, oldest.V).UTC()
	}
	return c, nil
}

// UpstreamCategoryID returns upstream's id of the relay's category localID.
func (db *DB) UpstreamCategoryID(ctx context.Context, msn, localID string) (*store.CategoryID, error) {
	if db.closed.Load() {
		return nil, errClosed
	}
	c := store.CategoryID{Key: store.OrderKey{MSN: msn}, LocalID: localID}
	var pt string
	err := db.reader.QueryRowContext(ctx, `SELECT upstream_id, payment_type, order_id FROM relay_category_ids WHERE msn = ? AND local_id = ?`,
		msn, localID).Scan(&c.UpstreamID, &pt, &c.Key.OrderID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("upstream id of category %s: %w", localID, api.ErrNotFound)
	case err != nil:
		return nil, db.storeErr("upstream category id", err)
	}
	c.Key.PaymentType = api.PaymentType(pt)
	return &c, nil
}

// LocalCategoryIDs maps upstream's category ids to the relay's own.
func (db *DB) LocalCategoryIDs(ctx context.Context, msn string, upstreamIDs []string) (map[string]string, error) {
	out := map[string]string{}
	if db.closed.Load() {
		return nil, errClosed
	}
	if len(upstreamIDs) == 0 {
		return out, nil
	}
	args := []any{msn}
	for _, id := range upstreamIDs {
		args = append(args, id)
	}
	rows, err := db.reader.QueryContext(ctx, `SELECT upstream_id, local_id FROM relay_category_ids WHERE msn = ? AND upstream_id IN (?`+
		strings.Repeat(", ?", len(upstreamIDs)-1)+`)`, args...)
	if err != nil {
		return nil, db.storeErr("local category ids", err)
	}
	defer rows.Close()
	for rows.Next() {
		var up, local string
		if err := rows.Scan(&up, &local); err != nil {
			return nil, db.storeErr("local category ids", err)
		}
		out[up] = local
	}
	if err := rows.Err(); err != nil {
		return nil, db.storeErr("local category ids", err)
	}
	return out, nil
}

// OrderPending reports whether a delivery of the order waits.
func (db *DB) OrderPending(ctx context.Context, msn, orderID string) (bool, error) {
	if db.closed.Load() {
		return false, errClosed
	}
	chains := store.OrderChains(orderID)
	var pending bool
	err := db.reader.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM relay_outbox
		WHERE msn = ? AND chain IN (?, ?) AND state IN ('queued', 'retrying'))`, msn, chains[0], chains[1]).Scan(&pending)
	if err != nil {
		return false, db.storeErr("order pending", err)
	}
	return pending, nil
}

// PruneDelivered deletes up to limit deliveries delivered before before.
func (db *DB) PruneDelivered(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int
	err := db.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		n = 0
		rows, err := tx.QueryContext(ctx, `DELETE FROM relay_outbox WHERE id IN (SELECT id FROM relay_outbox INDEXED BY relay_outbox_delivered
				WHERE state = 'delivered' AND delivered_at < ? ORDER BY delivered_at LIMIT ?)
			RETURNING msn, order_id, operation`, before.UnixNano(), limit)
		if err != nil {
			return db.storeErr("prune deliveries", err)
		}
		orders := map[[2]string]bool{}
		for rows.Next() {
			var msn, orderID, op string
			if err := rows.Scan(&msn, &orderID, &op); err != nil {
				rows.Close()
				return db.storeErr("prune deliveries", err)
			}
			n++
			if op != "addImage" && op != "addReceipt" {
				orders[[2]string{msn, orderID}] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return db.storeErr("prune deliveries", err)
		}
		// A category leaves the relay by a delete or a v2 PUT, each a
		// delivery of its order: once that one is pruned, the order's kept
		// ids are looked at again.
		for o := range orders {
			if _, err := tx.ExecContext(ctx, forgetCategoryIDsSQL, o[0], o[1]); err != nil {
				return db.storeErr("prune deliveries", err)
			}
		}
		return nil
	})
	return n, err
}

type scanner interface{ Scan(dest ...any) error }

func scanDelivery(s scanner) (*store.Delivery, error) {
	var (
		d                          store.Delivery
		pt, state                  string
		created, next, deliveredAt int64
	)
	err := s.Scan(&d.ID, &d.Operation, &d.MSN, &pt, &d.OrderID, &d.LocalID, &d.ImageID, &d.Body, &state, &created, &d.TraceID,
		&d.Attempts, &next, &d.LastStatus, &d.LastError, &d.LastProblem, &d.UpstreamID, &deliveredAt)
	if err != nil {
		return nil, err
	}
	d.PaymentType, d.State = api.PaymentType(pt), store.DeliveryState(state)
	d.CreatedAt, d.NextAttempt = time.Unix(0, created).UTC(), time.Unix(0, next).UTC()
	if deliveredAt != 0 {
		d.DeliveredAt = time.Unix(0, deliveredAt).UTC()
	}
	return &d, nil
}
