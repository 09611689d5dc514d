package sandbox

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// script builds journal entries with a fake clock: each entry starts
// where the last one's gap ends and lasts 2 ms.
type script struct {
	t       time.Time
	entries []api.JournalEntry
	n       int
}

func newScript() *script { return &script{t: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)} }

// call records a request after a pause of gap; it returns its trace id.
func (s *script) call(gap time.Duration, e api.JournalEntry) string {
	s.t = s.t.Add(gap)
	s.n++
	e.ID = strconv.Itoa(s.n)
	e.Time = s.t
	e.DurationMs = 2
	e.TraceID = "trace-" + strconv.Itoa(s.n)
	if e.SystemName == "" {
		e.SystemName, e.SystemVersion, e.SystemPluginName, e.SystemPluginVersion = "acme-shop", "1.2.3", "ordermgmt-go", "0.9.0"
	}
	if e.Method == "" {
		e.Method = "POST"
	}
	s.entries = append(s.entries, e)
	s.t = e.End()
	return e.TraceID
}

func receipt(order string, status int) api.JournalEntry {
	return api.JournalEntry{Operation: "addReceipt", Path: "/order-management/v2/ECOM/receipts/" + order, OrderID: order, BodyHash: "r-" + order, Status: status}
}

func faulted(e api.JournalEntry, when string, retryAfter int) api.JournalEntry {
	e.FaultID, e.FaultWhen, e.RetryAfter = "f-1", when, retryAfter
	if when == api.FaultAfter {
		e.HandledStatus = 201
	}
	if e.Status == 0 {
		e.Dropped = true
	}
	return e
}

// wellBehaved is what the SDK does against the rules of the SDK's test.
func wellBehaved() *script {
	s := newScript()
	s.call(0, api.JournalEntry{Operation: "token", Path: "/accesstoken/get", Status: 200})
	img := api.JournalEntry{Operation: "addImage", Path: "/order-management/v1/images", OrderID: "img", BodyHash: "i", Status: 200}
	s.call(time.Millisecond, faulted(api.JournalEntry{Operation: "addImage", Path: img.Path, OrderID: "img", BodyHash: "i", Status: 0}, api.FaultAfter, 0))
	s.call(300*time.Millisecond, api.JournalEntry{Operation: "addImage", Path: img.Path, OrderID: "img", BodyHash: "i", Status: 409})
	s.call(time.Millisecond, api.JournalEntry{Operation: "putCategory", Method: "PUT", Path: "/order-management/v2/ECOM/categories/o-1", OrderID: "o-1", BodyHash: "c", Status: 200})
	// 502 then success, with growing pauses.
	s.call(time.Millisecond, faulted(receipt("o-1", 502), api.FaultBefore, 0))
	s.call(150*time.Millisecond, faulted(receipt("o-1", 502), api.FaultBefore, 0))
	s.call(300*time.Millisecond, receipt("o-1", 201))
	// 429 with Retry-After 1.
	s.call(time.Millisecond, faulted(receipt("o-2", 429), api.FaultBefore, 1))
	s.call(time.Second, receipt("o-2", 201))
	// An answer dropped after the receipt was stored: a retry meets 409
	// and the client reads the order back.
	s.call(time.Millisecond, faulted(receipt("o-3", 0), api.FaultAfter, 0))
	s.call(200*time.Millisecond, receipt("o-3", 409))
	s.call(time.Millisecond, api.JournalEntry{Operation: "getOrder", Method: "GET", Path: "/order-management/v2/ECOM/o-3", OrderID: "o-3", Status: 200})
	// A 400 that the client fixes before sending again.
	s.call(time.Millisecond, receipt("o-4", 400))
	bad := receipt("o-4", 201)
	bad.BodyHash = "fixed"
	s.call(time.Second, bad)
	return s
}

func results(cl *api.Checklist) map[string]api.ChecklistItem {
	m := map[string]api.ChecklistItem{}
	for _, it := range cl.Items {
		m[it.ID] = it
	}
	return m
}

func TestJudgeWellBehaved(t *testing.T) {
	cl := Judge("123456", wellBehaved().entries)
	for _, it := range cl.Items {
		if it.Result != api.ResultPass {
			t.Errorf("item %s = %s (%s), want pass", it.ID, it.Result, it.Detail)
		}
	}
	if cl.Result != api.ResultPass || cl.Requests != 14 {
		t.Errorf("Judge() = %s over %d requests, want pass over 14", cl.Result, cl.Requests)
	}
	if e := results(cl)["endpoint.addReceipt"].Endpoint; e.Calls != 9 || e.Successes != 4 || e.LastSuccess == nil {
		t.Errorf("add receipt stats = %+v, want 9 calls, 4 successes (one stored with its answer lost)", e)
	}
}

