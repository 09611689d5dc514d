package sandbox

import (
	"fmt"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// How the checklist report tells a retry from a new call, and what it
// counts as backoff.
const (
	// retryWindow: a repeat of a failed request within it is a retry.
	retryWindow = 5 * time.Minute
	// minBackoff is the least pause before a retry that counts as backing
	// off rather than hammering.
	minBackoff = 100 * time.Millisecond
	// retryAfterSlack allows for the clocks of a request's start and end.
	retryAfterSlack = 20 * time.Millisecond
	// maxEvidence bounds the trace ids an item lists.
	maxEvidence = 10
)

// endpoints are the checklist's "endpoints to integrate".
var endpoints = []struct {
	id, title string
	ops       []string
}{
	{"endpoint.addImage", "Add image (POST /order-management/v1/images)", []string{"addImage"}},
	{"endpoint.addCategory", "Add category (PUT /order-management/v2/{paymentType}/categories/{orderId} or POST /order-management/v3/categories)", []string{"putCategory", "addCategory"}},
	{"endpoint.addReceipt", "Add receipt (POST /order-management/v2/{paymentType}/receipts/{orderId})", []string{"addReceipt"}},
	{"endpoint.getOrder", "Get order (GET /order-management/v2/{paymentType}/{orderId})", []string{"getOrder"}},
}

// chain is one logical call: a request and its repeats after failures
// (the same operation, method, path and body within retryWindow).
type chain struct{ tries []*api.JournalEntry }

// failed reports whether an answer invites a retry or a repeat: no answer
// or an error status.
func failed(e *api.JournalEntry) bool { return e.Status == 0 || e.Status >= 400 }

// retryable reports whether an answer is one a client should retry: a
// dropped connection, a 5xx or a 429.
func retryable(e *api.JournalEntry) bool {
	return e.Status == 0 || e.Status >= 500 || e.Status == 429
}

// chains groups entries (oldest first) into logical calls.
func chains(entries []api.JournalEntry) []*chain {
	open := map[string]*chain{}
	var out []*chain
	for i := range entries {
		e := &entries[i]
		key := e.Operation + " " + e.Method + " " + e.Path + " " + e.BodyHash
		if c := open[key]; c != nil {
			last := c.tries[len(c.tries)-1]
			if failed(last) && e.Time.Sub(last.End()) <= retryWindow {
				c.tries = append(c.tries, e)
				continue
			}
		}
		c := &chain{tries: []*api.JournalEntry{e}}
		open[key] = c
		out = append(out, c)
	}
	return out
}

// Judge judges entries (oldest first) of msn's journal against the Vipps
// MobilePay integration checklist. The error-handling items look at the
// answers fault rules shaped, and at the 400s and 409s the client met.
func Judge(msn string, entries []api.JournalEntry) *api.Checklist {
	cl := &api.Checklist{MSN: msn, Requests: len(entries), Items: []api.ChecklistItem{}}
	for _, ep := range endpoints {
		cl.Items = append(cl.Items, judgeEndpoint(entries, ep.id, ep.title, ep.ops))
	}
	cl.Items = append(cl.Items, judgeHeaders(entries))
	cs := chains(entries)
	cl.Items = append(cl.Items,
		judgeRetry(cs), judgeBackoff(cs), judgeRetryAfter(cs), judgeNo400Retry(cs),
		judgeLostAnswer(entries), judgeConflictDone(cs))
	cl.Result = api.ResultPass
	for _, it := range cl.Items {
		switch {
		case it.Result == api.ResultFail:
			cl.Result = api.ResultFail
		case it.Result == api.ResultNotYet && cl.Result == api.ResultPass:
			cl.Result = api.ResultNotYet
		}
	}
	return cl
}

// evidence collects up to maxEvidence distinct trace ids.
type evidence struct {
	ids  []string
	seen map[string]bool
	n    int
}

func (ev *evidence) add(e *api.JournalEntry) {
	ev.n++
	if ev.seen == nil {
		ev.seen = map[string]bool{}
	}
	if len(ev.ids) < maxEvidence && !ev.seen[e.TraceID] {
		ev.seen[e.TraceID] = true
		ev.ids = append(ev.ids, e.TraceID)
	}
}

func item(id, section, title string) api.ChecklistItem {
	return api.ChecklistItem{ID: id, Section: section, Title: title}
}

func judgeEndpoint(entries []api.JournalEntry, id, title string, ops []string) api.ChecklistItem {
	it := item(id, "Endpoints to integrate", title)
	st := &api.EndpointStats{Operations: ops}
	var ev evidence
	for i := range entries {
		e := &entries[i]
		if !contains(ops, e.Operation) {
			continue
		}
		st.Calls++
		if e.Succeeded() {
			st.Successes++
			t := e.Time
			st.LastSuccess = &t
		} else {
			ev.add(e)
		}
	}
	it.Endpoint = st
	switch {
	case st.Calls == 0:
		it.Result, it.Detail = api.ResultNotYet, "No calls yet."
	case st.Successes > 0:
		it.Result = api.ResultPass
		it.Detail = fmt.Sprintf("%d calls, %d succeeded.", st.Calls, st.Successes)
	default:
		it.Result, it.Evidence = api.ResultFail, ev.ids
		it.Detail = fmt.Sprintf("%d calls, none succeeded.", st.Calls)
	}
	return it
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// oneWord reports whether a name is one lower-case word, as the checklist
// asks of system and plugin names.
func oneWord(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || (r >= 'A' && r <= 'Z')
	})
}

