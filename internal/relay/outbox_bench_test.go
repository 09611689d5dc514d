package relay_test

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ordermgmt/ordermgmt/internal/store"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres/pgtest"
	"github.com/ordermgmt/ordermgmt/internal/store/sqlite"
)

// backlogSQL adds the writes of orders 1..n to the outbox, as a relay accepts
// while upstream is down: an image, then a category and a receipt
// behind it in the order's chain, all due at once. %[1]s names the rows
// 1..n of the store's series. The text suits both stores.
const backlogSQL = `INSERT INTO relay_outbox (operation, msn, payment_type, order_id, chain, local_id, image_id, body,
		state, created_at, trace_id, next_attempt_at)
	SELECT op, '123456', 'ECOM', 'o' || i, CASE WHEN op = 'addImage' THEN 'image/' ELSE 'ECOM/' END || 'o' || i, op || i, '', NULL,
		'queued', 1000 + i, '', 1000 + i
	FROM %[1]s, (SELECT 'addImage' AS op UNION ALL SELECT 'putCategory' UNION ALL SELECT 'addReceipt') AS w`

// freeSQL adds receipts of orders of their own, accepted after the
// outage and free to claim.
const freeSQL = `INSERT INTO relay_outbox (operation, msn, payment_type, order_id, chain, local_id, image_id, body,
		state, created_at, trace_id, next_attempt_at)
	SELECT 'addReceipt', '123456', 'ECOM', 'f' || i, 'ECOM/f' || i, 'free' || i, '', NULL, 'queued', 500000000 + i, '', 500000000 + i
	FROM %[1]s`

// dependsSQL makes each category wait for its order's image.
const dependsSQL = `UPDATE relay_outbox SET depends_on = (SELECT m.id FROM relay_outbox AS m
		WHERE m.operation = 'addImage' AND m.order_id = relay_outbox.order_id)
	WHERE operation = 'putCategory'`

// BenchmarkOutboxDelivery measures one delivery's work in the outbox (a
// claim, then its outcome recorded) on each store, behind a backlog of
// two sizes: orders whose image upstream refused with a 5xx, each with
// two writes held back behind it. The cost per delivery should not grow
// with the backlog.
func BenchmarkOutboxDelivery(b *testing.B) {
	for _, pg := range []bool{false, true} {
		for _, held := range []int{1000, 10000} {
			name := fmt.Sprintf("sqlite/held=%d", held)
			if pg {
				name = fmt.Sprintf("postgres/held=%d", held)
			}
			b.Run(name, func(b *testing.B) { benchDelivery(b, pg, held) })
		}
	}
}

func benchDelivery(b *testing.B, pg bool, held int) {
	ctx := context.Background()
	now := time.Unix(0, 1_000_000_000)
	var ob store.Outbox
	var exec func(q string)
	var series func(n int) string
	if pg {
		schema := pgtest.New(b)
		db, err := postgres.Open(ctx, schema.URL, postgres.Options{Outbox: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		conn, err := pgx.Connect(ctx, schema.URL)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(ctx)
		exec = func(q string) {
			if _, err := conn.Exec(ctx, q); err != nil {
				b.Fatal(err)
			}
			if _, err := conn.Exec(ctx, "ANALYZE relay_outbox"); err != nil {
				b.Fatal(err)
			}
		}
		series = func(n int) string { return fmt.Sprintf("generate_series(1, %d) AS s(i)", n) }
		ob = db
	} else {
		path := filepath.Join(b.TempDir(), "o.db")
		db, err := sqlite.Open(ctx, path, sqlite.Options{Outbox: true})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		raw, err := sql.Open("sqlite", path)
		if err != nil {
			b.Fatal(err)
		}
		defer raw.Close()
		exec = func(q string) {
			if _, err := raw.ExecContext(ctx, q); err != nil {
				b.Fatal(err)
			}
		}
		series = func(n int) string {
			return fmt.Sprintf("(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d) SELECT i FROM s) AS s", n)
		}
		ob = db
	}
	// The outage: every image is tried once and comes back with a 503.
	exec(fmt.Sprintf(backlogSQL, series(held)))
	exec(dependsSQL)
	heads, err := ob.ClaimDeliveries(ctx, "outage", now, time.Minute, 2*held)
	if err != nil || len(heads) != held {
		b.Fatalf("claim of the images = %d deliveries, %v; want %d", len(heads), err, held)
	}
	for _, d := range heads {
		o := store.DeliveryOutcome{State: store.DeliveryRetrying, NextAttempt: now.Add(time.Hour), Status: 503, At: now}
		if err := ob.FinishDelivery(ctx, d.ID, "outage", o); err != nil {
			b.Fatal(err)
		}
	}
	exec(fmt.Sprintf(freeSQL, series(b.N)))
	b.ResetTimer()
	for range b.N {
		ds, err := ob.ClaimDeliveries(ctx, "bench", now, time.Minute, 1)
		if err != nil || len(ds) != 1 || ds[0].Operation != "addReceipt" || ds[0].OrderID[0] != 'f' {
			b.Fatalf("claim = %+v, %v; want one free receipt", ds, err)
		}
		if err := ob.FinishDelivery(ctx, ds[0].ID, "bench", store.DeliveryOutcome{State: store.DeliveryDelivered, At: now}); err != nil {
			b.Fatal(err)
		}
	}
}
