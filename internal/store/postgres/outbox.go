package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

var _ store.Outbox = (*DB)(nil)

const (
	deliveryColumns = `id, operation, msn, payment_type, order_id, local_id, image_id, body, state, created_at, trace_id,
		attempts, next_attempt_at, last_status, last_error, last_problem, upstream_id, delivered_at`

	// claimSQL leases pending deliveries whose time has come and whose
	// lease has ended, and that no earlier pending delivery of the same
	// chain, nor the image delivery they name, holds back. SKIP LOCKED lets
	// nodes claiming at once take different rows instead of waiting.
	claimSQL = `UPDATE relay_outbox SET lease_owner = $3, lease_until = $4, attempts = attempts + 1
		WHERE id IN (SELECT id FROM relay_outbox AS o
			WHERE state IN ('queued', 'retrying') AND next_attempt_at <= $1 AND lease_until <= $1
			AND NOT EXISTS (SELECT 1 FROM relay_outbox AS e
				WHERE e.state IN ('queued', 'retrying') AND e.msn = o.msn AND e.chain = o.chain AND e.id < o.id)
			AND NOT EXISTS (SELECT 1 FROM relay_outbox AS e
				WHERE e.id = o.depends_on AND e.state IN ('queued', 'retrying'))
			ORDER BY next_attempt_at, id LIMIT $2
			FOR UPDATE OF o SKIP LOCKED)
		RETURNING ` + deliveryColumns

	// holdBackSQL puts off, to $2, the pending deliveries held back behind
	// delivery $1: the later ones of its chain, the categories that name
	// its image and the later ones of theirs. None can go first, and a
	// held-back delivery that is not due is outside the claim's range
	// instead of walked by every claim until $1 is delivered. It is a hint
	// for the claim, which checks the order itself, so a write queued
	// meanwhile on another node costs time, never order.
	holdBackSQL = `WITH heads (msn, chain, first) AS (
			SELECT msn, chain, id + 1 FROM relay_outbox WHERE id = $1
			UNION ALL
			SELECT msn, chain, id FROM relay_outbox WHERE depends_on = $1 AND state IN ('queued', 'retrying'))
		UPDATE relay_outbox SET next_attempt_at = $2
		WHERE next_attempt_at < $2 AND id IN (SELECT f.id FROM heads JOIN relay_outbox AS f
			ON f.msn = heads.msn AND f.chain = heads.chain AND f.id >= heads.first AND f.state IN ('queued', 'retrying'))`

	// keepCategoryIDSQL keeps upstream's id of the category delivery $1
	// delivered, for reads and deletes after the delivery is pruned.
	keepCategoryIDSQL = `INSERT INTO relay_category_ids (msn, local_id, upstream_id, payment_type, order_id)
		SELECT msn, local_id, upstream_id, payment_type, order_id FROM relay_outbox
		WHERE id = $1 AND operation IN ('addCategory', 'putCategory') AND upstream_id <> ''
		ON CONFLICT (msn, local_id) DO UPDATE SET upstream_id = excluded.upstream_id`

	// pruneSQL deletes up to $2 deliveries delivered before $1, oldest
	// first; nodes pruning at once take different rows. Then it drops the
	// kept category ids of the pruned deliveries' orders whose category is
	// gone at the relay and that no delivery of a delete still needs (a
	// failed one may be retried): a category leaves the relay by a delete
	// or a v2 PUT, each a delivery of its order.
	pruneSQL = `WITH p AS (DELETE FROM relay_outbox WHERE id IN (SELECT id FROM relay_outbox
			WHERE state = 'delivered' AND delivered_at < $1 ORDER BY delivered_at LIMIT $2 FOR UPDATE SKIP LOCKED)
		RETURNING msn, order_id, operation),
	f AS (DELETE FROM relay_category_ids AS m
		USING (SELECT DISTINCT msn, order_id FROM p WHERE operation NOT IN ('addImage', 'addReceipt')) AS o
		WHERE m.msn = o.msn AND m.order_id = o.order_id
		AND NOT EXISTS (SELECT 1 FROM categories AS c WHERE c.id = m.local_id AND c.msn = m.msn)
		AND NOT EXISTS (SELECT 1 FROM relay_outbox AS d
			WHERE d.msn = m.msn AND d.operation = 'deleteCategory' AND d.local_id = m.local_id AND d.state <> 'delivered'))
	SELECT count(*) FROM p`
)

// enqueueSQL adds a delivery, with the values of deliveryArgs, inside a
// transaction of its write.
var enqueueSQL = `INSERT INTO relay_outbox (operation, msn, payment_type, order_id, chain, local_id, image_id, body,
		depends_on, state, created_at, trace_id, next_attempt_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
		(SELECT max(id) FROM relay_outbox WHERE msn = $2 AND operation = 'addImage' AND local_id = $7 AND $7 <> ''),
		'queued', $9, $10, $9)
	ON CONFLICT (msn, operation, local_id) DO NOTHING`

