package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
	"github.com/ordermgmt/ordermgmt/internal/store/storetest"
)

// TestStoreCommitPerRequest runs the conformance suite with group commit
// off: both modes must behave the same.
func TestStoreCommitPerRequest(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ordermgmt.db")
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := Open(t.Context(), path, Options{CommitPerRequest: true})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// holdWriter starts a write that blocks the writer goroutine until the
// returned function is called, so that the writes queued meanwhile form
// one batch.
func holdWriter(t *testing.T, db *DB) (release func()) {
	t.Helper()
	started, hold := make(chan struct{}), make(chan struct{})
	go db.write(t.Context(), func(context.Context, *sql.Tx) error {
		close(started)
		<-hold
		return nil
	})
	<-started
	return func() { close(hold) }
}

// queued waits until n writes are queued.
func queued(db *DB, n int) {
	for len(db.queue) < n {
		runtime.Gosched()
	}
}

// TestGroupCommitBatch checks that writes queued together share one
// commit and that a conflicting write fails alone: 10 orders each get two
// receipts in one batch, and exactly one of each pair wins.
func TestGroupCommitBatch(t *testing.T) {
	db := openTest(t)
	const orders = 10
	release := holdWriter(t, db)
	before := db.commits.Load()

	var wg sync.WaitGroup
	errs := make([]error, 2*orders)
	for i := range 2 * orders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: fmt.Sprint("o-", i%orders)}
			errs[i] = db.AddReceipt(t.Context(), &store.Receipt{Key: key, ID: fmt.Sprint("r-", i), Body: []byte(`{}`)})
		}()
	}
	queued(db, 2*orders)
	release()
	wg.Wait()

	for i := range orders {
		a, b := errs[i], errs[i+orders]
		conflicts := 0
		for _, err := range []error{a, b} {
			switch {
			case errors.Is(err, api.ErrConflict):
				conflicts++
			case err != nil:
				t.Errorf("AddReceipt(o-%d) = %v, want nil or api.ErrConflict", i, err)
			}
		}
		if conflicts != 1 {
			t.Errorf("receipts for o-%d: errors %v and %v, want exactly one api.ErrConflict", i, a, b)
		}
		key := store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: fmt.Sprint("o-", i)}
		if _, err := db.GetOrder(t.Context(), key); err != nil {
			t.Errorf("GetOrder(o-%d) = %v, want the committed receipt", i, err)
		}
	}
	// The held write's commit, then the 20 queued writes in one batch.
	if got := db.commits.Load() - before; got != 2 {
		t.Errorf("commits = %d, want 2 (the held write and one batch)", got)
	}
}

// TestCommitPerRequestDoesNotBatch checks the comparison mode: every
// write is a commit of its own.
func TestCommitPerRequestDoesNotBatch(t *testing.T) {
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "ordermgmt.db"), Options{CommitPerRequest: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	release := holdWriter(t, db)
	before := db.commits.Load()
	var wg sync.WaitGroup
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: fmt.Sprint("o-", i)}
			if err := db.AddReceipt(t.Context(), &store.Receipt{Key: key, ID: "r", Body: []byte(`{}`)}); err != nil {
				t.Errorf("AddReceipt(o-%d) = %v", i, err)
			}
		}()
	}
	queued(db, 5)
	release()
	wg.Wait()
	if got := db.commits.Load() - before; got != 6 {
		t.Errorf("commits = %d, want 6 (one per write)", got)
	}
}

// TestGroupCommitTransactionLost checks the case where a write's failure
// ends the whole transaction (as a full disk or an I/O error does): that
// write gets its error and the others of the batch still commit, whether
// the write ran in a savepoint (write) or as one statement (writeOne).
func TestGroupCommitTransactionLost(t *testing.T) {
	for _, mode := range []struct {
		name  string
		write func(*DB) func(context.Context, writeFunc) error
	}{
		{"savepoint", func(db *DB) func(context.Context, writeFunc) error { return db.write }},
		{"one statement", func(db *DB) func(context.Context, writeFunc) error { return db.writeOne }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			db := openTest(t)
			release := holdWriter(t, db)
			key := func(i int) store.OrderKey {
				return store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: fmt.Sprint("o-", i)}
			}
			errLost := errors.New("transaction lost")
			var wg sync.WaitGroup
			errs := make([]error, 5)
			for i := range 5 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if i == 2 {
						errs[i] = mode.write(db)(t.Context(), func(ctx context.Context, tx *sql.Tx) error {
							// Ending the transaction from inside, as SQLite does
							// on some errors.
							if _, err := tx.ExecContext(ctx, "ROLLBACK"); err != nil {
								return err
							}
							return errLost
						})
						return
					}
					errs[i] = db.AddReceipt(t.Context(), &store.Receipt{Key: key(i), ID: "r", Body: []byte(`{}`)})
				}()
			}
			queued(db, 5)
			release()
			wg.Wait()
			for i, err := range errs {
				if i == 2 {
					if !errors.Is(err, errLost) {
						t.Errorf("failing write = %v, want its own error", err)
					}
					continue
				}
				if err != nil {
					t.Errorf("AddReceipt(o-%d) = %v, want nil", i, err)
				}
				if _, err := db.GetOrder(t.Context(), key(i)); err != nil {
					t.Errorf("GetOrder(o-%d) = %v, want the committed receipt", i, err)
				}
			}
		})
	}
}

