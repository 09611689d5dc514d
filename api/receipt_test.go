package api_test

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ordermgmt/ordermgmt/api"
)

const maxInt = math.MaxInt64

// receiptCases are edits of baseReceipt and the problems they must give:
// for every rule at least one accepted and one rejected body. decodeOnly
// marks bodies whose problem a typed value cannot show (a wrong JSON type,
// or a missing integer that reads as 0), so Validate is not compared.
var receiptCases = []struct {
	name       string
	changes    []change
	want       []np
	decodeOnly bool
}{
	{name: "base receipt", want: nil},

	// orderLines
	{name: "orderLines missing", changes: []change{del("orderLines")}, want: []np{{"orderLines", "required"}}},
	{name: "orderLines null", changes: []change{raw("orderLines", "null")}, want: []np{{"orderLines", "required"}}},
	{name: "orderLines empty", changes: []change{raw("orderLines", "[]")}, want: []np{{"orderLines", "empty_list"}}},
	{name: "orderLines object", changes: []change{raw("orderLines", "{}")}, want: []np{{"orderLines", "wrong_type"}}, decodeOnly: true},
	{name: "line not an object", changes: []change{raw("orderLines[1]", `"bread"`)}, want: []np{{"orderLines[1]", "wrong_type"}}, decodeOnly: true},
	{name: "one line", changes: []change{del("orderLines[1]")}},

	// name and id
	{name: "name missing", changes: []change{del("orderLines[0].name")}, want: []np{{"orderLines[0].name", "required"}}},
	{name: "name null", changes: []change{raw("orderLines[0].name", "null")}, want: []np{{"orderLines[0].name", "required"}}},
	{name: "name empty", changes: []change{set("orderLines[0].name", "")}, want: []np{{"orderLines[0].name", "required"}}},
	{name: "name 2048 characters", changes: []change{set("orderLines[0].name", strings.Repeat("ø", 2048))}},
	{name: "name 2049 characters", changes: []change{set("orderLines[0].name", strings.Repeat("ø", 2049))}, want: []np{{"orderLines[0].name", "too_long"}}},
	{name: "name number", changes: []change{raw("orderLines[0].name", "5")}, want: []np{{"orderLines[0].name", "wrong_type"}}, decodeOnly: true},
	{name: "id missing", changes: []change{del("orderLines[1].id")}, want: []np{{"orderLines[1].id", "required"}}},
	{name: "id 2049 characters", changes: []change{set("orderLines[1].id", strings.Repeat("x", 2049))}, want: []np{{"orderLines[1].id", "too_long"}}},
	{name: "id 2048 characters", changes: []change{set("orderLines[1].id", strings.Repeat("x", 2048))}},

	// amounts: presence, type, range
	{name: "totalAmount missing", changes: []change{del("orderLines[0].totalAmount")}, want: []np{{"orderLines[0].totalAmount", "required"}}, decodeOnly: true},
	{name: "totalAmountExcludingTax missing", changes: []change{del("orderLines[0].totalAmountExcludingTax")}, want: []np{{"orderLines[0].totalAmountExcludingTax", "required"}}, decodeOnly: true},
	{name: "totalTaxAmount null", changes: []change{raw("orderLines[1].totalTaxAmount", "null")}, want: []np{{"orderLines[1].totalTaxAmount", "required"}}, decodeOnly: true},
	{name: "totalAmount string", changes: []change{set("orderLines[0].totalAmount", "12500")}, want: []np{{"orderLines[0].totalAmount", "wrong_type"}}, decodeOnly: true},
	{name: "totalAmount fraction", changes: []change{raw("orderLines[0].totalAmount", "125.00")}, want: []np{{"orderLines[0].totalAmount", "not_integer"}}, decodeOnly: true},
	{name: "totalAmount exponent", changes: []change{raw("orderLines[0].totalAmount", "1.25e4")}, want: []np{{"orderLines[0].totalAmount", "not_integer"}}, decodeOnly: true},
	{name: "totalAmount beyond int64", changes: []change{raw("orderLines[0].totalAmount", "9223372036854775808")}, want: []np{{"orderLines[0].totalAmount", "int_overflow"}}, decodeOnly: true},
	{name: "totalAmount below int64", changes: []change{raw("orderLines[0].totalAmount", "-9223372036854775809")}, want: []np{{"orderLines[0].totalAmount", "int_overflow"}}, decodeOnly: true},
	{name: "totalAmount bool", changes: []change{raw("orderLines[0].totalAmount", "true")}, want: []np{{"orderLines[0].totalAmount", "wrong_type"}}, decodeOnly: true},
	{name: "minus zero is zero", changes: []change{raw("orderLines[0].discount", "-0")}},
	{name: "negative tax", changes: []change{set("orderLines[0].totalTaxAmount", -100), set("orderLines[0].totalAmount", 9900)},
		want: []np{{"orderLines[0].totalTaxAmount", "negative"}}},
	{name: "negative everything", changes: []change{set("orderLines[1].totalAmount", -3450), set("orderLines[1].totalAmountExcludingTax", -3000), set("orderLines[1].totalTaxAmount", -450)},
		want: []np{{"orderLines[1].totalAmount", "negative"}, {"orderLines[1].totalAmountExcludingTax", "negative"}, {"orderLines[1].totalTaxAmount", "negative"}}},
	{name: "free line", changes: []change{set("orderLines[1].totalAmount", 0), set("orderLines[1].totalAmountExcludingTax", 0), set("orderLines[1].totalTaxAmount", 0)}},
	{name: "largest amounts", changes: []change{del("orderLines[1]"), set("orderLines[0].totalAmount", maxInt), set("orderLines[0].totalAmountExcludingTax", maxInt-1), set("orderLines[0].totalTaxAmount", 1), del("orderLines[0].unitInfo")}},

	// totalAmount = totalAmountExcludingTax + totalTaxAmount
	{name: "sum mismatch", changes: []change{set("orderLines[0].totalAmount", 12000), set("orderLines[0].unitInfo.unitPrice", 6000)}, want: []np{{"orderLines[0].totalAmount", "sum_mismatch"}}},
	{name: "sum mismatch by one", changes: []change{set("orderLines[1].totalAmount", 3451)}, want: []np{{"orderLines[1].totalAmount", "sum_mismatch"}}},
	{name: "line sum beyond int64", changes: []change{del("orderLines[1]"), del("orderLines[0].unitInfo"), set("orderLines[0].totalAmount", maxInt), set("orderLines[0].totalAmountExcludingTax", maxInt), set("orderLines[0].totalTaxAmount", 1)},
		want: []np{{"orderLines[0].totalAmount", "sum_mismatch"}}},
	{name: "receipt total beyond int64", changes: []change{
		set("orderLines[0].totalAmount", maxInt), set("orderLines[0].totalAmountExcludingTax", maxInt), set("orderLines[0].totalTaxAmount", 0), del("orderLines[0].unitInfo"),
		set("orderLines[1].totalAmount", 1), set("orderLines[1].totalAmountExcludingTax", 1), set("orderLines[1].totalTaxAmount", 0)},
		want: []np{{"orderLines", "sum_overflow"}}},
	{name: "receipt discount beyond int64", changes: []change{set("orderLines[0].discount", maxInt), set("orderLines[1].discount", 1)}, want: []np{{"orderLines", "sum_overflow"}}},

	// taxRate and taxPercentage
	{name: "taxRate 0", changes: []change{set("orderLines[0].taxRate", 0)}},
	{name: "taxRate 10000", changes: []change{set("orderLines[0].taxRate", 10000)}},
	{name: "taxRate 10001", changes: []change{set("orderLines[0].taxRate", 10001)}, want: []np{{"orderLines[0].taxRate", "out_of_range"}}},
	{name: "taxRate negative", changes: []change{set("orderLines[0].taxRate", -1)}, want: []np{{"orderLines[0].taxRate", "out_of_range"}}},
	{name: "taxRate fraction", changes: []change{raw("orderLines[0].taxRate", "2500.5")}, want: []np{{"orderLines[0].taxRate", "not_integer"}}, decodeOnly: true},
	{name: "taxRate string", changes: []change{set("orderLines[0].taxRate", "25%")}, want: []np{{"orderLines[0].taxRate", "wrong_type"}}, decodeOnly: true},
	{name: "taxPercentage 100", changes: []change{set("orderLines[1].taxPercentage", 100)}},
	{name: "taxPercentage 101", changes: []change{set("orderLines[1].taxPercentage", 101)}, want: []np{{"orderLines[1].taxPercentage", "out_of_range"}}},
	{name: "taxPercentage negative", changes: []change{set("orderLines[1].taxPercentage", -15)}, want: []np{{"orderLines[1].taxPercentage", "out_of_range"}}},
	{name: "no tax rate", changes: []change{del("orderLines[1].taxPercentage")}, want: []np{{"orderLines[1].taxRate", "tax_rate_required"}}},
	{name: "null tax rates", changes: []change{raw("orderLines[1].taxPercentage", "null"), raw("orderLines[1].taxRate", "null")}, want: []np{{"orderLines[1].taxRate", "tax_rate_required"}}},
	{name: "both rates agree", changes: []change{set("orderLines[1].taxRate", 1500)}},
	{name: "both rates disagree", changes: []change{set("orderLines[1].taxRate", 2500)}, want: []np{{"orderLines[1].taxPercentage", "tax_rate_conflict"}}},
	{name: "both rates, percentage out of range", changes: []change{set("orderLines[1].taxRate", 1500), set("orderLines[1].taxPercentage", 150)}, want: []np{{"orderLines[1].taxPercentage", "out_of_range"}}},
	{name: "tax rate in wrong case", changes: []change{del("orderLines[1].taxPercentage"), set("orderLines[1].TaxRate", 1500)}, want: []np{{"orderLines[1].taxRate", "tax_rate_required"}}, decodeOnly: true},

	// discount
	{name: "discount null", changes: []change{raw("orderLines[0].discount", "null")}},
	{name: "discount positive", changes: []change{set("orderLines[0].discount", 500), set("orderLines[0].unitInfo.unitPrice", 6500)}},
	{name: "discount negative", changes: []change{set("orderLines[0].discount", -1)}, want: []np{{"orderLines[0].discount", "negative"}}},
	{name: "discount string", changes: []change{set("orderLines[0].discount", "5")}, want: []np{{"orderLines[0].discount", "wrong_type"}}, decodeOnly: true},

	// productUrl
	{name: "productUrl absent", changes: []change{del("orderLines[0].productUrl")}},
	{name: "productUrl empty", changes: []change{set("orderLines[0].productUrl", "")}},
	{name: "productUrl with query", changes: []change{set("orderLines[0].productUrl", "https://shop.example.com:8443/p?id=1&x=%20#top")}},
	{name: "productUrl http", changes: []change{set("orderLines[0].productUrl", "http://example.com/p/1")}, want: []np{{"orderLines[0].productUrl", "not_https"}}},
	{name: "productUrl relative", changes: []change{set("orderLines[0].productUrl", "/p/1")}, want: []np{{"orderLines[0].productUrl", "invalid_url"}}},
	{name: "productUrl no host", changes: []change{set("orderLines[0].productUrl", "https:///p/1")}, want: []np{{"orderLines[0].productUrl", "invalid_url"}}},
	{name: "productUrl opaque", changes: []change{set("orderLines[0].productUrl", "mailto:shop@example.com")}, want: []np{{"orderLines[0].productUrl", "invalid_url"}}},
	{name: "productUrl space", changes: []change{set("orderLines[0].productUrl", "https://example.com/a b")}, want: []np{{"orderLines[0].productUrl", "invalid_url"}}},
	{name: "productUrl bad escape", changes: []change{set("orderLines[0].productUrl", "https://example.com/%zz")}, want: []np{{"orderLines[0].productUrl", "invalid_url"}}},
	{name: "productUrl number", changes: []change{raw("orderLines[0].productUrl", "1")}, want: []np{{"orderLines[0].productUrl", "wrong_type"}}, decodeOnly: true},

	// isReturn, isShipping
	{name: "return and shipping", changes: []change{set("orderLines[0].isReturn", true), set("orderLines[1].isShipping", true), set("orderLines[1].isReturn", false)}},
	{name: "isReturn string", changes: []change{set("orderLines[0].isReturn", "true")}, want: []np{{"orderLines[0].isReturn", "wrong_type"}}, decodeOnly: true},
	{name: "isShipping number", changes: []change{set("orderLines[0].isShipping", 1)}, want: []np{{"orderLines[0].isShipping", "wrong_type"}}, decodeOnly: true},

	// unitInfo
	{name: "unitInfo absent", changes: []change{del("orderLines[0].unitInfo")}},
	{name: "unitInfo null", changes: []change{raw("orderLines[0].unitInfo", "null")}},
	{name: "unitInfo not an object", changes: []change{set("orderLines[0].unitInfo", "2 pcs")}, want: []np{{"orderLines[0].unitInfo", "wrong_type"}}, decodeOnly: true},
	{name: "unitInfo empty", changes: []change{raw("orderLines[0].unitInfo", "{}")}, want: []np{{"orderLines[0].unitInfo.unitPrice", "required"}, {"orderLines[0].unitInfo.quantity", "required"}}, decodeOnly: true},
	{name: "unitPrice missing", changes: []change{del("orderLines[0].unitInfo.unitPrice")}, want: []np{{"orderLines[0].unitInfo.unitPrice", "required"}}, decodeOnly: true},
	{name: "unitPrice negative", changes: []change{set("orderLines[0].unitInfo.unitPrice", -6250)}, want: []np{{"orderLines[0].unitInfo.unitPrice", "negative"}}},
	{name: "quantity missing", changes: []change{del("orderLines[0].unitInfo.quantity")}, want: []np{{"orderLines[0].unitInfo.quantity", "required"}}},
	{name: "quantity empty", changes: []change{set("orderLines[0].unitInfo.quantity", "")}, want: []np{{"orderLines[0].unitInfo.quantity", "required"}}},
	{name: "quantity number", changes: []change{set("orderLines[0].unitInfo.quantity", 2)}, want: []np{{"orderLines[0].unitInfo.quantity", "wrong_type"}}, decodeOnly: true},
	{name: "quantity 8 decimals", changes: []change{set("orderLines[0].unitInfo.quantity", "2.00000000")}},
	{name: "quantity 10 digits", changes: []change{set("orderLines[0].unitInfo.quantity", "0000000002")}},
	{name: "quantity 9 decimals", changes: []change{set("orderLines[0].unitInfo.quantity", "0.123456789")}, want: []np{{"orderLines[0].unitInfo.quantity", "too_long"}, {"orderLines[0].unitInfo.quantity", "pattern"}}},
	{name: "quantity 11 digits", changes: []change{set("orderLines[0].unitInfo.quantity", "00000000002")}, want: []np{{"orderLines[0].unitInfo.quantity", "too_long"}}},
	{name: "quantity comma", changes: []change{set("orderLines[0].unitInfo.quantity", "1,5")}, want: []np{{"orderLines[0].unitInfo.quantity", "pattern"}}},
	{name: "quantity leading dot", changes: []change{set("orderLines[0].unitInfo.quantity", ".5")}, want: []np{{"orderLines[0].unitInfo.quantity", "pattern"}}},
	{name: "quantity trailing dot", changes: []change{set("orderLines[0].unitInfo.quantity", "2.")}, want: []np{{"orderLines[0].unitInfo.quantity", "pattern"}}},
	{name: "quantity negative", changes: []change{set("orderLines[0].unitInfo.quantity", "-2")}, want: []np{{"orderLines[0].unitInfo.quantity", "pattern"}}},
	{name: "quantity non-ASCII digit", changes: []change{set("orderLines[0].unitInfo.quantity", "٢")}, want: []np{{"orderLines[0].unitInfo.quantity", "pattern"}}},
	{name: "quantityUnit absent", changes: []change{del("orderLines[0].unitInfo.quantityUnit")}},
	{name: "quantityUnit empty", changes: []change{set("orderLines[0].unitInfo.quantityUnit", "")}},
	{name: "quantityUnit KWH", changes: []change{set("orderLines[0].unitInfo.quantityUnit", "KWH")}},
	{name: "quantityUnit lower case", changes: []change{set("orderLines[0].unitInfo.quantityUnit", "kg")}, want: []np{{"orderLines[0].unitInfo.quantityUnit", "unknown_value"}}},
	{name: "quantityUnit unknown", changes: []change{set("orderLines[0].unitInfo.quantityUnit", "BOX")}, want: []np{{"orderLines[0].unitInfo.quantityUnit", "unknown_value"}}},

	// bottomLine
	{name: "bottomLine missing", changes: []change{del("bottomLine")}, want: []np{{"bottomLine", "required"}}, decodeOnly: true},
	{name: "bottomLine array", changes: []change{raw("bottomLine", "[]")}, want: []np{{"bottomLine", "wrong_type"}}, decodeOnly: true},
	{name: "bottomLine minimal", changes: []change{raw("bottomLine", `{"currency": "EUR"}`)}},
	{name: "currency missing", changes: []change{raw("bottomLine", "{}")}, want: []np{{"bottomLine.currency", "required"}}},
	{name: "currency DKK", changes: []change{set("bottomLine.currency", "DKK")}},
	{name: "currency USD", changes: []change{set("bottomLine.currency", "USD")}, want: []np{{"bottomLine.currency", "unknown_value"}}},
	{name: "currency lower case", changes: []change{set("bottomLine.currency", "nok")}, want: []np{{"bottomLine.currency", "unknown_value"}}},
	{name: "tipAmount 0", changes: []change{set("bottomLine.tipAmount", 0)}},
	{name: "tipAmount negative", changes: []change{set("bottomLine.tipAmount", -1)}, want: []np{{"bottomLine.tipAmount", "negative"}}},
	{name: "tipAmount fraction", changes: []change{raw("bottomLine.tipAmount", "10.5")}, want: []np{{"bottomLine.tipAmount", "not_integer"}}, decodeOnly: true},
	{name: "posId 256", changes: []change{set("bottomLine.posId", strings.Repeat("p", 256))}},
	{name: "posId 257", changes: []change{set("bottomLine.posId", strings.Repeat("p", 257))}, want: []np{{"bottomLine.posId", "too_long"}}},
	{name: "posId number", changes: []change{raw("bottomLine.posId", "7")}, want: []np{{"bottomLine.posId", "wrong_type"}}, decodeOnly: true},
	{name: "receiptNumber 257", changes: []change{set("bottomLine.receiptNumber", strings.Repeat("é", 257))}, want: []np{{"bottomLine.receiptNumber", "too_long"}}},
	{name: "receiptNumber 256", changes: []change{set("bottomLine.receiptNumber", strings.Repeat("é", 256))}},
	{name: "paymentSources all", changes: []change{raw("bottomLine.paymentSources", `{"giftCard": 0, "card": 1, "voucher": 2, "cash": 3}`)}},
	{name: "paymentSources negative cash", changes: []change{set("bottomLine.paymentSources.cash", -1)}, want: []np{{"bottomLine.paymentSources.cash", "negative"}}},
	{name: "paymentSources negative all", changes: []change{raw("bottomLine.paymentSources", `{"giftCard": -1, "card": -1, "voucher": -1, "cash": -1}`)},
		want: []np{{"bottomLine.paymentSources.giftCard", "negative"}, {"bottomLine.paymentSources.card", "negative"}, {"bottomLine.paymentSources.voucher", "negative"}, {"bottomLine.paymentSources.cash", "negative"}}},
	{name: "paymentSources fraction", changes: []change{raw("bottomLine.paymentSources.giftCard", "1.5")}, want: []np{{"bottomLine.paymentSources.giftCard", "not_integer"}}, decodeOnly: true},
	{name: "paymentSources array", changes: []change{raw("bottomLine.paymentSources", "[]")}, want: []np{{"bottomLine.paymentSources", "wrong_type"}}, decodeOnly: true},

	// barcode
	{name: "barcode absent", changes: []change{del("bottomLine.barcode")}},
	{name: "barcode empty", changes: []change{raw("bottomLine.barcode", "{}")}, want: []np{{"bottomLine.barcode.format", "required"}, {"bottomLine.barcode.data", "required"}}},
	{name: "barcode string", changes: []change{set("bottomLine.barcode", "5901234123457")}, want: []np{{"bottomLine.barcode", "wrong_type"}}, decodeOnly: true},
	{name: "barcode format unknown", changes: []change{set("bottomLine.barcode.format", "QR")}, want: []np{{"bottomLine.barcode.format", "unknown_value"}}},
	// Barcode data that its format cannot draw is a warning (TestBarcodeWarnings).
	{name: "EAN-13 check digit", changes: []change{set("bottomLine.barcode.data", "5901234123458")}},
	{name: "EAN-13 wrong check digit 1", changes: []change{set("bottomLine.barcode.data", "4006381333901")}},
	{name: "EAN-13 check digit 0", changes: []change{set("bottomLine.barcode.data", "4006381333900")}},
	{name: "EAN-13 valid 2", changes: []change{set("bottomLine.barcode.data", "4006381333931")}},
	{name: "EAN-13 valid 3", changes: []change{set("bottomLine.barcode.data", "0000000000000")}},
	{name: "EAN-13 12 digits", changes: []change{set("bottomLine.barcode.data", "590123412345")}},
	{name: "EAN-13 letter", changes: []change{set("bottomLine.barcode.data", "590123412345A")}},
	{name: "barcode data empty", changes: []change{set("bottomLine.barcode.data", "")}, want: []np{{"bottomLine.barcode.data", "required"}}},
	{name: "CODE 39 valid", changes: []change{raw("bottomLine.barcode", `{"format": "CODE 39", "data": "ABC-123 $/+%."}`)}},
	{name: "CODE 39 80", changes: []change{raw("bottomLine.barcode", `{"format": "CODE 39", "data": "`+strings.Repeat("A", 80)+`"}`)}},
	{name: "CODE 39 81", changes: []change{raw("bottomLine.barcode", `{"format": "CODE 39", "data": "`+strings.Repeat("A", 81)+`"}`)}},
	{name: "CODE 39 lower case", changes: []change{raw("bottomLine.barcode", `{"format": "CODE 39", "data": "abc"}`)}},
	{name: "CODE 128 valid", changes: []change{raw("bottomLine.barcode", `{"format": "CODE 128", "data": "Order #123 {ok} ~"}`)}},
	{name: "CODE 128 non-ASCII", changes: []change{raw("bottomLine.barcode", `{"format": "CODE 128", "data": "Ordre ø"}`)}},
	{name: "CODE 128 tab", changes: []change{raw("bottomLine.barcode", `{"format": "CODE 128", "data": "a\tb"}`)}, want: []np{{"bottomLine.barcode.data", "control_char"}}},
	{name: "CODE 128 81", changes: []change{raw("bottomLine.barcode", `{"format": "CODE 128", "data": "`+strings.Repeat("a", 81)+`"}`)}},

	// deprecated and unknown fields
	{name: "deprecated fields", changes: []change{raw("bottomLine.giftCardAmount", "0"), raw("bottomLine.totalAmount", "15950"),
		raw("bottomLine.totalTax", "2950"), raw("bottomLine.totalDiscount", "0"), raw("bottomLine.shippingAmount", "0"),
		raw("bottomLine.shippingInfo", `{"amount": 0, "method": "pickup"}`), raw("bottomLine.terminalId", `"t-1"`)}},
	{name: "deprecated totalAmount string", changes: []change{set("bottomLine.totalAmount", "15950")}, want: []np{{"bottomLine.totalAmount", "wrong_type"}}, decodeOnly: true},
	{name: "deprecated shippingInfo string", changes: []change{set("bottomLine.shippingInfo", "pickup")}, want: []np{{"bottomLine.shippingInfo", "wrong_type"}}, decodeOnly: true},
	{name: "unknown fields", changes: []change{raw("extra", `{"a": [1, 2]}`), raw("orderLines[0].color", `"red"`),
		raw("orderLines[0].unitInfo.weight", "1.5"), raw("bottomLine.note", "null"), raw("bottomLine.barcode.x", "1"), raw("bottomLine.paymentSources.crypto", `"x"`)}},
	{name: "field in wrong case", changes: []change{del("orderLines[0].totalAmount"), set("orderLines[0].TotalAmount", 12500)},
		want: []np{{"orderLines[0].totalAmount", "required"}}, decodeOnly: true},
}

