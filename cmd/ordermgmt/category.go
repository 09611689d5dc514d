package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/ordermgmt/ordermgmt/api"
)

// runCategory is `ordermgmt category set`.
var runCategory = group("category", map[string]command{
	"set": {"ORDER --type TYPE --url URL [--image ID]", runCategorySet},
})

// categoryFlags maps the fields of a category body to the flags that set
// them, so that a local check names the flag to fix.
var categoryFlags = map[string]string{"category": "--type", "orderDetailsUrl": "--url", "imageId": "--image"}

// categorySetResult is the --json output of `category set`.
type categorySetResult struct {
	CategoryID  string          `json:"categoryId"`
	OrderID     string          `json:"orderId"`
	PaymentType api.PaymentType `json:"paymentType"`
	Category    api.Category    `json:"category"`
	TraceID     string          `json:"traceId"`
}

// runCategorySet adds or replaces the category of an order: the link (and
// image) the app shows with the payment.
func runCategorySet(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("category set", "category set ORDER --type TYPE --url URL [--image ID] [flags]",
		"Adds or replaces the category of an order: the link, and optionally the image, the app shows with it.", e,
		"ordermgmt category set 1001 --type DELIVERY --url https://shop.example/orders/1001",
		"ordermgmt category set 1001 --type ticket --url https://shop.example/t/1001 --image logo-2 --payment-type recurring")
	var af apiFlags
	af.register(fs, true)
	typ := fs.String("type", "", "category: GENERAL, RECEIPT, ORDER_CONFIRMATION, DELIVERY, TICKET or BOOKING (any letter case)")
	link := fs.String("url", "", "order details link, an absolute https URL")
	image := fs.String("image", "", "id of an image uploaded with 'ordermgmt image add' (optional)")
	orderID, pt, err := af.parseOrder(fs, args)
	if err != nil {
		return err
	}
	var missing []string
	if *typ == "" {
		missing = append(missing, "--type")
	}
	if *link == "" {
		missing = append(missing, "--url")
	}
	if len(missing) > 0 {
		return usagef("category set: missing %s; for example --type DELIVERY --url https://shop.example/orders/%s", strings.Join(missing, " and "), orderID)
	}
	// The API wants upper case; on a command line any case is easier.
	cat := api.Category{Category: api.CategoryType(strings.ToUpper(*typ)), OrderDetailsURL: *link}
	// No --image means no imageId in the body, not an empty one.
	if *image != "" {
		cat.ImageID = image
	}
	// The service's own checks, before anything is sent, naming flags.
	if err := checkLocally(fs, orderID, cat.Validate(), categoryFlags); err != nil {
		return err
	}
	c, err := af.client(e, true)
	if err != nil {
		return err
	}
	res, err := c.SetCategory(ctx, pt, orderID, cat)
	if err != nil {
		return failure(c, err)
	}
	if af.json {
		return writeJSON(e.stdout, categorySetResult{CategoryID: res.ID, OrderID: orderID, PaymentType: pt, Category: cat, TraceID: res.TraceID})
	}
	fmt.Fprintf(e.stdout, "Category of order %s (%s) set: %s, shown as %q\n", orderID, pt, cat.Category, cat.Category.Label())
	writeCategory(e.stdout, &cat)
	fmt.Fprintf(e.stdout, "  category id: %s\n", res.ID)
	return nil
}

// checkLocally turns the problems of a local check into a usage error that
// names the flags (or the ORDER argument) to fix.
func checkLocally(fs *flag.FlagSet, orderID string, err error, flags map[string]string) error {
	ps := api.CheckOrderID(orderID)
	if p := api.AsProblem(err); err != nil {
		ps = append(ps, p.InvalidParams...)
	}
	if len(ps) == 0 {
		return nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s: nothing was sent:", fs.Name())
	for _, p := range ps {
		name := flags[p.Name]
		if p.Name == "orderId" {
			name = "ORDER"
		}
		if name == "" {
			name = p.Name
		}
		fmt.Fprintf(&b, "\n  %s: %s", name, p.Reason)
	}
	return usagef("%s", b.String())
}
