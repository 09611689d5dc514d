package sandbox

import (
	"cmp"
	"context"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// Record hands an entry of msn's journal to the writer and returns at
// once: the request never waits for the disk. When the writer has fallen
// behind by queueSize entries, the entry is dropped and counted; a full
// journal never refuses a request. The subscription key is masked here;
// e.ID is not read (an entry's id is the seq the node gives it).
func (s *Sandbox) Record(msn string, e *api.JournalEntry) {
	if s.keep <= 0 || msn == "" {
		return
	}
	masked := *e
	masked.SubscriptionKey = maskKey(e.SubscriptionKey)
	// Encoded before taking the lock, so that requests share it only for
	// a copy.
	lb := linePool.Get().(*[]byte)
	line := appendFields((*lb)[:0], &masked)
	s.bufMu.Lock()
	if len(s.buf) >= queueSize {
		s.bufMu.Unlock()
		*lb = line
		linePool.Put(lb)
		if s.dropped.Add(1)%1000 == 1 {
			s.log.Warn("sandbox: journal writer is behind; entries dropped", "dropped", s.dropped.Load())
		}
		return
	}
	// Seq is the start time made unique and increasing on this node.
	seq := max(e.Time.UnixNano(), s.lastSeq+1)
	s.lastSeq = seq
	start := len(s.data)
	s.data = append(s.data, line...)
	s.buf = append(s.buf, pending{msn: msn, seq: seq, start: start, end: len(s.data)})
	full := len(s.buf) == maxBatch
	s.bufMu.Unlock()
	*lb = line
	linePool.Put(lb)
	if full {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
}

// linePool holds the buffers Record encodes an entry in.
var linePool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// maskKey keeps the last four characters of a subscription key.
func maskKey(k string) string {
	switch {
	case len(k) > 4:
		return "…" + k[len(k)-4:]
	case k != "":
		return "…"
	}
	return ""
}

// Dropped counts the entries dropped because the writer was behind.
func (s *Sandbox) Dropped() int64 { return s.dropped.Load() }

// Flush writes the entries recorded so far and waits for the write, so
// that a request this node answered is in the journal when it is read.
func (s *Sandbox) Flush(ctx context.Context) error {
	if s.keep <= 0 {
		return nil
	}
	done := make(chan error, 1)
	select {
	case s.flushCh <- done:
	case <-s.stop:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// writeLoop is the journal's one writer: it writes what was recorded
// every flush interval, when a batch is full, when asked to flush and
// when the Sandbox closes.
func (s *Sandbox) writeLoop() {
	defer s.done.Done()
	t := time.NewTicker(s.flushIv)
	defer t.Stop()
	var spare []pending
	var spareData []byte
	write := func() error {
		s.bufMu.Lock()
		batch, data := s.buf, s.data
		s.buf, s.data = spare[:0], spareData[:0]
		s.bufMu.Unlock()
		var err error
		for start := 0; start < len(batch); start += maxBatch {
			if werr := s.writeBatch(batch[start:min(start+maxBatch, len(batch))], data); werr != nil {
				err = werr
			}
		}
		clear(batch) // the msn strings
		spare, spareData = batch, data
		return err
	}
	for {
		select {
		case <-t.C:
			write()
		case <-s.kick:
			write()
		case done := <-s.flushCh:
			done <- write()
		case <-s.stop:
			write()
			return
		}
	}
}

// writeBatch gathers a batch into one page per merchant and stores them;
// data holds the batch's encoded entries. A failure is logged and the
// batch is lost: the journal is a record for developers, and keeping
// entries in memory until the store is back would hold requests' memory.
func (s *Sandbox) writeBatch(batch []pending, data []byte) error {
	if len(batch) == 0 {
		return nil
	}
	// The first pass makes a page per merchant and counts its bytes, so
	// that the second writes each page into a buffer made once: appending
	// would copy it as it grows, several times its bytes for a large batch.
	page := map[string]int{} // msn → index in pages
	var pages []Page
	var sizes []int
	for i := range batch {
		b := &batch[i]
		k, ok := page[b.msn]
		if !ok {
			k = len(pages)
			page[b.msn] = k
			pages = append(pages, Page{MSN: b.msn, ID: rand.Int64(), First: b.seq})
			sizes = append(sizes, 0)
		}
		p := &pages[k]
		// Entries reach the queue in seq order, give or take the moment
		// between taking a seq and queueing; First and Last bound them.
		p.First, p.Last = min(p.First, b.seq), max(p.Last, b.seq)
		p.Count++
		sizes[k] += headLen(b.seq) + b.end - b.start + 1
	}
	for k := range pages {
		pages[k].Data = make([]byte, 0, sizes[k])
	}
	for i := range batch {
		b := &batch[i]
		p := &pages[page[b.msn]]
		p.Data = append(append(appendHead(p.Data, b.seq), data[b.start:b.end]...), '\n')
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.store.AppendJournal(ctx, pages, s.keep); err != nil {
		s.log.Warn("sandbox: writing the journal failed; entries lost", "entries", len(batch), "err", err)
		return err
	}
	return nil
}

// Filter selects journal entries. Zero fields select everything.
type Filter struct {
	OrderID   string
	Operation string
	// Status is an exact status, 2, 4 and 5 for every 2xx, 4xx or 5xx,
	// or -1 for connections dropped unanswered.
	Status int
	// Before and After bound the entries' start times (exclusive).
	Before, After time.Time
	// Limit is the most entries returned; zero means 100.
	Limit int
}

// Matches reports whether e passes the filter's field conditions.
func (f *Filter) Matches(e *api.JournalEntry) bool {
	switch {
	case f.OrderID != "" && e.OrderID != f.OrderID:
		return false
	case f.Operation != "" && e.Operation != f.Operation:
		return false
	case f.Status >= 100 && e.Status != f.Status:
		return false
	case f.Status > 0 && f.Status < 10 && e.Status/100 != f.Status:
		return false
	case f.Status < 0 && e.Status != 0:
		return false
	}
	return true
}

// DefaultJournalLimit is the number of entries a query returns by default.
const DefaultJournalLimit = 100

// Journal returns msn's entries that pass f, newest first. The entries
// this node holds are written first.
func (s *Sandbox) Journal(ctx context.Context, msn string, f Filter) ([]api.JournalEntry, error) {
	if f.Limit <= 0 {
		f.Limit = DefaultJournalLimit
	}
	if s.keep <= 0 {
		return []api.JournalEntry{}, nil
	}
	if err := s.Flush(ctx); err != nil {
		return nil, err
	}
	var before, after int64
	if !f.Before.IsZero() {
		before = f.Before.UnixNano()
	}
	if !f.After.IsZero() {
		after = f.After.UnixNano()
	}
	// Filters are applied here, not in SQL: the journal of a merchant is
	// bounded, and the store keeps a page of entries as one opaque value.
	// Pages of several nodes may overlap in time, so entries are sorted
	// once read, and reading stops early only at a page wholly older than
	// the limit-th match.
	var all []api.JournalEntry
	matches := 0
	seqOf := func(e *api.JournalEntry) int64 { n, _ := strconv.ParseInt(e.ID, 10, 64); return n }
	const chunk = 32
	cursor := before
read:
	for len(all) < s.keep {
		pages, err := s.store.Journal(ctx, msn, cursor, after, chunk)
		if err != nil {
			return nil, err
		}
		for _, p := range pages {
			if matches >= f.Limit {
				sortNewest(all, seqOf)
				if p.Last < limitSeq(all, &f, seqOf) {
					break read
				}
			}
			for _, line := range strings.Split(strings.TrimSuffix(string(p.Data), "\n"), "\n") {
				e, seq, err := parseEntry(line)
				if err != nil {
					continue
				}
				if (before != 0 && seq >= before) || seq <= after {
					continue
				}
				all = append(all, e)
				if f.Matches(&e) {
					matches++
				}
			}
		}
		if len(pages) < chunk {
			break
		}
		// Pages are ordered by First; the next chunk starts below the
		// last page's First (pages sharing a First are rare, and the
		// ring's bound ends the loop).
		cursor = pages[len(pages)-1].First
	}
	sortNewest(all, seqOf)
	// The ring is the newest keep entries; the store may hold up to a
	// page more until its next trim.
	if len(all) > s.keep {
		all = all[:s.keep]
	}
	out := []api.JournalEntry{}
	for i := range all {
		if f.Matches(&all[i]) {
			out = append(out, all[i])
			if len(out) == f.Limit {
				break
			}
		}
	}
	return out, nil
}

// limitSeq is the seq of the limit-th newest match among es (sorted newest
// first).
func limitSeq(es []api.JournalEntry, f *Filter, seqOf func(*api.JournalEntry) int64) int64 {
	n := 0
	for i := range es {
		if f.Matches(&es[i]) {
			if n++; n == f.Limit {
				return seqOf(&es[i])
			}
		}
	}
	return 0
}

// sortNewest orders entries newest first.
func sortNewest(es []api.JournalEntry, seqOf func(*api.JournalEntry) int64) {
	slices.SortStableFunc(es, func(a, b api.JournalEntry) int { return cmp.Compare(seqOf(&b), seqOf(&a)) })
}

// Checklist judges msn's journal against the integration checklist.
func (s *Sandbox) Checklist(ctx context.Context, msn string) (*api.Checklist, error) {
	entries, err := s.Journal(ctx, msn, Filter{Limit: max(s.keep, 1)})
	if err != nil {
		return nil, err
	}
	slices.Reverse(entries)
	return Judge(msn, entries), nil
}
