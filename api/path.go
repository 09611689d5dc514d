package api

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParsePaymentType parses the paymentType path parameter. Letter case is
// ignored (official examples send "ecom" and "eCom"); the result is the
// canonical upper-case form. Anything else gives the invalid parameter
// naming paymentType, as CheckOrderID does for orderId.
func ParsePaymentType(s string) (PaymentType, []InvalidParam) {
	switch {
	case strings.EqualFold(s, string(PaymentTypeECOM)):
		return PaymentTypeECOM, nil
	case strings.EqualFold(s, string(PaymentTypeRECURRING)):
		return PaymentTypeRECURRING, nil
	case s == "":
		return "", []InvalidParam{{Name: "paymentType", Code: CodeRequired,
			Reason: "is required: use ECOM (eCom and ePayment) or RECURRING (Recurring charges)."}}
	}
	return "", []InvalidParam{{Name: "paymentType", Code: CodeUnknownValue,
		Reason: "must be ECOM (eCom and ePayment) or RECURRING (Recurring charges), in any letter case; got " + quote(s) + "."}}
}

// CheckOrderID checks the orderId path parameter: 1 to 128 characters from
// A-Z a-z 0-9 . _ -. It returns nil when the id is fine.
func CheckOrderID(id string) []InvalidParam {
	return checkID("orderId", id, helpOrderID)
}

// CheckImageID checks an image id, in an image upload or a category: 1 to
// 128 characters from A-Z a-z 0-9 . _ -. It returns nil when the id is fine.
func CheckImageID(id string) []InvalidParam {
	return checkID("imageId", id, helpImageID)
}

// Help texts for ids.
const (
	idChars     = "1 to 128 characters from A-Z a-z 0-9 . _ -"
	helpImageID = "an id of your choice for the image, " + idChars
	helpOrderID = "the order id of the payment (eCom orderId, ePayment reference or Recurring charge id), " + idChars
)

// checkID applies the id rule shared by order ids and image ids; help says
// what the id is, for the "required" reason.
func checkID(name, id, help string) []InvalidParam {
	if id == "" {
		return []InvalidParam{{Name: name, Code: CodeRequired, Reason: requiredReason(help)}}
	}
	var ps []InvalidParam
	if n := utf8.RuneCountInString(id); n > MaxIDLength {
		ps = append(ps, InvalidParam{Name: name, Code: CodeTooLong,
			Reason: "must be at most 128 characters, got " + strconv.Itoa(n) + "."})
	}
	for i, r := range id {
		if !isIDRune(r) {
			ps = append(ps, InvalidParam{Name: name, Code: CodePattern,
				Reason: "may contain only A-Z a-z 0-9 . _ -; found " + strconv.QuoteRune(r) + " at position " + strconv.Itoa(i+1) + "."})
			break
		}
	}
	return ps
}

func isIDRune(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r == '.' || r == '_' || r == '-'
}

// CheckMSN checks a Merchant-Serial-Number header: 4 to 7 digits. It returns
// nil when the value is fine.
func CheckMSN(msn string) []InvalidParam {
	if msn == "" {
		return []InvalidParam{{Name: HeaderMSN, Code: CodeRequired,
			Reason: "is required: send the merchant serial number of the sales unit, 4 to 7 digits."}}
	}
	ok := len(msn) >= 4 && len(msn) <= 7
	for i := 0; ok && i < len(msn); i++ {
		ok = msn[i] >= '0' && msn[i] <= '9'
	}
	if ok {
		return nil
	}
	return []InvalidParam{{Name: HeaderMSN, Code: CodePattern,
		Reason: "must be the merchant serial number of the sales unit, 4 to 7 digits; got " + quote(msn) + "."}}
}

// quote quotes a caller's value for a reason, cut to a readable length so
// that a huge value does not make a huge problem body.
func quote(s string) string {
	const max = 64
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + "… (" + strconv.Itoa(len(s)) + " bytes)"
}
