package store

import (
	"errors"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
)

// TestCheckReceiptBody checks that a body which is not a JSON object is
// refused before anything is written.
func TestCheckReceiptBody(t *testing.T) {
	key := OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: "o-1"}
	tests := []struct {
		body string
		want error
	}{
		{`{"orderLines":[]}`, nil},
		{`{}`, nil},
		{``, api.ErrInvalid},
		{`{`, api.ErrInvalid},
		{`[]`, api.ErrInvalid},
		{`"receipt"`, api.ErrInvalid},
	}
	for _, tc := range tests {
		err := CheckReceipt(&Receipt{Key: key, ID: "r-1", Body: []byte(tc.body)})
		if !errors.Is(err, tc.want) {
			t.Errorf("CheckReceipt(Body %q) = %v, want %v", tc.body, err, tc.want)
		}
	}
}
