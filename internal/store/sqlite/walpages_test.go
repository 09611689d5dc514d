package sqlite

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// BenchmarkWALPages counts the pages one write's commit appends to the
// orders' WAL, as wal-pages/op: the one writer's time per commit (a
// pwrite for every page, then the fsync) grows with them, and unlike a
// time the count is the same from run to run. Writes run one at a time, a
// commit each, on a store of 1,000 orders with one category each;
// automatic checkpoints are off while they run, so the WAL only grows.
// "receipt" stores a new order's receipt (2 KB); "put-category" replaces an
// order's only category (v2 PUT: its row, and the id index, where the old
// id leaves and the new one arrives); "add-category" adds one more to an
// order (v3 POST).
func BenchmarkWALPages(b *testing.B) {
	const orders = 1000
	ctx := context.Background()
	walMeta := store.Meta{TraceID: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00", ClientID: "bench", System: store.System{Name: "bench", Version: "1"}}
	key := func(i int) store.OrderKey {
		return store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: fmt.Sprintf("order-%d", i)}
	}
	category := func(i int) *store.Category {
		return &store.Category{Key: key(i % orders), ID: uuid.NewString(), Meta: walMeta,
			Category: api.Category{Category: api.CategoryDelivery, OrderDetailsURL: "https://shop.example/orders/1"}}
	}
	for _, bc := range []struct {
		name  string
		write func(db *DB, i int) error
	}{
		{"receipt", func(db *DB, i int) error {
			return db.AddReceipt(ctx, &store.Receipt{Key: key(orders + i), ID: uuid.NewString(), Body: walReceipt, Meta: walMeta})
		}},
		{"put-category", func(db *DB, i int) error { return db.PutCategory(ctx, category(i)) }},
		{"add-category", func(db *DB, i int) error { return db.AddCategory(ctx, category(i)) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			db := openTest(b)
			for i := range orders {
				if err := db.PutCategory(ctx, category(i)); err != nil {
					b.Fatal(err)
				}
			}
			var pageSize int64
			if err := db.writer.QueryRowContext(ctx, "PRAGMA page_size").Scan(&pageSize); err != nil {
				b.Fatal(err)
			}
			for _, q := range []string{"PRAGMA wal_checkpoint(TRUNCATE)", "PRAGMA wal_autocheckpoint = 0"} {
				if _, err := db.writer.ExecContext(ctx, q); err != nil {
					b.Fatal(err)
				}
			}
			i := 0
			for b.Loop() {
				if err := bc.write(db, i); err != nil {
					b.Fatal(err)
				}
				i++
			}
			st, err := os.Stat(db.path + "-wal")
			if err != nil {
				b.Fatal(err)
			}
			const walHeader, frameHeader = 32, 24
			b.ReportMetric(float64(st.Size()-walHeader)/float64(pageSize+frameHeader)/float64(b.N), "wal-pages/op")
		})
	}
}

// walReceipt is a receipt's JSON of 2 KB, the size ordermgmt bench sends.
var walReceipt = []byte(`{"pad":"` + strings.Repeat("x", 2048-len(`{"pad":""}`)) + `"}`)
