package client

import (
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
)

func TestFieldMessageEveryCode(t *testing.T) {
	codes := append(append([]string{}, api.ParamCodes...), api.WarningCodes...)
	for _, code := range codes {
		// Without a reason, every code still has a sentence of its own
		// (those that lean on the reason say the value was not accepted).
		msg := FieldMessage(api.InvalidParam{Name: "x", Code: code})
		if msg == "" {
			t.Errorf("FieldMessage(%s) is empty", code)
		}
	}
	p := api.InvalidParam{Name: "orderDetailsUrl", Code: api.CodeNotHTTPS, Reason: "scheme http"}
	if got := FieldMessage(p); got == p.Reason {
		t.Errorf("FieldMessage(not_https) = the raw reason %q, want the plain sentence", got)
	}
	p = api.InvalidParam{Name: "imageId", Code: api.CodeImageNotFound, Reason: "No image x exists for merchant 123456."}
	if got := FieldMessage(p); got != p.Reason {
		t.Errorf("FieldMessage(image_not_found) = %q, want the reason, which names the image", got)
	}
	p = api.InvalidParam{Name: "y", Code: "some_new_code", Reason: "A newer rule."}
	if got := FieldMessage(p); got != p.Reason {
		t.Errorf("FieldMessage(unknown code) = %q, want the reason", got)
	}
}

func TestUserMessageTimeoutAndStorageFull(t *testing.T) {
	e := &Error{Status: 408, Op: OpAddReceipt, OrderID: "o-1"}
	if got, want := e.UserMessage(), "The receipt for order o-1 arrived too slowly at the service and was not stored; try again."; got != want {
		t.Errorf("UserMessage(408) = %q, want %q", got, want)
	}
	e = &Error{Status: 503, Code: "storage_full", Op: OpSetCategory}
	if got := e.UserMessage(); got == (&Error{Status: 503}).UserMessage() {
		t.Errorf("UserMessage(storage_full) = %q, the same as any 503", got)
	}
}
