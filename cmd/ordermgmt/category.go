package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/ordermgmt/ordermgmt/api"
)

// runCategory is `ordermgmt category set|add|list|get|delete`: set is v2,
// replacing an order's categories with one; the others are v3, where an
// order may have several.
var runCategory = group("category", map[string]command{
	"set":    {"ORDER --type TYPE --url URL [--image ID]", runCategorySet},
	"add":    {"ORDER --type TYPE --url URL [--image ID]", runCategoryAdd},
	"list":   {"ORDER", runCategoryList},
	"get":    {"CATEGORY_ID", runCategoryGet},
	"delete": {"CATEGORY_ID", runCategoryDelete},
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

// categoryArgs are the flags of the commands that write a category.
type categoryArgs struct {
	typ, link, image *string
}

// register adds --type, --url and --image to fs.
func (c *categoryArgs) register(fs *flag.FlagSet) {
	c.typ = fs.String("type", "", "category: GENERAL, RECEIPT, ORDER_CONFIRMATION, DELIVERY, TICKET or BOOKING (any letter case)")
	c.link = fs.String("url", "", "order details link, an absolute https URL")
	c.image = fs.String("image", "", "id of an image uploaded with 'ordermgmt image add' (optional)")
}

// category checks that --type and --url are given and returns the
// category they describe.
func (c *categoryArgs) category(fs *flag.FlagSet, orderID string) (api.Category, error) {
	var missing []string
	if *c.typ == "" {
		missing = append(missing, "--type")
	}
	if *c.link == "" {
		missing = append(missing, "--url")
	}
	if len(missing) > 0 {
		return api.Category{}, usagef("%s: missing %s; for example --type DELIVERY --url https://shop.example/orders/%s", fs.Name(), strings.Join(missing, " and "), orderID)
	}
	// The API wants upper case; on a command line any case is easier.
	cat := api.Category{Category: api.CategoryType(strings.ToUpper(*c.typ)), OrderDetailsURL: *c.link}
	// No --image means no imageId in the body, not an empty one.
	if *c.image != "" {
		cat.ImageID = c.image
	}
	return cat, nil
}

// runCategorySet replaces the categories of an order with one: the link
// (and image) the app shows with the payment.
func runCategorySet(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("category set", "category set ORDER --type TYPE --url URL [--image ID] [flags]",
		"Sets the category of an order (v2): the link, and optionally the image, the app shows with it.\nIt replaces every category the order has, those added with 'category add' included.", e,
		"ordermgmt category set 1001 --type DELIVERY --url https://shop.example/orders/1001",
		"ordermgmt category set 1001 --type ticket --url https://shop.example/t/1001 --image logo-2 --payment-type recurring")
	var af apiFlags
	af.register(fs, true)
	var ca categoryArgs
	ca.register(fs)
	orderID, pt, err := af.parseOrder(fs, args)
	if err != nil {
		return err
	}
	cat, err := ca.category(fs, orderID)
	if err != nil {
		return err
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

// v3Flags maps the fields of a v3 category body to the flags that set them.
var v3Flags = map[string]string{"paymentType": "--payment-type", "type": "--type", "url": "--url", "imageId": "--image"}

// categoryAddResult is the --json output of `category add`.
type categoryAddResult struct {
	api.CategoryV3
	AlreadyStored bool   `json:"alreadyStored,omitempty"`
	TraceID       string `json:"traceId"`
}

// runCategoryAdd adds a category to an order (v3): an order may have
// several, such as a ticket and a booking.
func runCategoryAdd(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("category add", "category add ORDER --type TYPE --url URL [--image ID] [flags]",
		"Adds a category to an order (v3): a link, and optionally an image, for the app to show with it.\nAn order may have several; the app shows the most recently added.", e,
		"ordermgmt category add 1001 --type TICKET --url https://shop.example/tickets/1001",
		"ordermgmt category add 1001 --type delivery --url https://carrier.example/track/1001 --image logo-2")
	var af apiFlags
	af.register(fs, true)
	var ca categoryArgs
	ca.register(fs)
	orderID, pt, err := af.parseOrder(fs, args)
	if err != nil {
		return err
	}
	cat, err := ca.category(fs, orderID)
	if err != nil {
		return err
	}
	req := api.AddCategoryRequest{OrderID: orderID, PaymentType: pt, Type: cat.Category, URL: cat.OrderDetailsURL, ImageID: cat.ImageID}
	if err := checkLocally(fs, orderID, req.Validate(), v3Flags); err != nil {
		return err
	}
	c, err := af.client(e, true)
	if err != nil {
		return err
	}
	res, err := c.AddCategory(ctx, req)
	if err != nil {
		return failure(c, err)
	}
	v3 := api.CategoryV3{CategoryID: res.ID, OrderID: orderID, PaymentType: pt, Type: req.Type, URL: req.URL, ImageID: req.ImageID}
	if af.json {
		return writeJSON(e.stdout, categoryAddResult{CategoryV3: v3, AlreadyStored: res.AlreadyStored, TraceID: res.TraceID})
	}
	verb := "added to"
	if res.AlreadyStored {
		verb = "was already added (by an earlier attempt) to"
	}
	fmt.Fprintf(e.stdout, "Category %s order %s (%s): %s, shown as %q\n", verb, orderID, pt, req.Type, req.Type.Label())
	writeCategory(e.stdout, &cat)
	fmt.Fprintf(e.stdout, "  category id: %s\n", res.ID)
	return nil
}

// runCategoryList lists the categories of an order id (v3), of both
// payment types, oldest first.
func runCategoryList(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("category list", "category list ORDER [--json] [flags]",
		"Lists the categories of an order id, of both payment types, oldest first; the app shows the newest of each payment type.", e,
		"ordermgmt category list 1001",
		"ordermgmt category list 1001 --json")
	var af apiFlags
	af.register(fs, false)
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, "ORDER"); err != nil {
		return err
	}
	orderID := pos[0]
	if err := checkLocally(fs, orderID, nil, nil); err != nil {
		return err
	}
	c, err := af.client(e, true)
	if err != nil {
		return err
	}
	cs, err := c.ListCategories(ctx, orderID)
	if err != nil {
		return failure(c, err)
	}
	if af.json {
		// The service's own shape.
		return writeJSON(e.stdout, api.CategoryList{Categories: cs})
	}
	if len(cs) == 0 {
		fmt.Fprintf(e.stdout, "Order %s of merchant %s has no categories.\n", orderID, c.MSN())
		return nil
	}
	fmt.Fprintf(e.stdout, "Categories of order %s of merchant %s, oldest first:\n", orderID, c.MSN())
	t := table{}
	t.add("Category id", "Payment", "Type", "Shown as", "Link", "Image")
	for _, cat := range cs {
		image := ""
		if cat.ImageID != nil {
			image = *cat.ImageID
		}
		t.add(cat.CategoryID, string(cat.PaymentType), string(cat.Type), cat.Type.Label(), cat.URL, image)
	}
	t.dropEmptyColumns()
	t.write(e.stdout, "  ")
	return nil
}

// parseCategoryID parses the arguments of a command that names one
// category by id, checking the id before anything is sent.
func parseCategoryID(fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return "", err
	}
	if err := wantArgs(fs, pos, "CATEGORY_ID"); err != nil {
		return "", err
	}
	id, err := api.CheckCategoryID(pos[0])
	if err != nil {
		return "", usagef("%s: nothing was sent:\n  CATEGORY_ID: %s", fs.Name(), api.AsProblem(err).InvalidParams[0].Reason)
	}
	return id, nil
}

// runCategoryGet prints one category (v3).
func runCategoryGet(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("category get", "category get CATEGORY_ID [--json] [flags]",
		"Prints one category by its id, as 'category add', 'category list' or 'category set' show it.", e,
		"ordermgmt category get 337f5e5d-288b-40d5-be14-901cc3acacc0")
	var af apiFlags
	af.register(fs, false)
	id, err := parseCategoryID(fs, args)
	if err != nil {
		return err
	}
	c, err := af.client(e, true)
	if err != nil {
		return err
	}
	cat, err := c.GetCategory(ctx, id)
	if err != nil {
		return failure(c, err)
	}
	if af.json {
		return writeJSON(e.stdout, cat)
	}
	fmt.Fprintf(e.stdout, "Category %s of order %s (%s): %s, shown as %q\n", cat.CategoryID, cat.OrderID, cat.PaymentType, cat.Type, cat.Type.Label())
	v2 := cat.V2()
	writeCategory(e.stdout, &v2)
	return nil
}

// categoryDeleteResult is the --json output of `category delete`.
type categoryDeleteResult struct {
	CategoryID string `json:"categoryId"`
	Deleted    bool   `json:"deleted"`
}

// runCategoryDelete deletes one category (v3).
func runCategoryDelete(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("category delete", "category delete CATEGORY_ID [--json] [flags]",
		"Deletes one category by its id; the app then shows the order's most recent remaining one.", e,
		"ordermgmt category delete 337f5e5d-288b-40d5-be14-901cc3acacc0")
	var af apiFlags
	af.register(fs, false)
	id, err := parseCategoryID(fs, args)
	if err != nil {
		return err
	}
	c, err := af.client(e, true)
	if err != nil {
		return err
	}
	if err := c.DeleteCategory(ctx, id); err != nil {
		return failure(c, err)
	}
	if af.json {
		return writeJSON(e.stdout, categoryDeleteResult{CategoryID: id, Deleted: true})
	}
	fmt.Fprintf(e.stdout, "Category %s deleted.\n", id)
	return nil
}
