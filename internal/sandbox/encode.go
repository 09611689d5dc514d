package sandbox

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// A journal entry as a page stores it: one line of tab-separated fields
// in a fixed order, strings quoted with strconv.Quote (which never leaves
// a tab or newline unescaped), numbers in decimal. Only the sandbox reads
// pages. Against JSON it halves the bytes each request adds to the store
// (299 against 640 for BenchmarkEncodeEntry's entry): the journal's writes
// were about a tenth of a GET's CPU time in a profile, most of it copying
// bytes into the database and its log.

// entryVersion starts every line, so a later format can tell old lines.
const entryVersion = "1"

// appendEntry appends e (with seq, its id) as one line without the newline.
func appendEntry(b []byte, seq int64, e *api.JournalEntry) []byte {
	return appendFields(appendHead(b, seq), e)
}

// appendHead appends what starts a line: the version and the seq, which a
// node assigns only when it queues the entry.
func appendHead(b []byte, seq int64) []byte {
	return appendNum(append(b, entryVersion...), seq)
}

// headLen is the length of appendHead's bytes for seq.
func headLen(seq int64) int {
	var b [24]byte
	return len(appendHead(b[:0], seq))
}

// appendFields appends the fields after the seq.
func appendFields(b []byte, e *api.JournalEntry) []byte {
	dropped := int64(0)
	if e.Dropped {
		dropped = 1
	}
	b = appendNum(b, e.Time.UnixNano())
	for _, s := range [...]string{e.Method, e.Path, e.Operation, e.PaymentType, e.OrderID} {
		b = appendStr(b, s)
	}
	b = appendNum(b, int64(e.Status))
	b = appendNum(b, int64(e.DurationMs*1000)) // microseconds
	for _, s := range [...]string{e.TraceID, e.SystemName, e.SystemVersion, e.SystemPluginName, e.SystemPluginVersion,
		e.IdempotencyKey, e.SubscriptionKey, e.ClientID, e.BodyHash, e.FaultID, e.FaultWhen} {
		b = appendStr(b, s)
	}
	b = appendNum(b, dropped)
	b = appendNum(b, int64(e.HandledStatus))
	b = appendNum(b, int64(e.RetryAfter))
	b = appendStr(b, e.Code)
	return appendStr(b, e.Detail)
}

func appendNum(b []byte, n int64) []byte { return strconv.AppendInt(append(b, '\t'), n, 10) }

// appendStr appends s quoted as strconv.Quote quotes it. Nearly every
// string a request brings is printable ASCII without a quote or
// backslash, which Quote leaves as it is, and the masked subscription key
// adds only "…": those are copied, which costs a fraction of Quote's
// rune-by-rune walk. TestAppendStrIsQuote and FuzzAppendStr hold the two
// to the same output.
func appendStr(b []byte, s string) []byte {
	b = append(b, '\t')
	for i := 0; i < len(s); i++ {
		if !plain[s[i]] {
			if strings.HasPrefix(s[i:], ellipsis) {
				i += len(ellipsis) - 1
				continue
			}
			return strconv.AppendQuote(b, s)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// ellipsis starts every masked subscription key; Quote keeps it as it is.
const ellipsis = "…"

// plain marks the bytes Quote copies unchanged on their own.
var plain = func() (t [256]bool) {
	for c := ' '; c <= '~'; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

var errBadEntry = errors.New("sandbox: malformed journal line")

// parseEntry reads a line appendEntry wrote.
func parseEntry(line string) (api.JournalEntry, int64, error) {
	var e api.JournalEntry
	fields := strings.Split(line, "\t")
	if len(fields) != 26 || fields[0] != entryVersion {
		return e, 0, errBadEntry
	}
	var err error
	next := 1
	num := func() int64 {
		n, perr := strconv.ParseInt(fields[next], 10, 64)
		next++
		if perr != nil {
			err = perr
		}
		return n
	}
	str := func() string {
		s, perr := strconv.Unquote(fields[next])
		next++
		if perr != nil {
			err = perr
		}
		return s
	}
	seq := num()
	e.ID = strconv.FormatInt(seq, 10)
	e.Time = time.Unix(0, num()).UTC()
	e.Method, e.Path, e.Operation, e.PaymentType, e.OrderID = str(), str(), str(), str(), str()
	e.Status = int(num())
	e.DurationMs = float64(num()) / 1000
	e.TraceID = str()
	e.SystemName, e.SystemVersion, e.SystemPluginName, e.SystemPluginVersion = str(), str(), str(), str()
	e.IdempotencyKey, e.SubscriptionKey, e.ClientID, e.BodyHash = str(), str(), str(), str()
	e.FaultID, e.FaultWhen = str(), str()
	e.Dropped = num() == 1
	e.HandledStatus, e.RetryAfter = int(num()), int(num())
	e.Code, e.Detail = str(), str()
	return e, seq, err
}
