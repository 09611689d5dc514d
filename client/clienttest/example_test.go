package clienttest_test

import (
	"errors"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/client/clienttest"
)

// sendReceipt is the code under test: the part of a shop that sends the
// receipt of an order.
func sendReceipt(t *testing.T, c *client.Client, orderID string) error {
	r, err := client.NewReceipt("NOK").
		AddLine(client.LineSpec{Name: "Wool socks", ID: "SKU-1001", UnitPrice: 12500, Quantity: "2", TaxRate: 2500}).
		AddShipping(client.LineSpec{UnitPrice: 4900, TaxRate: 2500}).
		Build()
	if err != nil {
		return err
	}
	_, err = c.AddReceipt(t.Context(), api.PaymentTypeECOM, orderID, r)
	return err
}

// testSendReceipt is a test of that code against a sandbox server; in a
// _test.go file of your own it would be func TestSendReceipt.
func testSendReceipt(t *testing.T) {
	srv := clienttest.NewServer(t) // a fresh server; stopped when the test ends
	c := srv.Client(t, "123456")   // a ready client for merchant 123456

	if err := sendReceipt(t, c, "1001"); err != nil {
		t.Fatalf("sendReceipt = %v", err)
	}
	o, err := c.GetOrder(t.Context(), api.PaymentTypeECOM, "1001")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := o.Receipt.Totals().Total, int64(29900); got != want {
		t.Errorf("stored total = %d, want %d", got, want)
	}
	// The server enforces the contract: a second receipt is a conflict.
	if err := sendReceipt(t, c, "1001"); !errors.Is(err, api.ErrConflict) {
		t.Errorf("second sendReceipt = %v, want a conflict", err)
	}
}

// Example shows a test that sends a receipt to a sandbox server and reads
// the order back; `go test` runs it as TestSendReceipt would.
func Example() {}
