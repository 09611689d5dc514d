// Package sandbox holds the sandbox's tools for testing an integration:
// fault rules, the request journal, a merchant's reset and the checklist
// report. The server serves them under /_sandbox/ in sandbox mode; the
// console calls them in-process. Rules and journal live in the store (see
// Store), so every node of a cluster shares them and a restart keeps them.
package sandbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/ordermgmt/ordermgmt/api"
)

// Defaults for the zero Options.
const (
	DefaultJournalSize     = 10_000
	DefaultFlushInterval   = 200 * time.Millisecond
	DefaultRefreshInterval = time.Second
)

// Options are what a Sandbox is built from.
type Options struct {
	Store Store
	// JournalSize is how many entries the journal keeps per merchant; zero
	// means DefaultJournalSize, negative turns the journal off.
	JournalSize int
	// FlushInterval is the longest an entry waits before its batch is
	// written; zero means DefaultFlushInterval.
	FlushInterval time.Duration
	// RefreshInterval is how often the rules are read again from the
	// store, for rules that other nodes changed; zero means
	// DefaultRefreshInterval.
	RefreshInterval time.Duration
	// Now, Rand and NewID are injected so tests can be deterministic; Rand
	// returns a number in [0, 1) for rules without a seed.
	Now    func() time.Time
	Rand   func() float64
	NewID  func() string
	Logger *slog.Logger
}

// Sandbox is the fault rules and journal of one node. It is safe for
// concurrent use.
type Sandbox struct {
	store   Store
	keep    int
	flushIv time.Duration
	now     func() time.Time
	rnd     func() float64
	newID   func() string
	log     *slog.Logger

	// rules is the snapshot of every merchant's active rules that requests
	// are matched against without touching the store.
	rules     atomic.Pointer[ruleSet]
	refreshMu sync.Mutex

	// The journal's buffer: requests append entries under bufMu without
	// waking anyone, and one goroutine takes them every flush interval (or
	// when kicked by a full batch) and writes them in batches. A channel
	// per entry would wake the writer on every request. Entries wait
	// encoded, their lines one after another in data: a request's strings
	// are not kept alive, and the collector has no pointers to follow.
	bufMu   sync.Mutex
	buf     []pending // under bufMu
	data    []byte    // under bufMu
	lastSeq int64     // under bufMu
	kick    chan struct{}
	flushCh chan chan error
	dropped atomic.Int64

	stop     chan struct{}
	done     sync.WaitGroup
	closeOne sync.Once
}

// ruleSet maps a merchant to its active rules, in the order they were added.
type ruleSet map[string][]api.Fault

// pending is an entry on its way to the store: its line after the seq
// (appendFields) is data[start:end] of the buffer it waits in.
type pending struct {
	msn        string
	seq        int64
	start, end int
}

// queueSize bounds the entries waiting for the writer; past it entries
// are dropped rather than make a request wait.
const queueSize = 8192

// maxBatch bounds the entries of one write.
const maxBatch = 1024

// New starts a Sandbox on opts.Store: it reads the rules and starts the
// journal's writer and the rules' refresh. Close stops them.
func New(ctx context.Context, opts Options) (*Sandbox, error) {
	s := &Sandbox{
		store:   opts.Store,
		keep:    opts.JournalSize,
		flushIv: opts.FlushInterval,
		now:     opts.Now,
		rnd:     opts.Rand,
		newID:   opts.NewID,
		log:     opts.Logger,
		kick:    make(chan struct{}, 1),
		flushCh: make(chan chan error),
		stop:    make(chan struct{}),
	}
	if s.keep == 0 {
		s.keep = DefaultJournalSize
	}
	if s.flushIv <= 0 {
		s.flushIv = DefaultFlushInterval
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rnd == nil {
		s.rnd = rand.Float64
	}
	if s.newID == nil {
		s.newID = uuid.NewString
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	refresh := opts.RefreshInterval
	if refresh <= 0 {
		refresh = DefaultRefreshInterval
	}
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	s.done.Add(2)
	go s.writeLoop()
	go s.refreshLoop(refresh)
	return s, nil
}

// Close writes what the journal holds and stops the background work.
func (s *Sandbox) Close() error {
	s.closeOne.Do(func() {
		close(s.stop)
		s.done.Wait()
	})
	return nil
}

// JournalOn reports whether requests are recorded.
func (s *Sandbox) JournalOn() bool { return s.keep > 0 }

// Refresh reads every merchant's active rules from the store. The node
// calls it after each change it makes and every refresh interval, for the
// changes of other nodes.
func (s *Sandbox) Refresh(ctx context.Context) error {
	s.refreshMu.Lock()
	defer s.refreshMu.Unlock()
	all, err := s.store.ActiveFaults(ctx)
	if err != nil {
		return fmt.Errorf("read fault rules: %w", err)
	}
	rs := ruleSet{}
	for _, mf := range all {
		rs[mf.MSN] = append(rs[mf.MSN], mf.Fault)
	}
	s.rules.Store(&rs)
	return nil
}

func (s *Sandbox) refreshLoop(every time.Duration) {
	defer s.done.Done()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), every*5)
			if err := s.Refresh(ctx); err != nil {
				s.log.Warn("sandbox: reading fault rules failed; matching keeps the rules read before", "err", err)
			}
			cancel()
		}
	}
}