func judgeHeaders(entries []api.JournalEntry) api.ChecklistItem {
	it := item("headers.system", "HTTP headers",
		"Every call sends Vipps-System-Name, -Version, -Plugin-Name and -Plugin-Version, each at most 30 characters, names as one lower-case word")
	var missing, long, words evidence
	for i := range entries {
		e := &entries[i]
		vals := []string{e.SystemName, e.SystemVersion, e.SystemPluginName, e.SystemPluginVersion}
		if contains(vals, "") {
			missing.add(e)
			continue
		}
		for _, v := range vals {
			if len([]rune(v)) > api.RecommendedSystemHeaderLen {
				long.add(e)
				break
			}
		}
		if !oneWord(e.SystemName) || !oneWord(e.SystemPluginName) {
			words.add(e)
		}
	}
	var probs []string
	var ev []string
	for _, p := range []struct {
		ev   *evidence
		what string
	}{{&missing, "lacked one or more of the four headers"}, {&long, "had a value over 30 characters"}, {&words, "had a name that is not one lower-case word"}} {
		if p.ev.n > 0 {
			probs = append(probs, fmt.Sprintf("%d calls %s", p.ev.n, p.what))
			ev = append(ev, p.ev.ids...)
		}
	}
	switch {
	case len(entries) == 0:
		it.Result, it.Detail = api.ResultNotYet, "No calls yet."
	case len(probs) > 0:
		it.Result, it.Evidence = api.ResultFail, ev[:min(len(ev), maxEvidence)]
		it.Detail = strings.Join(probs, "; ") + fmt.Sprintf(", of %d.", len(entries))
	default:
		it.Result, it.Detail = api.ResultPass, fmt.Sprintf("All %d calls sent the four headers.", len(entries))
	}
	return it
}

const errSection = "Error handling"

// judgeRetry: after a fault's 5xx, 429 or dropped connection, the client
// tried again.
func judgeRetry(cs []*chain) api.ChecklistItem {
	it := item("errors.retry", errSection, "After a 5xx, a 429 or a dropped connection the client retries")
	var judged int
	var ev evidence
	for _, c := range cs {
		first := c.tries[0]
		if first.FaultID == "" || !retryable(first) {
			continue
		}
		judged++
		if len(c.tries) == 1 {
			ev.add(first)
		}
	}
	return verdict(it, judged, ev, "fault answers were retried", "fault answers were never retried")
}

// verdict sets an item's result from how many cases were judged and the
// failing ones.
func verdict(it api.ChecklistItem, judged int, ev evidence, passed, failedMsg string) api.ChecklistItem {
	switch {
	case judged == 0:
		it.Result, it.Detail = api.ResultNotYet, "Nothing to judge yet: add a fault rule (POST /_sandbox/faults) and run your client against it."
	case ev.n > 0:
		it.Result, it.Evidence = api.ResultFail, ev.ids
		it.Detail = fmt.Sprintf("%d of %d %s.", ev.n, judged, failedMsg)
	default:
		it.Result, it.Detail = api.ResultPass, fmt.Sprintf("%d of %d %s.", judged, judged, passed)
	}
	return it
}

// pauses yields each retry after a retryable answer: the answer, the
// retry and the pause between them.
func pauses(c *chain, f func(prev, next *api.JournalEntry, gap time.Duration)) {
	for i := 1; i < len(c.tries); i++ {
		prev, next := c.tries[i-1], c.tries[i]
		if retryable(prev) {
			f(prev, next, next.Time.Sub(prev.End()))
		}
	}
}