// TestGroupCommitConstraintFailsAlone checks that a one-statement write
// that breaks a constraint (a category naming a missing image) fails alone
// in its batch: the writes before and after it commit, and it leaves
// nothing behind.
func TestGroupCommitConstraintFailsAlone(t *testing.T) {
	db := openTest(t)
	release := holdWriter(t, db)
	key := func(i int) store.OrderKey {
		return store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: fmt.Sprint("o-", i)}
	}
	missing := "no-such-image"
	var wg sync.WaitGroup
	errs := make([]error, 5)
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 2 {
				errs[i] = db.PutCategory(t.Context(), &store.Category{Key: key(i), ID: "c",
					Category: api.Category{Category: api.CategoryReceipt, OrderDetailsURL: "https://shop.example/o", ImageID: &missing}})
				return
			}
			errs[i] = db.AddReceipt(t.Context(), &store.Receipt{Key: key(i), ID: "r", Body: []byte(`{}`)})
		}()
	}
	queued(db, 5)
	release()
	wg.Wait()
	for i, err := range errs {
		_, gerr := db.GetOrder(t.Context(), key(i))
		if i == 2 {
			if !errors.Is(err, api.ErrInvalid) {
				t.Errorf("PutCategory(missing image) = %v, want api.ErrInvalid", err)
			}
			if !errors.Is(gerr, api.ErrNotFound) {
				t.Errorf("GetOrder(o-2) = %v, want api.ErrNotFound: the refused category left a row", gerr)
			}
			continue
		}
		if err != nil {
			t.Errorf("AddReceipt(o-%d) = %v, want nil", i, err)
		}
		if gerr != nil {
			t.Errorf("GetOrder(o-%d) = %v, want the committed receipt", i, gerr)
		}
	}
}

// TestCloseFinishesQueuedWrites checks that Close lets queued writes
// commit and that writes after Close fail.
func TestCloseFinishesQueuedWrites(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ordermgmt.db")
	db, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	release := holdWriter(t, db)
	key := store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: "o-1"}
	done := make(chan error)
	go func() { done <- db.AddReceipt(t.Context(), &store.Receipt{Key: key, ID: "r", Body: []byte(`{}`)}) }()
	queued(db, 1)
	closed := make(chan error)
	go func() { closed <- db.Close() }()
	release()
	if err := <-done; err != nil {
		t.Errorf("AddReceipt queued before Close = %v, want nil", err)
	}
	if err := <-closed; err != nil {
		t.Errorf("Close = %v", err)
	}
	if err := db.AddReceipt(t.Context(), &store.Receipt{Key: key, ID: "r2", Body: []byte(`{}`)}); !errors.Is(err, api.ErrUnavailable) {
		t.Errorf("AddReceipt after Close = %v, want api.ErrUnavailable", err)
	}

	db2, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if _, err := db2.GetOrder(t.Context(), key); err != nil {
		t.Errorf("GetOrder after reopening = %v, want the receipt written before Close", err)
	}
}

// TestBulkLoad checks that a bulk load stores everything, and that a
// conflict stores nothing of its call.
func TestBulkLoad(t *testing.T) {
	db := openTest(t)
	ctx := t.Context()
	key := func(i int) store.OrderKey {
		return store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: fmt.Sprint("o-", i)}
	}
	var rs []*store.Receipt
	var cs []*store.Category
	for i := range 100 {
		rs = append(rs, &store.Receipt{Key: key(i), ID: fmt.Sprint("r-", i), Body: []byte(`{"i":1}`)})
		cs = append(cs, &store.Category{Key: key(i), ID: fmt.Sprint("c-", i),
			Category: api.Category{Category: api.CategoryReceipt, OrderDetailsURL: "https://shop.example/o"}})
	}
	if err := db.BulkLoad(ctx, rs, cs); err != nil {
		t.Fatalf("BulkLoad = %v", err)
	}
	for i := range 100 {
		o, err := db.GetOrder(ctx, key(i))
		if err != nil || o.Receipt == nil || o.Category == nil {
			t.Fatalf("GetOrder(o-%d) = %+v, %v; want both parts", i, o, err)
		}
	}
	// o-99 exists already: the whole second call fails.
	again := []*store.Receipt{
		{Key: key(100), ID: "r-100", Body: []byte(`{}`)},
		{Key: key(99), ID: "r-99b", Body: []byte(`{}`)},
	}
	if err := db.BulkLoad(ctx, again, nil); !errors.Is(err, api.ErrConflict) {
		t.Errorf("BulkLoad with an existing receipt = %v, want api.ErrConflict", err)
	}
	if _, err := db.GetOrder(ctx, key(100)); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("GetOrder(o-100) after a failed bulk load = %v, want api.ErrNotFound", err)
	}
}