func TestDecodeReceiptRules(t *testing.T) {
	for _, tc := range receiptCases {
		t.Run(tc.name, func(t *testing.T) {
			body := edit(t, baseReceipt, tc.changes...)
			r, err := api.DecodeReceipt(body)
			got := problemParams(t, err)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("DecodeReceipt(%s) params (-want +got):\n%s\nerror: %v", body, diff, err)
			}
			if (err == nil) != (r != nil) {
				t.Errorf("DecodeReceipt = %v, %v; want exactly one of them", r, err)
			}
		})
	}
}

// TestValidateReceiptMatchesDecode checks that Validate on a typed receipt
// reports exactly what DecodeReceipt reports for the same JSON.
func TestValidateReceiptMatchesDecode(t *testing.T) {
	for _, tc := range receiptCases {
		if tc.decodeOnly {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			body := edit(t, baseReceipt, tc.changes...)
			var r api.Receipt
			if err := json.Unmarshal(body, &r); err != nil {
				t.Fatalf("json.Unmarshal: %v", err)
			}
			_, decodeErr := api.DecodeReceipt(body)
			validateErr := r.Validate()
			if diff := cmp.Diff(paramsOf(decodeErr), paramsOf(validateErr)); diff != "" {
				t.Errorf("Validate() and DecodeReceipt differ (-decode +validate):\n%s", diff)
			}
		})
	}
}

