package main

import (
	"context"
	"fmt"

	"github.com/ordermgmt/ordermgmt/api"
)

// lintResult is the --json output of `receipt lint`.
type lintResult struct {
	File     string             `json:"file"`
	Valid    bool               `json:"valid"`
	Problems []api.InvalidParam `json:"problems"`
	Warnings []api.Warning      `json:"warnings"`
	Totals   *lintTotals        `json:"totals,omitempty"`
}

// lintTotals are api.Totals with JSON names, for scripts.
type lintTotals struct {
	Currency string       `json:"currency"`
	Total    int64        `json:"total"`
	VAT      int64        `json:"vat"`
	Net      int64        `json:"net"`
	Discount int64        `json:"discount"`
	Shipping int64        `json:"shipping"`
	Tip      int64        `json:"tip"`
	VATTable []lintVATRow `json:"vatTable"`
}

type lintVATRow struct {
	Rate  int64 `json:"rate"`
	Net   int64 `json:"net"`
	VAT   int64 `json:"vat"`
	Total int64 `json:"total"`
}

// runReceiptLint checks a receipt file offline with the service's own
// code: the validation that would reject it (exit status 1) and the
// warnings it would report; a valid receipt is shown as the app would
// show it.
func runReceiptLint(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("receipt lint", "receipt lint F [--json]",
		"Checks a receipt JSON file (- for standard input) as the service would, without sending it.\n"+
			"Exit status 1 when the service would reject it; warnings do not fail.", e,
		"ordermgmt receipt lint examples/receipt.json",
		"ordermgmt receipt lint - --json < examples/receipt.json")
	asJSON := fs.Bool("json", false, "print the result as JSON, for scripts")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, "F"); err != nil {
		return err
	}
	data, name, err := readReceipt(pos[0], e)
	if err != nil {
		return err
	}
	// DecodeReceipt is the server's decoder: the same types, rules, paths
	// and codes, so lint and the service never disagree.
	r, err := api.DecodeReceipt(data)
	// Empty lists rather than null in JSON, so scripts need no special case.
	res := lintResult{File: name, Valid: err == nil, Problems: []api.InvalidParam{}, Warnings: []api.Warning{}}
	if err != nil {
		res.Problems = api.AsProblem(err).InvalidParams
	} else {
		if ws := r.Warnings(); ws != nil {
			res.Warnings = ws
		}
		// Totals only for a valid receipt: the sums of a rejected one mean nothing.
		t := r.Totals()
		res.Totals = &lintTotals{Currency: t.Currency, Total: t.Total, VAT: t.VAT, Net: t.Net,
			Discount: t.Discount, Shipping: t.Shipping, Tip: t.Tip, VATTable: []lintVATRow{}}
		for _, row := range t.VATTable {
			res.Totals.VATTable = append(res.Totals.VATTable, lintVATRow(row))
		}
	}
	switch {
	case *asJSON:
		if err := writeJSON(e.stdout, res); err != nil {
			return err
		}
	case !res.Valid:
		// The problems are the result: the error below only sets the exit status.
		fmt.Fprintf(e.stdout, "%s: invalid, the service would reject it with %s:\n", name, plural(len(res.Problems), "problem"))
		for _, p := range res.Problems {
			fmt.Fprintf(e.stdout, "  %s: %s [%s]\n", p.Name, p.Reason, p.Code)
		}
	default:
		fmt.Fprintf(e.stdout, "%s: valid", name)
		if len(res.Warnings) == 0 {
			fmt.Fprintln(e.stdout, ", no warnings")
		} else {
			fmt.Fprintln(e.stdout)
		}
		writeWarnings(e.stdout, res.Warnings, "accepted, but the service would report")
		fmt.Fprintln(e.stdout)
		writeReceipt(e.stdout, r)
	}
	if !res.Valid {
		return &reportedError{fmt.Sprintf("receipt lint: %s is invalid (%s)", name, plural(len(res.Problems), "problem"))}
	}
	return nil
}