// deleteWithOutboxSQL deletes a category ($1, of merchant $2) and adds its
// delivery, in the chain of the category's order (store.DeliveryChain),
// at $3. It affects no row when there is no such category.
const deleteWithOutboxSQL = `WITH w AS (DELETE FROM categories WHERE id = $1 AND msn = $2 RETURNING payment_type, order_id)
	INSERT INTO relay_outbox (operation, msn, payment_type, order_id, chain, local_id, image_id, body,
		state, created_at, trace_id, next_attempt_at)
	SELECT 'deleteCategory', $2::text, w.payment_type, w.order_id, w.payment_type || '/' || w.order_id, $1::text, '', NULL,
		'queued', $3::bigint, '', $3::bigint
	FROM w
	ON CONFLICT (msn, operation, local_id) DO NOTHING`

// withOutbox turns insert, a statement of n parameters, into one that also
// adds a delivery to the outbox when it writes a row: both commit or
// neither. The delivery's values follow insert's parameters.
func withOutbox(insert string, n int) string {
	p := func(i int) string { return "$" + strconv.Itoa(n+i) }
	return `WITH w AS (` + insert + ` RETURNING 1)
		INSERT INTO relay_outbox (operation, msn, payment_type, order_id, chain, local_id, image_id, body,
			depends_on, state, created_at, trace_id, next_attempt_at)
		SELECT ` + p(1) + `::text, ` + p(2) + `::text, ` + p(3) + `::text, ` + p(4) + `::text, ` + p(5) + `::text, ` + p(6) + `::text, ` + p(7) + `::text, ` + p(8) + `::bytea,
			(SELECT max(id) FROM relay_outbox WHERE msn = ` + p(2) + ` AND operation = 'addImage' AND local_id = ` + p(7) + ` AND ` + p(7) + ` <> ''),
			'queued', ` + p(9) + `::bigint, ` + p(10) + `::text, ` + p(9) + `::bigint
		FROM w
		ON CONFLICT (msn, operation, local_id) DO NOTHING`
}

// deliveryArgs are the outbox values of withOutbox.
func deliveryArgs(d *store.Delivery, createdAt time.Time) []any {
	return []any{d.Operation, d.MSN, string(d.PaymentType), d.OrderID, d.Chain(), d.LocalID, d.ImageID, d.Body,
		createdAt.UnixNano(), d.TraceID}
}

// ClaimDeliveries leases up to limit deliveries to node.
func (db *DB) ClaimDeliveries(ctx context.Context, node string, now time.Time, lease time.Duration, limit int) ([]store.Delivery, error) {
	var out []store.Delivery
	err := db.run(ctx, "claim deliveries", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, claimSQL, now.UnixNano(), limit, node, now.Add(lease).UnixNano())
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, *d)
		}
		return rows.Err()
	})
	return out, err
}

// FinishDelivery records an attempt's outcome if node still holds the lease.
func (db *DB) FinishDelivery(ctx context.Context, id int64, node string, o store.DeliveryOutcome) error {
	var delivered int64
	if o.State == store.DeliveryDelivered {
		delivered = o.At.UnixNano()
	}
	return db.run(ctx, "finish delivery", func(ctx context.Context) error {
		return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `UPDATE relay_outbox SET state = $1, next_attempt_at = $2, last_status = $3, last_error = $4,
					last_problem = $5, upstream_id = CASE WHEN $6 <> '' THEN $6 ELSE upstream_id END, delivered_at = $7, lease_owner = '', lease_until = 0
				WHERE id = $8 AND lease_owner = $9 AND state IN ('queued', 'retrying')`,
				string(o.State), o.NextAttempt.UnixNano(), o.Status, o.Error, o.Problem, o.UpstreamID, delivered, id, node)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return fmt.Errorf("delivery %d is not leased to %s: %w", id, node, api.ErrConflict)
			}
			switch o.State {
			case store.DeliveryRetrying:
				_, err = tx.Exec(ctx, holdBackSQL, id, o.NextAttempt.UnixNano())
			case store.DeliveryDelivered:
				_, err = tx.Exec(ctx, keepCategoryIDSQL, id)
			}
			return err
		})
	})
}

// ReleaseLeases ends node's leases.
func (db *DB) ReleaseLeases(ctx context.Context, node string) error {
	return db.run(ctx, "release leases", func(ctx context.Context) error {
		_, err := db.pool.Exec(ctx, `UPDATE relay_outbox SET lease_owner = '', lease_until = 0 WHERE lease_owner = $1`, node)
		return err
	})
}

// RetryDelivery puts a failed or conflicting delivery back in the queue.
func (db *DB) RetryDelivery(ctx context.Context, id int64, now time.Time) error {
	return db.run(ctx, "retry delivery", func(ctx context.Context) error {
		tag, err := db.pool.Exec(ctx, `UPDATE relay_outbox SET state = 'queued', next_attempt_at = $1
			WHERE id = $2 AND state IN ('failed', 'conflict')`, now.UnixNano(), id)
		if err != nil {
			return err
		}
		if tag.RowsAffected() > 0 {
			return nil
		}
		var state string
		err = db.pool.QueryRow(ctx, `SELECT state FROM relay_outbox WHERE id = $1`, id).Scan(&state)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("delivery %d: %w", id, api.ErrNotFound)
		case err != nil:
			return err
		}
		return fmt.Errorf("delivery %d is %s, not failed or conflict: %w", id, state, api.ErrConflict)
	})
}

