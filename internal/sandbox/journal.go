package sandbox

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// Record hands an entry of msn's journal to the writer and returns at
// once: the request never waits for the disk. When the writer has fallen
// behind by queueSize entries, the entry is dropped and counted; a full
// journal never refuses a request. e.ID is set here.
func (s *Sandbox) Record(msn string, e *api.JournalEntry) {
	if s.keep <= 0 || msn == "" {
		return
	}
	// Seq is the start time made unique and increasing on this node.
	seq := e.Time.UnixNano()
	for {
		last := s.lastSeq.Load()
		if seq <= last {
			seq = last + 1
		}
		if s.lastSeq.CompareAndSwap(last, seq) {
			break
		}
	}
	p := pending{msn: msn, entry: *e}
	p.entry.ID = strconv.FormatInt(seq, 10)
	select {
	case s.queue <- p:
	default:
		if s.dropped.Add(1)%1000 == 1 {
			s.log.Warn("sandbox: journal writer is behind; entries dropped", "dropped", s.dropped.Load())
		}
	}
}

// Dropped counts the entries dropped because the writer was behind.
func (s *Sandbox) Dropped() int64 { return s.dropped.Load() }

// Flush writes the entries queued so far and waits for the write, so that
// a request this node answered is in the journal when it is read.
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

// writeLoop is the journal's one writer: it writes a batch when it holds
// maxBatch entries, when the oldest has waited the flush interval, when
// asked to flush and when the Sandbox closes.
func (s *Sandbox) writeLoop() {
	defer s.done.Done()
	batch := make([]pending, 0, maxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	armed := false
	write := func() error {
		if armed {
			timer.Stop()
			armed = false
		}
		err := s.writeBatch(batch)
		clear(batch)
		batch = batch[:0]
		return err
	}
	drain := func() {
		for len(batch) < cap(batch) {
			select {
			case p := <-s.queue:
				batch = append(batch, p)
			default:
				return
			}
		}
	}
	for {
		select {
		case p := <-s.queue:
			batch = append(batch, p)
			drain()
			if len(batch) >= maxBatch {
				write()
			} else if !armed {
				timer.Reset(s.flushIv)
				armed = true
			}
		case <-timer.C:
			armed = false
			write()
		case done := <-s.flushCh:
			var err error
			for {
				drain()
				if err = write(); err != nil || len(s.queue) == 0 {
					break
				}
			}
			done <- err
		case <-s.stop:
			for {
				drain()
				write()
				if len(s.queue) == 0 {
					return
				}
			}
		}
	}
}

// writeBatch encodes and stores a batch. A failure is logged and the
// batch is lost: the journal is a record for developers, and keeping
// entries in memory until the store is back would hold requests' memory.
func (s *Sandbox) writeBatch(batch []pending) error {
	if len(batch) == 0 {
		return nil
	}
	recs := make([]Record, len(batch))
	for i := range batch {
		e := &batch[i].entry
		if k := e.SubscriptionKey; len(k) > 4 {
			e.SubscriptionKey = "…" + k[len(k)-4:]
		} else if k != "" {
			e.SubscriptionKey = "…"
		}
		data, err := json.Marshal(e)
		if err != nil {
			// Entries are our own type with string fields; they encode.
			panic(err)
		}
		seq, _ := strconv.ParseInt(e.ID, 10, 64)
		recs[i] = Record{MSN: batch[i].msn, Seq: seq, Data: data}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.store.AppendJournal(ctx, recs, s.keep); err != nil {
		s.log.Warn("sandbox: writing the journal failed; entries lost", "entries", len(recs), "err", err)
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
	out := []api.JournalEntry{}
	// Filters are applied here, not in SQL: the journal of a merchant is
	// bounded, and the store keeps the entry as one opaque value.
	const page = 500
	for read := 0; read < max(s.keep, 0); {
		recs, err := s.store.Journal(ctx, msn, before, after, min(page, s.keep-read))
		if err != nil {
			return nil, err
		}
		for _, r := range recs {
			var e api.JournalEntry
			if err := json.Unmarshal(r.Data, &e); err != nil {
				continue
			}
			if f.Matches(&e) {
				out = append(out, e)
				if len(out) == f.Limit {
					return out, nil
				}
			}
		}
		read += len(recs)
		if len(recs) < page {
			break
		}
		before = recs[len(recs)-1].Seq
	}
	return out, nil
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
