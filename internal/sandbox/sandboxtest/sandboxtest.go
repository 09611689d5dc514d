// Package sandboxtest is the conformance suite of sandbox.Store, run
// against every store that implements it, in the style of storetest.
//
// Every test works under merchant numbers of its own, drawn at random, so
// the suite may run on a database that other runs share.
package sandboxtest

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/sandbox"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// Store is what the suite tests: a store with the sandbox's methods.
type Store interface {
	store.Store
	sandbox.Store
}

// Run runs the suite on the stores open returns. Every call of open must
// return a ready store on the same data, as for storetest.Run.
func Run(t *testing.T, open func(t *testing.T) Store) {
	t.Helper()
	s := open(t)
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"FaultRoundTrip", testFaultRoundTrip},
		{"FaultLimit", testFaultLimit},
		{"FaultCounters", testFaultCounters},
		{"FaultsCleared", testFaultsCleared},
		{"JournalRing", testJournalRing},
		{"JournalPages", testJournalPages},
		{"JournalTrim", testJournalTrim},
		{"Reset", testReset},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, s) })
	}
	t.Run("Reopen", func(t *testing.T) { testReopen(t, s, open) })
}

func newMSN() string { return strconv.Itoa(1_000_000 + rand.IntN(9_000_000)) }

func newFault(id string, count int) *api.Fault {
	seed := int64(7)
	return &api.Fault{
		FaultID: id, Operation: "addReceipt", OrderID: "order-1*", When: api.FaultAfter,
		Status: 502, RetryAfter: 2, DelayMs: 10, Count: count, Probability: 0.5, Seed: &seed,
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC),
	}
}

func newID(prefix string) string { return prefix + "-" + strconv.FormatUint(rand.Uint64(), 36) }

func wantKind(t *testing.T, what string, err error, kind *api.Kind) {
	t.Helper()
	if !errors.Is(err, kind) {
		t.Fatalf("%s = %v, want an error of kind %s", what, err, kind.Name())
	}
}

// testFaultRoundTrip: a rule comes back as stored, in the order added,
// for its merchant only; a deleted rule is gone and deleting it again is
// not found.
func testFaultRoundTrip(t *testing.T, s Store) {
	ctx := t.Context()
	msn, other := newMSN(), newMSN()
	a, b := newFault(newID("a"), 3), newFault(newID("b"), 0)
	b.Operation, b.OrderID, b.When, b.Seed, b.Probability, b.Drop, b.Status, b.RetryAfter = "*", "", api.FaultBefore, nil, 1, true, 0, 0
	for _, f := range []*api.Fault{a, b} {
		if err := s.AddFault(ctx, msn, f, 10); err != nil {
			t.Fatalf("AddFault(%s) = %v", f.FaultID, err)
		}
	}
	got, err := s.Faults(ctx, msn)
	if err != nil {
		t.Fatalf("Faults() = %v", err)
	}
	if diff := cmp.Diff([]api.Fault{*a, *b}, got); diff != "" {
		t.Errorf("Faults() mismatch (-want +got):\n%s", diff)
	}
	if got, err := s.Faults(ctx, other); err != nil || len(got) != 0 {
		t.Errorf("Faults(other merchant) = %v, %v; want none", got, err)
	}
	active, err := s.ActiveFaults(ctx)
	if err != nil {
		t.Fatalf("ActiveFaults() = %v", err)
	}
	var mine []string
	for _, mf := range active {
		if mf.MSN == msn {
			mine = append(mine, mf.Fault.FaultID)
		}
	}
	if diff := cmp.Diff([]string{a.FaultID, b.FaultID}, mine); diff != "" {
		t.Errorf("ActiveFaults() of the merchant mismatch (-want +got):\n%s", diff)
	}
	wantKind(t, "DeleteFault(other merchant)", s.DeleteFault(ctx, other, a.FaultID), api.ErrNotFound)
	if err := s.DeleteFault(ctx, msn, a.FaultID); err != nil {
		t.Fatalf("DeleteFault() = %v", err)
	}
	wantKind(t, "DeleteFault(again)", s.DeleteFault(ctx, msn, a.FaultID), api.ErrNotFound)
	if got, _ := s.Faults(ctx, msn); len(got) != 1 || got[0].FaultID != b.FaultID {
		t.Errorf("Faults() after delete = %v, want only %s", got, b.FaultID)
	}
}