// GetDelivery returns one delivery.
func (db *DB) GetDelivery(ctx context.Context, id int64) (*store.Delivery, error) {
	var d *store.Delivery
	err := db.run(ctx, "get delivery", func(ctx context.Context) error {
		var err error
		d, err = scanDelivery(db.pool.QueryRow(ctx, `SELECT `+deliveryColumns+` FROM relay_outbox WHERE id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("delivery %d: %w", id, api.ErrNotFound)
		}
		return err
	})
	return d, err
}

// ListDeliveries returns the deliveries f selects, newest first.
func (db *DB) ListDeliveries(ctx context.Context, f store.DeliveryFilter) ([]store.Delivery, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, cond+" = $"+strconv.Itoa(len(args)))
	}
	if f.State != "" {
		add("state", string(f.State))
	}
	if f.MSN != "" {
		add("msn", f.MSN)
	}
	if f.OrderID != "" {
		add("order_id", f.OrderID)
	}
	if f.LocalID != "" {
		add("local_id", f.LocalID)
	}
	q := `SELECT ` + deliveryColumns + ` FROM relay_outbox`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	args = append(args, limit)
	q += " ORDER BY id DESC LIMIT $" + strconv.Itoa(len(args))
	var out []store.Delivery
	err := db.run(ctx, "list deliveries", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, *d)
		}
		return rows.Err()
	})
	return out, err
}

// CountDeliveries counts deliveries by state.
func (db *DB) CountDeliveries(ctx context.Context, msn string) (store.DeliveryCounts, error) {
	var c store.DeliveryCounts
	err := db.run(ctx, "count deliveries", func(ctx context.Context) error {
		c = store.DeliveryCounts{States: map[store.DeliveryState]int{}}
		rows, err := db.pool.Query(ctx, `SELECT state, count(*) FROM relay_outbox WHERE $1 = '' OR msn = $1 GROUP BY state`, msn)
		if err != nil {
			return err
		}
		for rows.Next() {
			var s string
			var n int
			if err := rows.Scan(&s, &n); err != nil {
				rows.Close()
				return err
			}
			c.States[store.DeliveryState(s)] = n
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var oldest *int64
		if err := db.pool.QueryRow(ctx, `SELECT min(created_at) FROM relay_outbox WHERE state IN ('queued', 'retrying') AND ($1 = '' OR msn = $1)`, msn).Scan(&oldest); err != nil {
			return err
		}
		if oldest != nil {
			c.OldestPending = time.Unix(0, *oldest).UTC()
		}
		return nil
	})
	return c, err
}

// UpstreamCategoryID returns upstream's id of the relay's category localID.
func (db *DB) UpstreamCategoryID(ctx context.Context, msn, localID string) (*store.CategoryID, error) {
	c := store.CategoryID{Key: store.OrderKey{MSN: msn}, LocalID: localID}
	err := db.run(ctx, "upstream category id", func(ctx context.Context) error {
		var pt string
		err := db.pool.QueryRow(ctx, `SELECT upstream_id, payment_type, order_id FROM relay_category_ids WHERE msn = $1 AND local_id = $2`,
			msn, localID).Scan(&c.UpstreamID, &pt, &c.Key.OrderID)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("upstream id of category %s: %w", localID, api.ErrNotFound)
		}
		c.Key.PaymentType = api.PaymentType(pt)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// LocalCategoryIDs maps upstream's category ids to the relay's own.
func (db *DB) LocalCategoryIDs(ctx context.Context, msn string, upstreamIDs []string) (map[string]string, error) {
	var out map[string]string
	err := db.run(ctx, "local category ids", func(ctx context.Context) error {
		out = map[string]string{}
		rows, err := db.pool.Query(ctx, `SELECT upstream_id, local_id FROM relay_category_ids WHERE msn = $1 AND upstream_id = ANY($2)`, msn, upstreamIDs)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var up, local string
			if err := rows.Scan(&up, &local); err != nil {
				return err
			}
			out[up] = local
		}
		return rows.Err()
	})
	return out, err
}

// OrderPending reports whether a delivery of the order waits.
func (db *DB) OrderPending(ctx context.Context, msn, orderID string) (bool, error) {
	var pending bool
	err := db.run(ctx, "order pending", func(ctx context.Context) error {
		return db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM relay_outbox
			WHERE msn = $1 AND chain = ANY($2) AND state IN ('queued', 'retrying'))`, msn, store.OrderChains(orderID)).Scan(&pending)
	})
	return pending, err
}

// PruneDelivered deletes up to limit deliveries delivered before before.
func (db *DB) PruneDelivered(ctx context.Context, before time.Time, limit int) (int, error) {
	var n int
	err := db.run(ctx, "prune deliveries", func(ctx context.Context) error {
		return db.pool.QueryRow(ctx, pruneSQL, before.UnixNano(), limit).Scan(&n)
	})
	return n, err
}

func scanDelivery(s pgx.Row) (*store.Delivery, error) {
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