// paramsOf returns the invalid params of err, or nil.
func paramsOf(err error) []api.InvalidParam {
	if err == nil {
		return nil
	}
	return api.AsProblem(err).InvalidParams
}

func TestDecodeReceiptReportsEveryProblem(t *testing.T) {
	body := edit(t, baseReceipt,
		del("orderLines[0].name"),
		set("orderLines[0].totalAmount", "12500"),
		set("orderLines[0].unitInfo.quantity", "two"),
		set("orderLines[1].totalAmount", 3000),
		set("orderLines[1].taxRate", 2500),
		set("orderLines[1].productUrl", "http://example.com"),
		set("bottomLine.currency", "SEK"),
		set("bottomLine.tipAmount", -5),
		set("bottomLine.barcode.format", "QR"),
	)
	_, err := api.DecodeReceipt(body)
	want := []np{
		{"orderLines[0].name", "required"},
		{"orderLines[0].totalAmount", "wrong_type"},
		{"orderLines[0].unitInfo.quantity", "pattern"},
		{"orderLines[1].totalAmount", "sum_mismatch"},
		{"orderLines[1].taxPercentage", "tax_rate_conflict"},
		{"orderLines[1].productUrl", "not_https"},
		{"bottomLine.currency", "unknown_value"},
		{"bottomLine.tipAmount", "negative"},
		{"bottomLine.barcode.format", "unknown_value"},
	}
	if diff := cmp.Diff(want, problemParams(t, err)); diff != "" {
		t.Errorf("DecodeReceipt params (-want +got):\n%s", diff)
	}
}

