package sandbox_test

import (
	"context"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/sandbox"
	"github.com/ordermgmt/ordermgmt/internal/store/sqlite"
)

func openStore(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "ordermgmt.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newSandbox(t *testing.T, st sandbox.Store, opts sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	opts.Store = st
	sb, err := sandbox.New(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	return sb
}

// TestNodesShareRules: two nodes on one store see each other's rules
// once they read them again, and a rule's count holds across both.
func TestNodesShareRules(t *testing.T) {
	st := openStore(t)
	a := newSandbox(t, st, sandbox.Options{})
	b := newSandbox(t, st, sandbox.Options{})
	ctx := t.Context()
	if _, err := a.AddFault(ctx, "123456", &api.Fault{Operation: "getOrder", When: api.FaultBefore, Status: 502, Count: 3, Probability: 1}); err != nil {
		t.Fatal(err)
	}
	if err := b.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	var fired int
	for i := range 6 {
		node := []*sandbox.Sandbox{a, b}[i%2]
		if node.Match(ctx, "123456", "getOrder", "o-1") != nil {
			fired++
		}
	}
	if fired != 3 {
		t.Errorf("the rule fired %d times over two nodes, want its count, 3", fired)
	}
	if f := b.Match(ctx, "654321", "getOrder", "o-1"); f != nil {
		t.Errorf("Match(another merchant) = %+v, want nil", f)
	}
}

// blockingStore holds AppendJournal until released, as a store that has
// stopped answering would.
type blockingStore struct {
	sandbox.Store
	release chan struct{}
}

func (b *blockingStore) AppendJournal(ctx context.Context, pages []sandbox.Page, keep int) error {
	<-b.release
	return b.Store.AppendJournal(ctx, pages, keep)
}

// TestRecordNeverWaits: when the store does not take the journal's
// writes, requests still hand their entries over at once; what does not
// fit is dropped and counted.
func TestRecordNeverWaits(t *testing.T) {
	bs := &blockingStore{Store: openStore(t), release: make(chan struct{})}
	sb := newSandbox(t, bs, sandbox.Options{FlushInterval: time.Millisecond})
	done := make(chan struct{})
	const n = 20_000
	go func() {
		for range n {
			sb.Record("123456", &api.JournalEntry{Time: time.Now(), Operation: "getOrder", Status: 200})
		}
		close(done)
	}()
	<-done // returns only because Record does not wait for the store
	if sb.Dropped() == 0 {
		t.Errorf("Dropped() = 0 after %d entries with the store blocked, want the overflow counted", n)
	}
	close(bs.release)
	if err := sb.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	es, err := sb.Journal(t.Context(), "123456", sandbox.Filter{Limit: 100})
	if err != nil || len(es) != 100 {
		t.Errorf("Journal() = %d entries, %v; want the kept ones", len(es), err)
	}
}

// pageStore keeps the pages AppendJournal is given.
type pageStore struct {
	sandbox.Store
	mu    sync.Mutex
	pages []sandbox.Page
}

func (p *pageStore) AppendJournal(ctx context.Context, pages []sandbox.Page, keep int) error {
	p.mu.Lock()
	p.pages = append(p.pages, pages...)
	p.mu.Unlock()
	return p.Store.AppendJournal(ctx, pages, keep)
}

// TestJournalPagesSizedOnce: a batch's page for each merchant is built
// in a buffer of exactly its bytes (appending to a growing one copies it
// over and over), and reads back every entry.
func TestJournalPagesSizedOnce(t *testing.T) {
	ps := &pageStore{Store: openStore(t)}
	sb := newSandbox(t, ps, sandbox.Options{FlushInterval: time.Hour})
	const n = 300
	for i := range n {
		msn := []string{"123456", "654321"}[i%2]
		sb.Record(msn, &api.JournalEntry{Time: time.Now(), Method: "GET", Path: "/order-management/v2/ECOM/o-" + strconv.Itoa(i),
			Operation: "getOrder", Status: 200, TraceID: strings.Repeat("a", i%40)})
	}
	if err := sb.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	entries := 0
	for _, p := range ps.pages {
		entries += p.Count
		if len(p.Data) != cap(p.Data) || strings.Count(string(p.Data), "\n") != p.Count {
			t.Errorf("page of %s: %d bytes in a buffer of %d, %d lines for %d entries; want the buffer exactly full, a line an entry",
				p.MSN, len(p.Data), cap(p.Data), strings.Count(string(p.Data), "\n"), p.Count)
		}
	}
	if entries != n {
		t.Errorf("pages hold %d entries, want %d", entries, n)
	}
	for _, msn := range []string{"123456", "654321"} {
		if es, err := sb.Journal(t.Context(), msn, sandbox.Filter{Limit: n}); err != nil || len(es) != n/2 {
			t.Errorf("Journal(%s) = %d entries, %v; want %d", msn, len(es), err, n/2)
		}
	}
}

// TestJournalClock: entries keep the times they are given, newest first,
// and the subscription key is cut to its last 4 characters.
func TestJournalClock(t *testing.T) {
	sb := newSandbox(t, openStore(t), sandbox.Options{})
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for i := range 3 {
		sb.Record("123456", &api.JournalEntry{Time: t0.Add(time.Duration(i) * time.Second), Operation: "getOrder", SubscriptionKey: "secret-key-abcd"})
	}
	es, err := sb.Journal(t.Context(), "123456", sandbox.Filter{})
	if err != nil || len(es) != 3 {
		t.Fatalf("Journal() = %v, %v", es, err)
	}
	if !es[0].Time.Equal(t0.Add(2*time.Second)) || !es[2].Time.Equal(t0) || es[0].SubscriptionKey != "…abcd" {
		t.Errorf("Journal() = %+v, want newest first with the key masked", es)
	}
	es, _ = sb.Journal(t.Context(), "123456", sandbox.Filter{Before: t0.Add(2 * time.Second), After: t0})
	if len(es) != 1 || !es[0].Time.Equal(t0.Add(time.Second)) {
		t.Errorf("Journal(between) = %+v, want the middle entry", es)
	}
}

// TestNodesShareJournal: entries two nodes wrote in pages of their own
// read back as one journal, newest first, from either node.
func TestNodesShareJournal(t *testing.T) {
	st := openStore(t)
	a := newSandbox(t, st, sandbox.Options{})
	b := newSandbox(t, st, sandbox.Options{})
	t0 := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	for i := range 6 {
		node := []*sandbox.Sandbox{a, b}[i%2]
		node.Record("123456", &api.JournalEntry{Time: t0.Add(time.Duration(i) * time.Second), Operation: "getOrder", OrderID: "o-" + string(rune('0'+i))})
	}
	if err := a.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
	es, err := b.Journal(t.Context(), "123456", sandbox.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.OrderID)
	}
	if want := []string{"o-5", "o-4", "o-3", "o-2", "o-1", "o-0"}; !slices.Equal(got, want) {
		t.Errorf("Journal() from node b = %v, want %v", got, want)
	}
	if es, _ := a.Journal(t.Context(), "123456", sandbox.Filter{Limit: 2}); len(es) != 2 || es[0].OrderID != "o-5" || es[1].OrderID != "o-4" {
		t.Errorf("Journal(limit 2) = %+v, want o-5, o-4", es)
	}
}
