package client

import (
	"strings"

	"github.com/ordermgmt/ordermgmt/api"
)

// FieldMessage is a sentence a support agent understands about one invalid
// parameter, to show beside the field it names. It is chosen by the stable
// code; where the service's reason carries the detail that matters (a
// position in the JSON, a length limit, the id of a missing image) the
// reason is used. An unknown code falls back to the reason, so a newer
// service's problems are still shown.
func FieldMessage(p api.InvalidParam) string {
	reason := strings.TrimSpace(p.Reason)
	if msg, ok := fieldMessages[p.Code]; ok {
		return msg
	}
	switch p.Code {
	case api.CodeInvalidJSON, api.CodeTooLong, api.CodePattern, api.CodeImageNotFound,
		api.CodeUnknownValue, api.CodeSumMismatch, api.CodeTaxRateConflict, api.CodeCheckDigit,
		api.CodeTaxMismatch, api.CodeAmountMismatch:
		if reason != "" {
			return reason
		}
	}
	if reason == "" {
		return "This value was not accepted."
	}
	return reason
}

// fieldMessages are the sentences whose meaning the code alone carries.
var fieldMessages = map[string]string{
	api.CodeEmptyBody:        "Nothing was sent; fill in the form.",
	api.CodeRequired:         "This is required.",
	api.CodeEmpty:            "This must not be empty; leave it out instead.",
	api.CodeWrongType:        "This has the wrong kind of value, for example text where a number belongs.",
	api.CodeNotInteger:       "Amounts are whole numbers in minor units (øre, cents): write 10.00 as 1000.",
	api.CodeIntOverflow:      "This number is too large.",
	api.CodeNegative:         "This amount must not be negative.",
	api.CodeOutOfRange:       "The tax rate is out of range: taxRate is 0 to 10000 (2500 is 25 %), taxPercentage 0 to 100.",
	api.CodeEmptyList:        "The receipt needs at least one order line.",
	api.CodeSumOverflow:      "The amounts of the order lines add up to more than can be stored.",
	api.CodeTaxRateRequired:  "Give the line's tax rate (taxRate, 2500 for 25 %).",
	api.CodeInvalidURL:       "This is not a complete web address; write it as https://…",
	api.CodeNotHTTPS:         "The address must start with https:// so the app can open it safely.",
	api.CodeInvalidBase64:    "The image data is damaged (not base64); upload the file again.",
	api.CodeSrcIsURL:         "Upload the image file itself, not a link to it.",
	api.CodeUnsupportedImage: "This file is not a PNG or JPEG image; only those two are accepted.",
	api.CodeCorruptImage:     "This image file is damaged and cannot be read; save it again as PNG or JPEG.",
	api.CodeImageTooLarge:    "The image is larger than 2 MiB (2,097,152 bytes); make it smaller.",
	api.CodeImageTooShort:    "The image is less than 167 pixels high; use a larger one (square images look best).",
}
