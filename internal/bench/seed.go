package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/app"
	"github.com/ordermgmt/ordermgmt/internal/config"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// BulkLoader is implemented by stores that can write many orders in one
// transaction. Seeding uses it when the store has it; otherwise it writes
// order by order from many goroutines, which group commit batches too.
type BulkLoader interface {
	// BulkLoad stores the receipts and categories in as few transactions
	// as the store likes; it fails as a whole on any conflict.
	BulkLoad(ctx context.Context, receipts []*store.Receipt, categories []*store.Category) error
}

// seedBatch is how many orders one BulkLoad call writes.
const seedBatch = 10_000

// seedOrderID is the order id of seeded order i.
func seedOrderID(i int) string { return fmt.Sprintf("seed-%07d", i) }

// seedStore opens the store the server would open with args on dir and
// writes n orders, each with the bench's receipt and a category, straight
// through the store (no HTTP). It returns how long the writes took.
func seedStore(ctx context.Context, dir string, args []string, cred Credentials, n int, progress io.Writer) (time.Duration, error) {
	args = append([]string{"--addr", "127.0.0.1:0", "--data", dir}, args...)
	cfg, err := config.Load(args, func(string) string { return "" }, io.Discard)
	if err != nil {
		return 0, err
	}
	a, err := app.Start(ctx, cfg, nil)
	if err != nil {
		return 0, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		a.Shutdown(sctx)
	}()
	st := a.Store

	// The receipt is stored in the canonical form the server stores.
	rc, err := api.DecodeReceipt(receiptBody())
	if err != nil {
		return 0, fmt.Errorf("seed receipt: %w", err)
	}
	body, err := json.Marshal(rc)
	if err != nil {
		return 0, err
	}
	png, err := pngOfSize(logoSize, 1)
	if err != nil {
		return 0, err
	}
	info, params := api.CheckImageData(png)
	if len(params) > 0 {
		return 0, fmt.Errorf("seed image: %v", params)
	}
	t0 := time.Now()
	meta := func() store.Meta {
		return store.Meta{CreatedAt: time.Now().UTC(), TraceID: "00000000000000000000000000000000", ClientID: cred.ClientID,
			System: store.System{Name: "ordermgmt-bench", Version: "1.0"}}
	}
	err = st.PutImage(ctx, &store.Image{MSN: cred.MSN, ID: imageID, MediaType: info.MediaType,
		Width: info.Width, Height: info.Height, SHA512: "seed", Data: png, Meta: meta()})
	if err != nil && !isConflict(err) {
		return 0, fmt.Errorf("seed image: %w", err)
	}
	img := imageID
	order := func(i int) (*store.Receipt, *store.Category) {
		key := store.OrderKey{MSN: cred.MSN, PaymentType: api.PaymentType(paymentType), OrderID: seedOrderID(i)}
		m := meta()
		return &store.Receipt{Key: key, ID: seedUUID(2 * i), Body: body, Meta: m},
			&store.Category{Key: key, ID: seedUUID(2*i + 1), Meta: m, Category: api.Category{
				Category: api.CategoryType("DELIVERY"), OrderDetailsURL: "https://shop.example/orders/" + key.OrderID, ImageID: &img}}
	}

	var done atomic.Int64
	report := func() {
		if d := done.Load(); progress != nil && (d%(max(int64(n)/10, 1)) == 0 || d == int64(n)) {
			fmt.Fprintf(progress, "  seeded %d/%d orders (%.0f/s)\n", d, n, float64(d)/time.Since(t0).Seconds())
		}
	}
	if bl, ok := st.(BulkLoader); ok {
		for lo := 0; lo < n; lo += seedBatch {
			hi := min(lo+seedBatch, n)
			rs := make([]*store.Receipt, 0, hi-lo)
			cs := make([]*store.Category, 0, hi-lo)
			for i := lo; i < hi; i++ {
				r, c := order(i)
				rs, cs = append(rs, r), append(cs, c)
			}
			if err := bl.BulkLoad(ctx, rs, cs); err != nil {
				return 0, fmt.Errorf("seed orders %d..%d: %w", lo, hi-1, err)
			}
			for range hi - lo {
				done.Add(1)
				report()
			}
		}
		return time.Since(t0), nil
	}

	// Without a bulk path: many concurrent writers, which a group-committing
	// store turns into few transactions.
	const writers = 256
	var (
		wg    sync.WaitGroup
		next  atomic.Int64
		mu    sync.Mutex
		first error
	)
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				r, c := order(i)
				err := st.AddReceipt(ctx, r)
				if err == nil {
					err = st.PutCategory(ctx, c)
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("seed order %d: %w", i, err)
					}
					mu.Unlock()
					return
				}
				done.Add(1)
				report()
			}
		}()
	}
	wg.Wait()
	if first != nil {
		return 0, first
	}
	return time.Since(t0), ctx.Err()
}

func isConflict(err error) bool { return errors.Is(err, api.ErrConflict) }

// seedUUID is a version-4-shaped UUID made from i, unique per seeded row.
func seedUUID(i int) string {
	return fmt.Sprintf("5eed0000-0000-4000-8000-%012x", i)
}
