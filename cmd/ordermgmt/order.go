package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/ordermgmt/ordermgmt/api"
)

// runOrder is `ordermgmt order get`.
var runOrder = group("order", map[string]command{
	"get": {"ORDER [--json]", runOrderGet},
})

// runOrderGet prints an order as the customer sees it: the category with
// its app label, the receipt lines, the totals and the VAT table. --json
// prints the service's answer unchanged.
func runOrderGet(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("order get", "order get ORDER [--json] [flags]",
		"Prints the category and receipt of an order, with its totals and VAT table.", e,
		"ordermgmt order get 1001",
		"ordermgmt order get 1001 --payment-type recurring --json")
	var af apiFlags
	af.register(fs, true)
	orderID, pt, err := af.parseOrder(fs, args)
	if err != nil {
		return err
	}
	// A malformed order id is a typo to fix, not a question for the service.
	if err := checkLocally(fs, orderID, nil, nil); err != nil {
		return err
	}
	c, err := af.client(e, true)
	if err != nil {
		return err
	}
	o, err := c.GetOrder(ctx, pt, orderID)
	if err != nil {
		return failure(c, err)
	}
	if af.json {
		// The service's own shape, so that a script parses it as it
		// would parse the API's answer.
		return writeJSON(e.stdout, o)
	}
	fmt.Fprintf(e.stdout, "Order %s (%s) of merchant %s\n", orderID, pt, c.MSN())
	if o.Category != nil {
		fmt.Fprintf(e.stdout, "\nCategory: %s, shown as %q\n", o.Category.Category, o.Category.Category.Label())
		writeCategory(e.stdout, o.Category)
	} else {
		fmt.Fprintln(e.stdout, "\nCategory: none")
	}
	if o.Receipt != nil {
		fmt.Fprintln(e.stdout)
		writeReceipt(e.stdout, o.Receipt)
	} else {
		fmt.Fprintln(e.stdout, "\nReceipt: none")
	}
	return nil
}

// writeCategory prints the link and image of a category.
func writeCategory(w io.Writer, c *api.Category) {
	fmt.Fprintf(w, "  link:  %s\n", c.OrderDetailsURL)
	if c.ImageID != nil {
		fmt.Fprintf(w, "  image: %s\n", *c.ImageID)
	}
}

// writeReceipt prints a receipt as the app shows it: one row per line,
// the totals (api.Totals, the same sums the server and every view use)
// and the VAT table.
func writeReceipt(w io.Writer, r *api.Receipt) {
	bl := r.BottomLine
	head := "Receipt (" + bl.Currency
	if bl.ReceiptNumber != "" {
		head += ", number " + bl.ReceiptNumber
	}
	if bl.PosID != "" {
		head += ", point of sale " + bl.PosID
	}
	fmt.Fprintln(w, head+")")

	lines := table{right: []bool{false, false, false, true, true, false, true}}
	lines.add("Item", "Product", "Quantity", "Discount", "VAT", "", "Amount")
	for _, l := range r.OrderLines {
		// Without unitInfo a line is one piece (contract §6).
		qty := "1 PCS"
		if u := l.UnitInfo; u != nil {
			qty = u.Quantity + " " + u.Unit() + " × " + api.FormatAmount(u.UnitPrice, "")
		}
		discount := ""
		if l.Discount != nil && *l.Discount != 0 {
			discount = "-" + api.FormatAmount(*l.Discount, "")
		}
		var notes []string
		amount := l.TotalAmount
		if l.IsReturn {
			// Shown negative, as it counts in the totals below.
			notes = append(notes, "return")
			amount = -amount
		}
		if l.IsShipping {
			notes = append(notes, "shipping")
		}
		lines.add(l.Name, l.ID, qty, discount, api.FormatRate(l.Rate()), strings.Join(notes, ", "), api.FormatAmount(amount, ""))
	}
	lines.dropEmptyColumns()
	lines.write(w, "  ")

	// The sums come from api.Totals, never from the deprecated bottomLine
	// fields, so the CLI shows what the server and the console show.
	t := r.Totals()
	fmt.Fprintln(w)
	sums := table{right: []bool{false, true}}
	sums.add("Total", api.FormatAmount(t.Total, t.Currency))
	sums.add("of which VAT", api.FormatAmount(t.VAT, t.Currency))
	sums.add("Net", api.FormatAmount(t.Net, t.Currency))
	// Rows that are zero for most receipts are left out.
	if t.Discount != 0 {
		sums.add("Discount", api.FormatAmount(t.Discount, t.Currency))
	}
	if t.Shipping != 0 {
		sums.add("Shipping", api.FormatAmount(t.Shipping, t.Currency))
	}
	if t.Tip != 0 {
		sums.add("Tip (not in total)", api.FormatAmount(t.Tip, t.Currency))
	}
	sums.write(w, "  ")

	fmt.Fprintln(w)
	vat := table{right: []bool{true, true, true, true}}
	vat.add("VAT rate", "Net", "VAT", "Total")
	for _, row := range t.VATTable {
		vat.add(api.FormatRate(row.Rate), api.FormatAmount(row.Net, ""), api.FormatAmount(row.VAT, ""), api.FormatAmount(row.Total, ""))
	}
	vat.write(w, "  ")

	// Payment sources and barcode, when the shop sent them.
	var extra []string
	if ps := bl.PaymentSources; ps != nil {
		for _, s := range []struct {
			name string
			v    *int64
		}{{"card", ps.Card}, {"gift card", ps.GiftCard}, {"voucher", ps.Voucher}, {"cash", ps.Cash}} {
			if s.v != nil {
				extra = append(extra, s.name+" "+api.FormatAmount(*s.v, bl.Currency))
			}
		}
	}
	if len(extra) > 0 {
		fmt.Fprintf(w, "\n  Paid by: %s\n", strings.Join(extra, ", "))
	}
	if bc := bl.Barcode; bc != nil {
		fmt.Fprintf(w, "  Barcode: %s %s\n", bc.Format, bc.Data)
	}
}

// table lays out rows in columns, each left- or right-aligned. Widths
// count runes, so "×" and "æøå" line up.
type table struct {
	right []bool // per column: right-aligned
	rows  [][]string
}

// add appends a row.
func (t *table) add(cells ...string) { t.rows = append(t.rows, cells) }

// dropEmptyColumns removes the columns that are empty below the header
// row, such as Discount on a receipt without discounts.
func (t *table) dropEmptyColumns() {
	if len(t.rows) < 2 {
		return
	}
	for i := len(t.rows[0]) - 1; i >= 0; i-- {
		empty := true
		for _, r := range t.rows[1:] {
			if i < len(r) && r[i] != "" {
				empty = false
				break
			}
		}
		if !empty {
			continue
		}
		for j, r := range t.rows {
			if i < len(r) {
				t.rows[j] = append(r[:i:i], r[i+1:]...)
			}
		}
		if i < len(t.right) {
			t.right = append(t.right[:i:i], t.right[i+1:]...)
		}
	}
}

func (t *table) write(w io.Writer, indent string) {
	var width []int
	for _, r := range t.rows {
		for i, c := range r {
			if i >= len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range t.rows {
		var b strings.Builder
		b.WriteString(indent)
		for i, c := range r {
			if width[i] == 0 {
				continue
			}
			pad := strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))
			if i > 0 {
				b.WriteString("  ")
			}
			if i < len(t.right) && t.right[i] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}
