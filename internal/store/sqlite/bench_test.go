package sqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/sandbox"
	"github.com/ordermgmt/ordermgmt/internal/store"
	"github.com/ordermgmt/ordermgmt/internal/store/sqlite"
)

// benchBody is a typical small receipt.
var benchBody = []byte(`{"orderLines":[{"name":"Socks","id":"sku-1","totalAmount":12500,"totalAmountExcludingTax":10000,"totalTaxAmount":2500,"taxRate":2500}],"bottomLine":{"currency":"NOK","receiptNumber":"0001"}}`)

var benchMeta = store.Meta{
	CreatedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
	TraceID:   "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00",
	ClientID:  "bench",
	System:    store.System{Name: "bench", Version: "1"},
}

// BenchmarkAddReceipt measures durable receipt writes from many goroutines;
// each write is its own commit with a full sync.
func BenchmarkAddReceipt(b *testing.B) {
	db := open(b, filepath.Join(b.TempDir(), "ordermgmt.db"), sqlite.Options{})
	ctx := context.Background()
	var n atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := &store.Receipt{
				Key:  store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: fmt.Sprintf("order-%d", n.Add(1))},
				ID:   "receipt",
				Body: benchBody,
				Meta: benchMeta,
			}
			if err := db.AddReceipt(ctx, r); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkGetOrder measures GET order's read of orders that have two
// categories (a v2 one and a newer v3 one) and a receipt, from many
// goroutines.
func BenchmarkGetOrder(b *testing.B) {
	const orders = 1000
	db := open(b, filepath.Join(b.TempDir(), "ordermgmt.db"), sqlite.Options{})
	ctx := context.Background()
	key := func(i int64) store.OrderKey {
		return store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: fmt.Sprintf("order-%d", i%orders)}
	}
	for i := range int64(orders) {
		c := &store.Category{Key: key(i), ID: fmt.Sprint("category-", i), Category: api.Category{Category: api.CategoryReceipt, OrderDetailsURL: "https://shop.example/o"}, Meta: benchMeta}
		if err := db.PutCategory(ctx, c); err != nil {
			b.Fatal(err)
		}
		c3 := *c
		c3.ID = fmt.Sprint("category-v3-", i)
		if err := db.AddCategory(ctx, &c3); err != nil {
			b.Fatal(err)
		}
		if err := db.AddReceipt(ctx, &store.Receipt{Key: key(i), ID: "receipt", Body: benchBody, Meta: benchMeta}); err != nil {
			b.Fatal(err)
		}
	}
	// A sub-benchmark, so that the orders are stored once, not for every
	// b.N the framework tries.
	b.Run("get", func(b *testing.B) {
		b.ReportAllocs()
		var n atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				o, err := db.GetOrder(ctx, key(n.Add(1)))
				if err != nil {
					b.Fatal(err)
				}
				if o.Category == nil || o.Receipt == nil {
					b.Fatalf("GetOrder() = %+v, want both parts", o)
				}
			}
		})
	})
}

// BenchmarkAppendJournal measures the sandbox journal's write into a
// ring that keeps 10,000 entries and is full, so that every write also
// trims: "batch" appends pages of a full batch (1,024 entries of about
// 300 bytes, the size of a GET's entry), as a busy node writes them;
// "single" appends pages of one entry into a ring of 10,000 such pages,
// as a node writes for a merchant that sends a request now and then.
func BenchmarkAppendJournal(b *testing.B) {
	const entryBytes, keep = 300, 10_000
	for _, bc := range []struct {
		name    string
		perPage int
	}{{"batch", 1024}, {"single", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			db := open(b, filepath.Join(b.TempDir(), "ordermgmt.db"), sqlite.Options{})
			ctx := context.Background()
			data := bytes.Repeat([]byte("x"), bc.perPage*entryBytes)
			seq := int64(1)
			page := func() []sandbox.Page {
				p := sandbox.Page{MSN: "123456", ID: seq, First: seq, Last: seq + int64(bc.perPage) - 1, Count: bc.perPage, Data: data}
				seq += int64(bc.perPage)
				return []sandbox.Page{p}
			}
			// Fill the ring, in writes of many pages for speed.
			for n := 0; n < keep; {
				var pages []sandbox.Page
				for len(pages) < 500 && n < keep {
					pages = append(pages, page()[0])
					n += bc.perPage
				}
				if err := db.AppendJournal(ctx, pages, keep); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := db.AppendJournal(ctx, page(), keep); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*bc.perPage), "ns/entry")
		})
	}
}

// BenchmarkPutCategory measures v2 PUT category on orders that have one
// category already, as nearly every PUT finds them, from many goroutines
// (RunParallel's 2 × GOMAXPROCS with -cpu), so that writes share commits.
func BenchmarkPutCategory(b *testing.B) {
	const orders = 1000
	db := open(b, filepath.Join(b.TempDir(), "ordermgmt.db"), sqlite.Options{})
	ctx := context.Background()
	var n atomic.Int64
	put := func(i int64) error {
		key := store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: fmt.Sprintf("order-%d", i%orders)}
		c := &store.Category{Key: key, ID: fmt.Sprint("category-", i), Category: api.Category{Category: api.CategoryReceipt, OrderDetailsURL: "https://shop.example/o"}, Meta: benchMeta}
		return db.PutCategory(ctx, c)
	}
	for i := range int64(orders) {
		if err := put(i); err != nil {
			b.Fatal(err)
		}
	}
	n.Store(orders)
	b.Run("replace", func(b *testing.B) {
		b.ReportAllocs()
		b.SetParallelism(16)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := put(n.Add(1)); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