func TestJudgeNothingYet(t *testing.T) {
	cl := Judge("123456", nil)
	for _, it := range cl.Items {
		if it.Result != api.ResultNotYet {
			t.Errorf("item %s = %s, want not yet", it.ID, it.Result)
		}
	}
	if cl.Result != api.ResultNotYet {
		t.Errorf("Judge(nothing) = %s, want not yet", cl.Result)
	}
}

// TestJudgeFailures: each misbehaviour fails its item with the trace ids
// of the requests that show it.
func TestJudgeFailures(t *testing.T) {
	tests := []struct {
		name string
		item string
		run  func(s *script) []string // returns the expected evidence
	}{
		{"no system headers", "headers.system", func(s *script) []string {
			tr := s.call(0, api.JournalEntry{Operation: "getOrder", Path: "/p", Status: 404, SystemName: "acme", SystemVersion: "1"})
			return []string{tr}
		}},
		{"name of two words", "headers.system", func(s *script) []string {
			return []string{s.call(0, api.JournalEntry{Operation: "getOrder", Path: "/p", Status: 404,
				SystemName: "Acme Shop", SystemVersion: "1", SystemPluginName: "p", SystemPluginVersion: "1"})}
		}},
		{"never retries a 502", "errors.retry", func(s *script) []string {
			return []string{s.call(0, faulted(receipt("o-1", 502), api.FaultBefore, 0))}
		}},
		{"retries at once", "errors.backoff", func(s *script) []string {
			s.call(0, faulted(receipt("o-1", 502), api.FaultBefore, 0))
			return []string{s.call(5*time.Millisecond, receipt("o-1", 201))}
		}},
		{"pauses shrink", "errors.backoff", func(s *script) []string {
			s.call(0, faulted(receipt("o-1", 502), api.FaultBefore, 0))
			s.call(400*time.Millisecond, faulted(receipt("o-1", 502), api.FaultBefore, 0))
			return []string{s.call(200*time.Millisecond, receipt("o-1", 201))}
		}},
		{"ignores Retry-After", "errors.retryAfter", func(s *script) []string {
			s.call(0, faulted(receipt("o-1", 429), api.FaultBefore, 2))
			return []string{s.call(500*time.Millisecond, receipt("o-1", 201))}
		}},
		{"retries a 400", "errors.no400Retry", func(s *script) []string {
			s.call(0, receipt("o-1", 400))
			return []string{s.call(time.Second, receipt("o-1", 400))}
		}},
		{"gives up after a lost answer", "errors.lostAnswer", func(s *script) []string {
			return []string{s.call(0, faulted(receipt("o-1", 502), api.FaultAfter, 0))}
		}},
		{"sends another receipt after a lost answer", "errors.lostAnswer", func(s *script) []string {
			tr := s.call(0, faulted(receipt("o-1", 0), api.FaultAfter, 0))
			other := receipt("o-1", 409)
			other.BodyHash = "another"
			s.call(time.Second, other)
			return []string{tr}
		}},
		{"repeats a 409", "errors.conflictDone", func(s *script) []string {
			s.call(0, receipt("o-1", 409))
			return []string{s.call(time.Second, receipt("o-1", 409))}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newScript()
			want := tc.run(s)
			it := results(Judge("123456", s.entries))[tc.item]
			if it.Result != api.ResultFail || !slices.Equal(it.Evidence, want) {
				t.Errorf("item %s = %s %v (%s), want fail with evidence %v", tc.item, it.Result, it.Evidence, it.Detail, want)
			}
		})
	}
}

// TestJudgeRetryWindow: a repeat long after a failure is a new call, not
// a retry.
func TestJudgeRetryWindow(t *testing.T) {
	s := newScript()
	s.call(0, receipt("o-1", 400))
	s.call(retryWindow+time.Second, receipt("o-1", 400))
	if it := results(Judge("123456", s.entries))["errors.no400Retry"]; it.Result != api.ResultPass {
		t.Errorf("400 item = %s (%s), want pass", it.Result, it.Detail)
	}
}

func TestSeededDraw(t *testing.T) {
	var fired int
	for n := int64(1); n <= 1000; n++ {
		a, b := SeededDraw(42, n), SeededDraw(42, n)
		if a != b || a < 0 || a >= 1 {
			t.Fatalf("SeededDraw(42, %d) = %v, %v; want one number in [0, 1)", n, a, b)
		}
		if a < 0.25 {
			fired++
		}
	}
	if fired < 200 || fired > 300 {
		t.Errorf("SeededDraw(42, 1..1000) < 0.25 %d times, want about 250", fired)
	}
	if SeededDraw(1, 1) == SeededDraw(2, 1) {
		t.Errorf("SeededDraw(1, 1) == SeededDraw(2, 1): seeds do not change the sequence")
	}
}
