package storetest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store"
)

// RunSupportLog checks a store's record of support actions: actions come
// back whole, newest first, limited, per order, and survive a reopen.
func RunSupportLog(t *testing.T, open func(t *testing.T) store.SupportLog) {
	ctx := context.Background()
	s := open(t)
	msn := newMSN()
	key := newKey(msn, api.PaymentTypeECOM)
	other := []store.OrderKey{
		{MSN: msn, PaymentType: api.PaymentTypeRECURRING, OrderID: key.OrderID},
		{MSN: otherMSN(msn), PaymentType: api.PaymentTypeECOM, OrderID: key.OrderID},
	}
	base := time.Date(2026, 11, 30, 12, 0, 0, 123456000, time.FixedZone("CET", 3600))
	want := []store.SupportAction{
		{Key: key, At: base, Actor: "kari", Action: "set category", Detail: "RECEIPT https://shop.example/1", OK: true, Outcome: "done", TraceID: "00-aa-bb-00"},
		{Key: key, At: base, Actor: "kari", Action: "add receipt", Detail: "2 lines", OK: false, Outcome: "The receipt was rejected: ø.", TraceID: ""},
		{Key: key, At: base.Add(time.Second), Actor: "ola", Action: "upload image", Detail: strings.Repeat("x", store.MaxDetailLen), OK: true, Outcome: "done"},
	}
	for i := range want {
		if err := s.AddSupportAction(ctx, &want[i]); err != nil {
			t.Fatalf("AddSupportAction(%d): %v", i, err)
		}
	}
	for _, k := range other {
		if err := s.AddSupportAction(ctx, &store.SupportAction{Key: k, Actor: "x", Action: "set category", Outcome: "done"}); err != nil {
			t.Fatal(err)
		}
	}
	check := func(s store.SupportLog) {
		t.Helper()
		got, err := s.SupportActions(ctx, key, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("SupportActions = %d actions, want %d", len(got), len(want))
		}
		for i, g := range got {
			w := want[len(want)-1-i] // newest first
			w.At = w.At.UTC()
			if g != w {
				t.Errorf("SupportActions[%d] = %+v\nwant %+v", i, g, w)
			}
			if g.At.Location() != time.UTC {
				t.Errorf("SupportActions[%d].At in %s, want UTC", i, g.At.Location())
			}
		}
	}
	check(s)
	if got, err := s.SupportActions(ctx, key, 2); err != nil || len(got) != 2 || got[0].Actor != "ola" {
		t.Errorf("SupportActions(limit 2) = %+v, %v; want the 2 newest", got, err)
	}
	if got, err := s.SupportActions(ctx, newKey(msn, api.PaymentTypeECOM), 10); err != nil || got == nil || len(got) != 0 {
		t.Errorf("SupportActions(no actions) = %#v, %v; want an empty list", got, err)
	}
	// A zero time is the time of the write.
	fresh := newKey(msn, api.PaymentTypeECOM)
	before := time.Now().Add(-time.Minute)
	if err := s.AddSupportAction(ctx, &store.SupportAction{Key: fresh, Actor: "x", Action: "a", Outcome: "done"}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.SupportActions(ctx, fresh, 1); len(got) != 1 || got[0].At.Before(before) {
		t.Errorf("action with a zero time = %+v, want the time of the write", got)
	}
	for _, bad := range []store.SupportAction{
		{Key: key, Action: "a"},
		{Key: store.OrderKey{MSN: msn}, Actor: "x", Action: "a"},
		{Key: key, Actor: "x", Action: "a", Detail: strings.Repeat("x", store.MaxDetailLen+1)},
	} {
		if err := s.AddSupportAction(ctx, &bad); err == nil {
			t.Errorf("AddSupportAction(%+v) = nil, want an error", bad.Key)
		}
	}
	if c, ok := s.(interface{ Close() error }); ok {
		c.Close()
		check(open(t))
	}
}
