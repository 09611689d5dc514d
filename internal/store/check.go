package store

import (
	"fmt"

	"github.com/ordermgmt/ordermgmt/api"
)

// The checks below reject values a store's schema could not hold. The
// server validates requests first; these guard against programming
// mistakes, the same way in every store.

// String formats a key for error messages and logs: MSN/TYPE/ORDER.
func (k OrderKey) String() string {
	return fmt.Sprintf("%s/%s/%s", k.MSN, k.PaymentType, k.OrderID)
}

// Check rejects a key the schema could not hold or that would never be
// found again: payment types are stored in their canonical upper case.
func (k OrderKey) Check(op string) error {
	switch {
	case k.MSN == "":
		return fmt.Errorf("%s: Key.MSN is empty: %w", op, api.ErrInvalid)
	case k.PaymentType != api.PaymentTypeECOM && k.PaymentType != api.PaymentTypeRECURRING:
		return fmt.Errorf("%s: Key.PaymentType %q is not ECOM or RECURRING: %w", op, k.PaymentType, api.ErrInvalid)
	case k.OrderID == "":
		return fmt.Errorf("%s: Key.OrderID is empty: %w", op, api.ErrInvalid)
	}
	return nil
}

// CheckCategory rejects a category the schema could not hold.
func CheckCategory(c *Category) error {
	if c == nil {
		return fmt.Errorf("category: category is nil: %w", api.ErrInvalid)
	}
	if err := c.Key.Check("category"); err != nil {
		return err
	}
	switch {
	case c.ID == "":
		return fmt.Errorf("category: ID is empty: %w", api.ErrInvalid)
	case c.Category.Category == "":
		return fmt.Errorf("category: Category.Category is empty: %w", api.ErrInvalid)
	}
	return nil
}

// CheckReceipt rejects a receipt the schema could not hold. The body must
// be a JSON object because readers return it to clients without decoding
// it; it is the canonical encoding of an api.Receipt, which cannot be
// invalid, so only its shape is checked: parsing the 2 KB again on every
// write cost a twentieth of a receipt's CPU time.
func CheckReceipt(r *Receipt) error {
	if r == nil {
		return fmt.Errorf("add receipt: receipt is nil: %w", api.ErrInvalid)
	}
	if err := r.Key.Check("add receipt"); err != nil {
		return err
	}
	switch {
	case r.ID == "":
		return fmt.Errorf("add receipt: ID is empty: %w", api.ErrInvalid)
	case len(r.Body) < 2 || r.Body[0] != '{' || r.Body[len(r.Body)-1] != '}':
		return fmt.Errorf("add receipt: Body is not a JSON object: %w", api.ErrInvalid)
	}
	return nil
}

// CheckImage rejects an image the schema could not hold. The server
// validates requests first; this guards against programming mistakes.
func CheckImage(img *Image) error {
	switch {
	case img == nil:
		return fmt.Errorf("put image: image is nil: %w", api.ErrInvalid)
	case img.MSN == "":
		return fmt.Errorf("put image: MSN is empty: %w", api.ErrInvalid)
	case img.ID == "":
		return fmt.Errorf("put image: ID is empty: %w", api.ErrInvalid)
	case len(img.Data) == 0:
		return fmt.Errorf("put image %q: Data is empty: %w", img.ID, api.ErrInvalid)
	}
	return nil
}