func TestDecodeReceiptBody(t *testing.T) {
	tests := []struct {
		body string
		want []np
	}{
		{"", []np{{"body", "empty_body"}}},
		{" \r\n\t", []np{{"body", "empty_body"}}},
		{"[]", []np{{"body", "wrong_type"}}},
		{`"receipt"`, []np{{"body", "wrong_type"}}},
		{"null", []np{{"body", "wrong_type"}}},
		{"{", []np{{"body", "invalid_json"}}},
		{`{"orderLines": [}`, []np{{"body", "invalid_json"}}},
		{`{"a": 1} {"b": 2}`, []np{{"body", "invalid_json"}}},
		{`{"a": 1},`, []np{{"body", "invalid_json"}}},
		{`{'a': 1}`, []np{{"body", "invalid_json"}}},
		{"{}", []np{{"orderLines", "required"}, {"bottomLine", "required"}}},
		{"  {}  \n", []np{{"orderLines", "required"}, {"bottomLine", "required"}}},
		{"\xef\xbb\xbf{}", []np{{"orderLines", "required"}, {"bottomLine", "required"}}},
		{"\xef\xbb\xbf", []np{{"body", "empty_body"}}},
		{"\xef\xbb\xbf\xef\xbb\xbf{}", []np{{"body", "invalid_json"}}},
	}
	for _, tc := range tests {
		_, err := api.DecodeReceipt([]byte(tc.body))
		if diff := cmp.Diff(tc.want, problemParams(t, err)); diff != "" {
			t.Errorf("DecodeReceipt(%q) params (-want +got):\n%s", tc.body, diff)
		}
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	tests := []struct{ body, want string }{
		{"{\n  \"a\": 1,\n  \"b\" 2\n}", "line 3, column 7 (byte offset 18)"},
		{`{"a": x}`, "line 1, column 7 (byte offset 6)"},
		{`{"a": 1} x`, "line 1, column 10 (byte offset 9)"},
		{`{"a": [1, 2`, "line 1, column 12 (byte offset 11)"},
		{"\xef\xbb\xbf{\"a\": x}", "line 1, column 10 (byte offset 9)"},
	}
	for _, tc := range tests {
		_, err := api.DecodeReceipt([]byte(tc.body))
		ps := paramsOf(err)
		if len(ps) != 1 || !strings.Contains(ps[0].Reason, tc.want) {
			t.Errorf("DecodeReceipt(%q) = %v, want one param mentioning %q", tc.body, ps, tc.want)
		}
	}
}

func TestReasonsSayHowToFix(t *testing.T) {
	tests := []struct {
		changes []change
		want    string
	}{
		{[]change{set("orderLines[0].totalAmount", 12000), set("orderLines[0].unitInfo.unitPrice", 6000)},
			"must equal totalAmountExcludingTax + totalTaxAmount (10000 + 2500 = 12500), got 12000."},
		{[]change{set("orderLines[0].totalAmount", "12500")}, `got the string "12500": send a JSON number, without quotes.`},
		{[]change{raw("orderLines[0].totalAmount", "125.5")}, "got 125.5."},
		{[]change{set("bottomLine.currency", "nok")}, `use "NOK".`},
		{[]change{del("orderLines[0].totalAmount"), set("orderLines[0].totalamount", 1)}, `Found "totalamount", but field names are case-sensitive`},
		{[]change{del("orderLines[1].taxPercentage"), set("orderLines[1].TaxRate", 1500)}, `Found "TaxRate"`},
		{[]change{set("orderLines[1].taxRate", 2500)}, "taxRate is 2500 and taxPercentage is 15"},
	}
	for _, tc := range tests {
		body := edit(t, baseReceipt, tc.changes...)
		_, err := api.DecodeReceipt(body)
		ps := paramsOf(err)
		if len(ps) != 1 || !strings.Contains(ps[0].Reason, tc.want) {
			t.Errorf("DecodeReceipt(%s) = %v, want one param whose reason has %q", body, ps, tc.want)
		}
	}
}

func TestDecodeReceiptKeepsValues(t *testing.T) {
	body := edit(t, baseReceipt,
		raw("bottomLine.shippingInfo", `{"method": "pickup", "amount": 0}`),
		raw("bottomLine.totalAmount", "15950"),
		raw("bottomLine.terminalId", `"t-1"`),
		raw("orderLines[1].isShipping", "true"),
		raw("orderLines[0].isReturn", "false"),
		raw("bottomLine.receiptNumber", "null"),
	)
	got, err := api.DecodeReceipt(body)
	if err != nil {
		t.Fatalf("DecodeReceipt: %v", err)
	}
	want := &api.Receipt{
		OrderLines: []api.OrderLine{
			{Name: "Coffee", ID: "sku-1", TotalAmount: 12500, TotalAmountExcludingTax: 10000, TotalTaxAmount: 2500,
				TaxRate: ptr[int64](2500), Discount: ptr[int64](0), ProductURL: "https://example.com/p/1",
				UnitInfo: &api.UnitInfo{UnitPrice: 6250, Quantity: "2", QuantityUnit: "PCS"}},
			{Name: "Bread", ID: "sku-2", TotalAmount: 3450, TotalAmountExcludingTax: 3000, TotalTaxAmount: 450,
				TaxPercentage: ptr[int64](15), IsShipping: true},
		},
		BottomLine: api.BottomLine{Currency: "NOK", TipAmount: ptr[int64](1000), PosID: "pos-1",
			PaymentSources: &api.PaymentSources{Card: ptr[int64](15950), Cash: ptr[int64](1000)},
			Barcode:        &api.Barcode{Format: "EAN-13", Data: "5901234123457"},
			TotalAmount:    ptr[int64](15950), TerminalID: "t-1",
			ShippingInfo: json.RawMessage(`{"method":"pickup","amount":0}`)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DecodeReceipt (-want +got):\n%s", diff)
	}
	// The deprecated fields come back on the wire.
	out, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{`"shippingInfo":{"method":"pickup","amount":0}`, `"totalAmount":15950,`, `"terminalId":"t-1"`} {
		if !strings.Contains(string(out), s) {
			t.Errorf("json.Marshal(receipt) = %s, want it to contain %s", out, s)
		}
	}
}

func TestValidateTypedReceipt(t *testing.T) {
	ok := func() api.Receipt {
		return api.Receipt{
			OrderLines: []api.OrderLine{{Name: "A", ID: "1", TotalAmount: 125, TotalAmountExcludingTax: 100, TotalTaxAmount: 25, TaxRate: ptr[int64](2500)}},
			BottomLine: api.BottomLine{Currency: "NOK"},
		}
	}
	tests := []struct {
		name   string
		modify func(*api.Receipt)
		want   []np
	}{
		{"valid", func(*api.Receipt) {}, nil},
		{"nil lines", func(r *api.Receipt) { r.OrderLines = nil }, []np{{"orderLines", "required"}}},
		{"no lines", func(r *api.Receipt) { r.OrderLines = []api.OrderLine{} }, []np{{"orderLines", "empty_list"}}},
		{"zero line", func(r *api.Receipt) { r.OrderLines[0] = api.OrderLine{} },
			[]np{{"orderLines[0].name", "required"}, {"orderLines[0].id", "required"}, {"orderLines[0].taxRate", "tax_rate_required"}}},
		{"zero unit info", func(r *api.Receipt) { r.OrderLines[0].UnitInfo = &api.UnitInfo{} }, []np{{"orderLines[0].unitInfo.quantity", "required"}}},
		{"zero barcode", func(r *api.Receipt) { r.BottomLine.Barcode = &api.Barcode{} },
			[]np{{"bottomLine.barcode.format", "required"}, {"bottomLine.barcode.data", "required"}}},
		{"zero bottom line", func(r *api.Receipt) { r.BottomLine = api.BottomLine{} }, []np{{"bottomLine.currency", "required"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ok()
			tc.modify(&r)
			if diff := cmp.Diff(tc.want, problemParams(t, r.Validate())); diff != "" {
				t.Errorf("Validate() params (-want +got):\n%s", diff)
			}
		})
	}
}

func TestManyLines(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"orderLines": [`)
	for i := range 1000 {
		if i > 0 {
			b.WriteString(",")
		}
		total := 125
		if i == 777 {
			total = 124
		}
		b.WriteString(`{"name": "n", "id": "` + strconv.Itoa(i) + `", "totalAmount": ` + strconv.Itoa(total) +
			`, "totalAmountExcludingTax": 100, "totalTaxAmount": 25, "taxRate": 2500}`)
	}
	b.WriteString(`], "bottomLine": {"currency": "NOK"}}`)
	_, err := api.DecodeReceipt([]byte(b.String()))
	want := []np{{"orderLines[777].totalAmount", "sum_mismatch"}}
	if diff := cmp.Diff(want, problemParams(t, err)); diff != "" {
		t.Errorf("DecodeReceipt(1000 lines) params (-want +got):\n%s", diff)
	}
}
