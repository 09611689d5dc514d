package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ordermgmt/ordermgmt/api"
)

// runReceipt is `ordermgmt receipt add` and `ordermgmt receipt lint`.
var runReceipt = group("receipt", map[string]command{
	"add":  {"ORDER [--file F]   (standard input without --file or with --file -)", runReceiptAdd},
	"lint": {"F   (checks a receipt file offline; - for standard input)", runReceiptLint},
})

// maxReceiptFile bounds what is read of a receipt file: far above the
// service's 1 MiB body limit, so the service's own message applies, yet
// no file can exhaust memory.
const maxReceiptFile = 16 << 20

// readReceipt reads a receipt file, or standard input for "" or "-", and
// returns its bytes and a name for messages.
func readReceipt(path string, e *env) ([]byte, string, error) {
	r, name := e.stdin, "standard input"
	if path == "" || path == "-" {
		// A person at a terminal is told what the command waits for; with
		// --verbose, so is anyone.
		switch {
		case e.stdinTerminal:
			fmt.Fprintln(e.stderr, "Reading the receipt JSON from standard input; end it with Ctrl-D (Ctrl-C cancels).")
		case e.flagOn("verbose"):
			fmt.Fprintln(e.stderr, "> reading the receipt JSON from standard input")
		}
	} else {
		f, err := os.Open(path)
		if err != nil {
			return nil, "", err
		}
		defer f.Close()
		r, name = f, path
	}
	data, err := io.ReadAll(io.LimitReader(r, maxReceiptFile+1))
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", name, err)
	}
	if len(data) > maxReceiptFile {
		return nil, "", fmt.Errorf("%s is larger than %d bytes; a receipt is a small JSON document", name, maxReceiptFile)
	}
	return data, name, nil
}

// invalidReceipt is the error for a receipt that fails the service's
// checks, listing every problem.
func invalidReceipt(name string, err error, hint string) error {
	p := api.AsProblem(err)
	var b strings.Builder
	fmt.Fprintf(&b, "the receipt in %s has %s%s:", name, plural(len(p.InvalidParams), "problem"), hint)
	writeParams(&b, p.InvalidParams)
	return errors.New(b.String())
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// receiptAddResult is the --json output of `receipt add`.
type receiptAddResult struct {
	ReceiptID     string          `json:"receiptId,omitempty"`
	OrderID       string          `json:"orderId"`
	PaymentType   api.PaymentType `json:"paymentType"`
	AlreadyStored bool            `json:"alreadyStored"`
	Warnings      []api.Warning   `json:"warnings"`
	TraceID       string          `json:"traceId"`
}

// runReceiptAdd sends the receipt of an order, once. The file is checked
// with the service's own rules first, so a bad receipt is reported in
// full without a request.
func runReceiptAdd(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("receipt add", "receipt add ORDER [--file F] [flags]",
		"Adds the receipt of an order from a JSON file (standard input without --file, or with --file -).\n"+
			"An order has one receipt, which cannot be changed; check it first with 'ordermgmt receipt lint'.", e,
		"ordermgmt receipt add 1001 --file examples/receipt.json",
		"ordermgmt receipt add 1001 < examples/receipt.json",
		"ordermgmt receipt add 1001 --file examples/receipt.json --payment-type recurring --json")
	var af apiFlags
	af.register(fs, true)
	file := fs.String("file", "", "receipt JSON file; - or no --file reads standard input")
	orderID, pt, err := af.parseOrder(fs, args)
	if err != nil {
		return err
	}
	if err := checkLocally(fs, orderID, nil, nil); err != nil {
		return err
	}
	c, err := af.client(e, true)
	if err != nil {
		return err
	}
	data, name, err := readReceipt(*file, e)
	if err != nil {
		return err
	}
	r, err := api.DecodeReceipt(data)
	if err != nil {
		return invalidReceipt(name, err, "; nothing was sent")
	}
	res, err := c.AddReceipt(ctx, pt, orderID, r)
	if err != nil {
		return failure(c, err)
	}
	if af.json {
		// [] rather than null: scripts can iterate without a check.
		ws := res.Warnings
		if ws == nil {
			ws = []api.Warning{}
		}
		return writeJSON(e.stdout, receiptAddResult{ReceiptID: res.ID, OrderID: orderID, PaymentType: pt,
			AlreadyStored: res.AlreadyStored, Warnings: ws, TraceID: res.TraceID})
	}
	t := r.Totals()
	// AlreadyStored: a retry met 409 and the stored receipt is the one
	// sent, so the command did what was asked.
	if res.AlreadyStored {
		fmt.Fprintf(e.stdout, "Receipt for order %s (%s) was already stored by an earlier attempt whose answer was lost; the stored receipt is this one.\n", orderID, pt)
	} else {
		fmt.Fprintf(e.stdout, "Receipt for order %s (%s) stored: %s\n", orderID, pt, res.ID)
	}
	fmt.Fprintf(e.stdout, "  total %s, of which VAT %s\n", api.FormatAmount(t.Total, t.Currency), api.FormatAmount(t.VAT, t.Currency))
	writeWarnings(e.stdout, res.Warnings, "the service accepted the receipt but reports")
	return nil
}

// writeWarnings lists warnings, if any, under a heading.
func writeWarnings(w io.Writer, ws []api.Warning, heading string) {
	if len(ws) == 0 {
		return
	}
	fmt.Fprintf(w, "Warnings (%s %s):\n", heading, plural(len(ws), "warning"))
	for _, x := range ws {
		fmt.Fprintf(w, "  %s: %s [%s]\n", x.Name, x.Reason, x.Code)
	}
}
