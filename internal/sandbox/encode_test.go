package sandbox

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/api"
)

func sampleEntry() api.JournalEntry {
	return api.JournalEntry{ID: "1764622800000000001", Time: time.Date(2026, 12, 1, 21, 0, 0, 123456789, time.UTC), Method: "POST",
		Path: "/order-management/v2/ECOM/receipts/o-1\t\n", Operation: "addReceipt", PaymentType: "ECOM", OrderID: "o-1",
		Status: 502, DurationMs: 2.125, TraceID: "4bf92f3577b34da6a3ce929d0e0e4736", SystemName: "acme \"shop\" ø",
		SystemVersion: "1.0", SystemPluginName: "p", SystemPluginVersion: "\x01\xff", IdempotencyKey: "k",
		SubscriptionKey: "…abcd", ClientID: "c", BodyHash: "0a1b2c3d", FaultID: "f", FaultWhen: "after", Dropped: true,
		HandledStatus: 201, RetryAfter: 2, Code: "sandbox_fault", Detail: "Sandbox fault rule f answered 502 Bad Gateway."}
}

// TestEntryRoundTrip: an entry comes back from its line as it was, with
// its id from the seq; a line of another format is refused.
func TestEntryRoundTrip(t *testing.T) {
	for _, e := range []api.JournalEntry{sampleEntry(), {ID: "7", Time: time.Unix(0, 7).UTC()}} {
		line := appendEntry(nil, 1764622800000000001, &e)
		got, seq, err := parseEntry(string(line))
		e.ID = "1764622800000000001"
		if err != nil || seq != 1764622800000000001 {
			t.Fatalf("parseEntry(%q) = %v, seq %d", line, err, seq)
		}
		if diff := cmp.Diff(e, got); diff != "" {
			t.Errorf("round trip mismatch (-want +got):\n%s", diff)
		}
	}
	for _, bad := range []string{"", "2\tx", `{"id":"1"}`} {
		if _, _, err := parseEntry(bad); err == nil {
			t.Errorf("parseEntry(%q) = nil error, want one", bad)
		}
	}
}

// BenchmarkEncodeEntry compares the page line with JSON, per entry.
func BenchmarkEncodeEntry(b *testing.B) {
	e := sampleEntry()
	b.Run("line", func(b *testing.B) {
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			buf = appendEntry(buf[:0], 1, &e)
		}
		b.ReportMetric(float64(len(buf)), "bytes/entry")
	})
	b.Run("json", func(b *testing.B) {
		var n int
		for b.Loop() {
			out, err := json.Marshal(&e)
			if err != nil {
				b.Fatal(err)
			}
			n = len(out)
		}
		b.ReportMetric(float64(n), "bytes/entry")
	})
}

// TestAppendStrIsQuote: the copying path of appendStr writes what
// strconv.Quote writes, for every byte alone and amid plain text.
func TestAppendStrIsQuote(t *testing.T) {
	cases := []string{"", "plain", "/order-management/v2/ECOM/o-1", "ø", "a\u2028b", "\xff", "~ !",
		"…", "…1234", "……", "…\xff", "\xe2\x80", "\xe2\x80\xa6\xa6", "x…"}
	for c := range 256 {
		cases = append(cases, string(rune(c)), "x"+string([]byte{byte(c)})+"y")
	}
	for _, s := range cases {
		if got, want := string(appendStr(nil, s)), "\t"+strconv.Quote(s); got != want {
			t.Errorf("appendStr(%q) = %q, want %q", s, got, want)
		}
	}
}

// FuzzAppendStr: appendStr writes what strconv.Quote writes for any
// string.
func FuzzAppendStr(f *testing.F) {
	for _, s := range []string{"", "plain", "…1234", "ø", "\xe2\x80", "a\"b", "\t"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(appendStr(nil, s)), "\t"+strconv.Quote(s); got != want {
			t.Errorf("appendStr(%q) = %q, want %q", s, got, want)
		}
	})
}