// testFaultLimit: a merchant may not have more than max rules; another
// merchant is not counted.
func testFaultLimit(t *testing.T, s Store) {
	ctx := t.Context()
	msn := newMSN()
	for i := range 2 {
		if err := s.AddFault(ctx, msn, newFault(newID("f"), 0), 2); err != nil {
			t.Fatalf("AddFault(%d) = %v", i, err)
		}
	}
	wantKind(t, "AddFault(over the limit)", s.AddFault(ctx, msn, newFault(newID("f"), 0), 2), api.ErrConflict)
	if err := s.AddFault(ctx, newMSN(), newFault(newID("f"), 0), 2); err != nil {
		t.Errorf("AddFault(another merchant) = %v, want nil", err)
	}
}

// testFaultCounters: draws count up from 1; a rule fires count times, then
// is spent and no longer active.
func testFaultCounters(t *testing.T, s Store) {
	ctx := t.Context()
	msn := newMSN()
	f := newFault(newID("c"), 2)
	if err := s.AddFault(ctx, msn, f, 10); err != nil {
		t.Fatal(err)
	}
	for want := int64(1); want <= 3; want++ {
		if n, err := s.DrawFault(ctx, msn, f.FaultID); err != nil || n != want {
			t.Errorf("DrawFault() = %d, %v; want %d", n, err, want)
		}
	}
	for i, want := range []bool{true, true, false} {
		if ok, err := s.FireFault(ctx, msn, f.FaultID); err != nil || ok != want {
			t.Errorf("FireFault(#%d) = %t, %v; want %t", i+1, ok, err, want)
		}
	}
	got, _ := s.Faults(ctx, msn)
	if len(got) != 1 || got[0].Fired != 2 || got[0].Matched != 3 {
		t.Errorf("Faults() = %+v, want fired 2, matched 3", got)
	}
	active, _ := s.ActiveFaults(ctx)
	for _, mf := range active {
		if mf.Fault.FaultID == f.FaultID {
			t.Errorf("ActiveFaults() lists the spent rule %s", f.FaultID)
		}
	}
	_, err := s.DrawFault(ctx, msn, "no-such-rule")
	wantKind(t, "DrawFault(unknown)", err, api.ErrNotFound)
	if ok, err := s.FireFault(ctx, msn, "no-such-rule"); ok || err != nil {
		t.Errorf("FireFault(unknown) = %t, %v; want false, nil", ok, err)
	}
}