// judgeBackoff: the retries after a fault wait at least minBackoff, and
// no pause is shorter than the one before it. Pauses that a Retry-After
// dictated are left to judgeRetryAfter.
func judgeBackoff(cs []*chain) api.ChecklistItem {
	it := item("errors.backoff", errSection,
		fmt.Sprintf("Retries back off: at least %d ms before a retry, and no pause shorter than the one before", minBackoff.Milliseconds()))
	var judged int
	var ev evidence
	for _, c := range cs {
		if c.tries[0].FaultID == "" {
			continue
		}
		var last time.Duration
		pauses(c, func(prev, next *api.JournalEntry, gap time.Duration) {
			if prev.RetryAfter > 0 {
				return
			}
			judged++
			if gap < minBackoff || gap < last {
				ev.add(next)
			}
			last = gap
		})
	}
	return verdict(it, judged, ev, "retries backed off", "retries came too soon")
}

// judgeRetryAfter: a retry after an answer with Retry-After waits that long.
func judgeRetryAfter(cs []*chain) api.ChecklistItem {
	it := item("errors.retryAfter", errSection, "Retries honour Retry-After")
	var judged int
	var ev evidence
	for _, c := range cs {
		pauses(c, func(prev, next *api.JournalEntry, gap time.Duration) {
			if prev.RetryAfter <= 0 || prev.FaultID == "" {
				return
			}
			judged++
			if gap < time.Duration(prev.RetryAfter)*time.Second-retryAfterSlack {
				ev.add(next)
			}
		})
	}
	return verdict(it, judged, ev, "retries waited as Retry-After asked", "retries came before Retry-After")
}

// judgeNo400Retry: a 400 is never sent again unchanged.
func judgeNo400Retry(cs []*chain) api.ChecklistItem {
	it := item("errors.no400Retry", errSection, "A request answered 400 is not retried unchanged")
	var judged int
	var ev evidence
	for _, c := range cs {
		for i, e := range c.tries {
			if e.Status != 400 {
				continue
			}
			judged++
			if i+1 < len(c.tries) {
				ev.add(c.tries[i+1])
			}
		}
	}
	return verdict(it, judged, ev, "400 answers were not repeated", "400 answers were sent again unchanged")
}

// judgeLostAnswer: after a receipt's answer was lost (a fault `after`
// storing it), the client tried again with the same receipt and settled on
// the one stored (a 2xx, or a 409 it accepted): exactly one receipt.
func judgeLostAnswer(entries []api.JournalEntry) api.ChecklistItem {
	it := item("errors.lostAnswer", errSection,
		"After a receipt's answer is lost once it was stored, the client ends with exactly one receipt")
	var judged int
	var ev evidence
	for i := range entries {
		lost := &entries[i]
		if lost.Operation != "addReceipt" || lost.FaultWhen != api.FaultAfter || !failed(lost) {
			continue
		}
		judged++
		var later []*api.JournalEntry
		for j := i + 1; j < len(entries); j++ {
			if e := &entries[j]; e.Operation == "addReceipt" && e.Path == lost.Path {
				later = append(later, e)
			}
		}
		conflicts, settled, bad := 0, false, false
		for _, e := range later {
			switch {
			case e.BodyHash != lost.BodyHash:
				bad = true // another receipt for the same order
			case e.Status == 409:
				conflicts++
				settled = true
			case e.Status >= 200 && e.Status < 300:
				settled = true
			}
		}
		if !settled || bad || conflicts > 1 {
			ev.add(lost)
		}
	}
	return verdict(it, judged, ev, "lost answers ended with the one receipt stored",
		"lost answers were not settled (no retry, another receipt, or repeated 409s)")
}

// judgeConflictDone: a 409 on an image or receipt is taken as done, not
// sent again.
func judgeConflictDone(cs []*chain) api.ChecklistItem {
	it := item("errors.conflictDone", errSection, "A 409 on a repeated image or receipt is treated as done")
	var judged int
	var ev evidence
	for _, c := range cs {
		for i, e := range c.tries {
			if e.Status != 409 || (e.Operation != "addImage" && e.Operation != "addReceipt") {
				continue
			}
			judged++
			if i+1 < len(c.tries) {
				ev.add(c.tries[i+1])
			}
		}
	}
	return verdict(it, judged, ev, "409 answers were taken as done", "409 answers were sent again")
}