// HasRules reports whether msn has rules for op, so callers can skip the
// work of finding a request's order id when none can match.
func (s *Sandbox) HasRules(msn, op string) bool {
	for _, f := range (*s.rules.Load())[msn] {
		if f.Operation == "*" || f.Operation == op {
			return true
		}
	}
	return false
}

// Match returns the first of msn's rules, in the order they were added,
// that matches the request (operation op about order or image target) and
// fires: a rule that is spent, or whose draw fails, lets the next one try.
// It returns nil when no rule fires; a store failure is logged and
// treated as no fault, so that a sandbox tool never breaks the API.
func (s *Sandbox) Match(ctx context.Context, msn, op, target string) *api.Fault {
	rules := (*s.rules.Load())[msn]
	for i := range rules {
		f := &rules[i]
		if (f.Operation != "*" && f.Operation != op) || !f.MatchesTarget(target) {
			continue
		}
		n, err := s.store.DrawFault(ctx, msn, f.FaultID)
		if err != nil {
			if !errors.Is(err, api.ErrNotFound) {
				s.log.Warn("sandbox: counting a fault rule failed", "fault_id", f.FaultID, "err", err)
			}
			continue
		}
		if !s.draw(f, n) {
			continue
		}
		ok, err := s.store.FireFault(ctx, msn, f.FaultID)
		if err != nil {
			s.log.Warn("sandbox: firing a fault rule failed", "fault_id", f.FaultID, "err", err)
			continue
		}
		if !ok {
			continue
		}
		out := *f
		out.Matched = n
		if f.Count > 0 {
			// The rule may be spent now: read the rules again, so this
			// node stops matching it.
			_ = s.Refresh(context.WithoutCancel(ctx))
		}
		return &out
	}
	return nil
}

// draw decides whether a matched rule fires on its n-th match: always at
// probability 1, never at 0, else by the rule's seeded sequence or at
// random.
func (s *Sandbox) draw(f *api.Fault, n int64) bool {
	switch {
	case f.Probability >= 1:
		return true
	case f.Probability <= 0:
		return false
	case f.Seed != nil:
		return SeededDraw(*f.Seed, n) < f.Probability
	}
	return s.rnd() < f.Probability
}

// SeededDraw is the n-th number in [0, 1) of the sequence of seed: the same
// on every node, so a seeded rule fires on the same requests wherever they
// arrive. It is SplitMix64 of the seed and n.
func SeededDraw(seed, n int64) float64 {
	z := uint64(seed) + uint64(n)*0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	z ^= z >> 31
	return float64(z>>11) / (1 << 53)
}

// AddFault checks nothing (api.DecodeFault did) and stores f for msn,
// returning its id.
func (s *Sandbox) AddFault(ctx context.Context, msn string, f *api.Fault) (string, error) {
	f.FaultID = s.newID()
	f.CreatedAt = s.now().UTC()
	f.Fired, f.Matched = 0, 0
	if err := s.store.AddFault(ctx, msn, f, api.MaxFaultsPerMSN); err != nil {
		if errors.Is(err, api.ErrConflict) {
			return "", api.NewProblem(api.ErrConflict, api.CodeFaultLimit,
				fmt.Sprintf("This merchant has %d fault rules, the most it may have; remove some with DELETE /_sandbox/faults.", api.MaxFaultsPerMSN))
		}
		return "", err
	}
	return f.FaultID, s.Refresh(ctx)
}

// Faults lists msn's rules with how often each fired.
func (s *Sandbox) Faults(ctx context.Context, msn string) ([]api.Fault, error) {
	return s.store.Faults(ctx, msn)
}

// DeleteFault removes one of msn's rules.
func (s *Sandbox) DeleteFault(ctx context.Context, msn, id string) error {
	if err := s.store.DeleteFault(ctx, msn, id); err != nil {
		if errors.Is(err, api.ErrNotFound) {
			return api.NewProblem(api.ErrNotFound, api.CodeFaultNotFound,
				"This merchant has no fault rule "+id+"; GET /_sandbox/faults lists them.")
		}
		return err
	}
	return s.Refresh(ctx)
}

// ClearFaults removes all of msn's rules.
func (s *Sandbox) ClearFaults(ctx context.Context, msn string) (int64, error) {
	n, err := s.store.DeleteFaults(ctx, msn)
	if err != nil {
		return 0, err
	}
	return n, s.Refresh(ctx)
}

// Reset deletes msn's orders, images, journal and rules. The entries this
// node still holds are written first, so none of them outlives the reset.
func (s *Sandbox) Reset(ctx context.Context, msn string) (api.SandboxReset, error) {
	if err := s.Flush(ctx); err != nil {
		return api.SandboxReset{}, err
	}
	res, err := s.store.ResetMerchant(ctx, msn)
	if err != nil {
		return res, err
	}
	return res, s.Refresh(ctx)
}