// testFaultsCleared: DeleteFaults removes all of a merchant's rules and
// counts them, and leaves other merchants' alone.
func testFaultsCleared(t *testing.T, s Store) {
	ctx := t.Context()
	msn, other := newMSN(), newMSN()
	for range 3 {
		if err := s.AddFault(ctx, msn, newFault(newID("x"), 0), 10); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AddFault(ctx, other, newFault(newID("x"), 0), 10); err != nil {
		t.Fatal(err)
	}
	if n, err := s.DeleteFaults(ctx, msn); err != nil || n != 3 {
		t.Errorf("DeleteFaults() = %d, %v; want 3", n, err)
	}
	if got, _ := s.Faults(ctx, msn); len(got) != 0 {
		t.Errorf("Faults() after DeleteFaults = %d rules, want 0", len(got))
	}
	if got, _ := s.Faults(ctx, other); len(got) != 1 {
		t.Errorf("Faults(other merchant) = %d rules, want 1", len(got))
	}
}

// page makes a page of n entries with seqs from first on.
func page(msn string, first int64, n int) sandbox.Page {
	p := sandbox.Page{MSN: msn, ID: rand.Int64(), First: first, Last: first + int64(n) - 1, Count: n}
	for i := range n {
		p.Data = append(p.Data, `{"id":"`+strconv.FormatInt(first+int64(i), 10)+`"}`+"\n"...)
	}
	return p
}

func firsts(ps []sandbox.Page) []int64 {
	out := []int64{}
	for _, p := range ps {
		out = append(out, p.First)
	}
	return out
}

// testJournalRing: a merchant keeps its newest pages while the newer ones
// hold fewer than keep entries, so at least keep entries remain; pages
// come back newest first with their data; other merchants' are kept.
func testJournalRing(t *testing.T, s Store) {
	ctx := t.Context()
	msn, other := newMSN(), newMSN()
	base := time.Now().UnixNano()
	// Pages of 4 entries, keep 10: after the fourth page, the newest three
	// (12 entries) are kept and the first goes.
	for i := range 4 {
		ps := []sandbox.Page{page(msn, base+int64(4*i), 4)}
		if i == 0 {
			ps = append(ps, page(other, base, 3))
		}
		if err := s.AppendJournal(ctx, ps, 10); err != nil {
			t.Fatalf("AppendJournal(%d) = %v", i, err)
		}
	}
	got, err := s.Journal(ctx, msn, 0, 0, 100)
	if err != nil {
		t.Fatalf("Journal() = %v", err)
	}
	if diff := cmp.Diff([]int64{base + 12, base + 8, base + 4}, firsts(got)); diff != "" {
		t.Errorf("Journal() pages mismatch (-want +got):\n%s", diff)
	}
	if want := page(msn, base+12, 4); len(got) > 0 && (string(got[0].Data) != string(want.Data) || got[0].Count != 4 || got[0].Last != base+15) {
		t.Errorf("Journal()[0] = %+v, want the newest page as stored", got[0])
	}
	if o, _ := s.Journal(ctx, other, 0, 0, 100); len(o) != 1 || o[0].Count != 3 {
		t.Errorf("Journal(other merchant) = %+v, want its one page", o)
	}
	// Two pages with the same first seq (two nodes at one instant) are both kept.
	twin := page(msn, base+12, 1)
	if err := s.AppendJournal(ctx, []sandbox.Page{twin}, 100); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Journal(ctx, msn, 0, 0, 100); len(got) != 4 {
		t.Errorf("Journal() after a page with a taken first seq = %d pages, want 4", len(got))
	}
}

// testJournalTrim: a ring of many small pages is trimmed in one append
// (more pages than a trim reads at a time); appends racing for one
// merchant, as two nodes make them, keep its count right; and a reset
// starts the count again.
func testJournalTrim(t *testing.T, s Store) {
	ctx := t.Context()
	msn := newMSN()
	base := time.Now().UnixNano()
	var ps []sandbox.Page
	for i := range 300 {
		ps = append(ps, page(msn, base+int64(i), 1))
	}
	if err := s.AppendJournal(ctx, ps, 1000); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendJournal(ctx, []sandbox.Page{page(msn, base+300, 1)}, 10); err != nil {
		t.Fatal(err)
	}
	got, err := s.Journal(ctx, msn, 0, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 10 || got[0].First != base+300 || got[9].First != base+291 {
		t.Fatalf("Journal() after trimming 301 pages to 10 = %d pages %v, want the newest 10", len(got), firsts(got))
	}

	// Racing appends of pages of 2, keep 20: the ring ends with 20 or 21
	// entries (no page can go without leaving fewer than 20).
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				errs <- s.AppendJournal(ctx, []sandbox.Page{page(msn, base+1000+int64(100*g+10*i), 2)}, 20)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("AppendJournal() racing = %v", err)
		}
	}
	got, err = s.Journal(ctx, msn, 0, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	entries := 0
	for _, p := range got {
		entries += p.Count
	}
	if entries < 20 || entries > 21 {
		t.Errorf("journal after racing appends holds %d entries in %d pages, want 20 or 21", entries, len(got))
	}

	// After a reset the count starts again: 4 entries in a ring of 10
	// are all kept.
	if _, err := s.ResetMerchant(ctx, msn); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendJournal(ctx, []sandbox.Page{page(msn, base+5000, 4)}, 10); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Journal(ctx, msn, 0, 0, 100); len(got) != 1 || got[0].Count != 4 {
		t.Errorf("Journal() after reset and one page = %+v, want that page", got)
	}
}

// testJournalPages: before, after and limit select pages by their bounds.
func testJournalPages(t *testing.T, s Store) {
	ctx := t.Context()
	msn := newMSN()
	base := time.Now().UnixNano()
	var ps []sandbox.Page
	for i := range 5 {
		ps = append(ps, page(msn, base+int64(10*i), 5)) // seqs 10i .. 10i+4
	}
	if err := s.AppendJournal(ctx, ps, 100); err != nil {
		t.Fatal(err)
	}
	got, err := s.Journal(ctx, msn, base+40, base+4, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int64{base + 30, base + 20}, firsts(got)); diff != "" {
		t.Errorf("Journal(before 40, after 4, limit 2) mismatch (-want +got):\n%s", diff)
	}
	got, _ = s.Journal(ctx, msn, 0, base+4, 100)
	if diff := cmp.Diff([]int64{base + 40, base + 30, base + 20, base + 10}, firsts(got)); diff != "" {
		t.Errorf("Journal(after 4) mismatch (-want +got):\n%s", diff)
	}
}

// testReset: a merchant's orders, images, journal and rules go, and are
// counted; another merchant's stay.
func testReset(t *testing.T, s Store) {
	ctx := t.Context()
	msn, other := newMSN(), newMSN()
	for _, m := range []string{msn, other} {
		img := &store.Image{MSN: m, ID: newID("img"), MediaType: "image/png", Width: 200, Height: 200, SHA512: "00", Data: []byte("png")}
		if err := s.PutImage(ctx, img); err != nil {
			t.Fatal(err)
		}
		k1 := store.OrderKey{MSN: m, PaymentType: api.PaymentTypeECOM, OrderID: newID("o")}
		k2 := store.OrderKey{MSN: m, PaymentType: api.PaymentTypeRECURRING, OrderID: k1.OrderID}
		for _, k := range []store.OrderKey{k1, k2} {
			if err := s.AddReceipt(ctx, &store.Receipt{Key: k, ID: newID("r"), Body: []byte(`{}`)}); err != nil {
				t.Fatal(err)
			}
		}
		c := &store.Category{Key: k1, ID: newID("c"), Category: api.Category{Category: api.CategoryGeneral, OrderDetailsURL: "https://example.com/o", ImageID: &img.ID}}
		if err := s.PutCategory(ctx, c); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendJournal(ctx, []sandbox.Page{page(m, time.Now().UnixNano(), 3), page(m, time.Now().UnixNano()+10, 1)}, 100); err != nil {
			t.Fatal(err)
		}
		if err := s.AddFault(ctx, m, newFault(newID("f"), 0), 10); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.ResetMerchant(ctx, msn)
	if err != nil {
		t.Fatalf("ResetMerchant() = %v", err)
	}
	want := api.SandboxReset{Orders: 2, Categories: 1, Receipts: 2, Images: 1, Requests: 4, Faults: 1}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ResetMerchant() mismatch (-want +got):\n%s", diff)
	}
	if again, err := s.ResetMerchant(ctx, msn); err != nil || again != (api.SandboxReset{}) {
		t.Errorf("ResetMerchant(again) = %+v, %v; want all zero", again, err)
	}
	if o, _ := s.Journal(ctx, other, 0, 0, 100); len(o) != 2 {
		t.Errorf("Journal(other merchant) after reset = %d pages, want 2", len(o))
	}
	if f, _ := s.Faults(ctx, other); len(f) != 1 {
		t.Errorf("Faults(other merchant) after reset = %d, want 1", len(f))
	}
	if n, _ := s.ResetMerchant(ctx, other); n.Receipts != 2 || n.Images != 1 {
		t.Errorf("ResetMerchant(other) = %+v, want its 2 receipts and 1 image untouched until now", n)
	}
}

// testReopen: rules and journal survive closing the store.
func testReopen(t *testing.T, s Store, open func(t *testing.T) Store) {
	ctx := t.Context()
	msn := newMSN()
	f := newFault(newID("keep"), 0)
	if err := s.AddFault(ctx, msn, f, 10); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendJournal(ctx, []sandbox.Page{page(msn, time.Now().UnixNano(), 2)}, 10); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := open(t)
	if got, err := s2.Faults(ctx, msn); err != nil || len(got) != 1 || got[0].FaultID != f.FaultID {
		t.Errorf("Faults() after reopen = %v, %v; want the rule", got, err)
	}
	if got, err := s2.Journal(ctx, msn, 0, 0, 10); err != nil || len(got) != 1 || got[0].Count != 2 {
		t.Errorf("Journal() after reopen = %+v, %v; want the page of 2", got, err)
	}
}
