package api

// Invalid parameter and warning codes. Every InvalidParam and Warning carries
// one of these in Code, so that clients branch on the code and never on the
// English reason. The codes are stable: new ones may be added, none is
// renamed.
//
//	Code                 Where                                  Meaning
//	invalid_json         body                                   the body is not JSON (the reason gives line, column, offset)
//	empty_body           body                                   the body is empty
//	required             any required field, path, header       missing, null, or an empty string
//	empty                optional string that must be non-empty  present but empty (category imageId)
//	wrong_type           any field, body                        a JSON value of the wrong type (string for number, ...)
//	not_integer          amounts and integers                   a number with a fraction or exponent (10.5, 1e3)
//	int_overflow         amounts and integers                   a whole number beyond the 64-bit range
//	negative             amounts                                below zero
//	out_of_range         taxRate, taxPercentage                 outside 0..10000 or 0..100
//	too_long             strings, ids, URLs                     longer than the field allows
//	pattern              ids, MSN, quantity                     characters or shape not allowed
//	unknown_value        enums (category, currency, ...)        not one of the listed values
//	empty_list           orderLines                             an empty array
//	sum_mismatch         orderLines[i].totalAmount              totalAmount != totalAmountExcludingTax + totalTaxAmount
//	sum_overflow         orderLines                             the receipt's sums would not fit in 64 bits
//	tax_rate_required    orderLines[i].taxRate                  neither taxRate nor taxPercentage given
//	tax_rate_conflict    orderLines[i].taxPercentage            taxRate != taxPercentage × 100
//	invalid_utf8         any string, recorded headers           bytes that are not UTF-8
//	lone_surrogate       any string                             a \uD800-\uDFFF escape without its other half
//	control_char         any string                             a control character U+0000-U+001F, raw or escaped
//	not_printable        recorded headers (Vipps-System-*)      a control or formatting character
//	invalid_url          URLs                                   not an absolute URL of RFC 3986 characters, with a host,
//	                                                            without user info, with a port 1-65535 if any
//	not_https            URLs                                   an absolute URL whose scheme is not https
//	invalid_base64       src                                    not standard base64
//	src_is_url           src                                    a URL (http, https, data) instead of the bytes
//	unsupported_image    src                                    bytes that are not PNG or JPEG
//	corrupt_image        src                                    PNG or JPEG whose header cannot be read
//	image_too_large      src                                    more than 2,097,152 bytes after decoding
//	image_too_short      src                                    less than 167 pixels high
//	image_not_found      imageId (category)                     no such image for this merchant
//
// Warning codes (contract §6 and §8, never a rejection):
//
//	tax_mismatch         orderLines[i].totalTaxAmount           off the rate by more than one minor unit
//	amount_mismatch      orderLines[i].totalAmount              off unitPrice × quantity − discount by more than one minor unit
//	check_digit          bottomLine.barcode.data                EAN-13 check digit wrong
//	pattern              bottomLine.barcode.data                characters or length the format cannot draw
//	too_long             bottomLine.barcode.data                more than 80 characters for CODE 39 or CODE 128
const (
	CodeInvalidJSON      = "invalid_json"
	CodeEmptyBody        = "empty_body"
	CodeRequired         = "required"
	CodeEmpty            = "empty"
	CodeWrongType        = "wrong_type"
	CodeNotInteger       = "not_integer"
	CodeIntOverflow      = "int_overflow"
	CodeNegative         = "negative"
	CodeOutOfRange       = "out_of_range"
	CodeTooLong          = "too_long"
	CodePattern          = "pattern"
	CodeUnknownValue     = "unknown_value"
	CodeEmptyList        = "empty_list"
	CodeSumMismatch      = "sum_mismatch"
	CodeSumOverflow      = "sum_overflow"
	CodeTaxRateRequired  = "tax_rate_required"
	CodeTaxRateConflict  = "tax_rate_conflict"
	CodeInvalidUTF8      = "invalid_utf8"
	CodeLoneSurrogate    = "lone_surrogate"
	CodeControlChar      = "control_char"
	CodeNotPrintable     = "not_printable"
	CodeInvalidURL       = "invalid_url"
	CodeNotHTTPS         = "not_https"
	CodeInvalidBase64    = "invalid_base64"
	CodeSrcIsURL         = "src_is_url"
	CodeUnsupportedImage = "unsupported_image"
	CodeCorruptImage     = "corrupt_image"
	CodeImageTooLarge    = "image_too_large"
	CodeImageTooShort    = "image_too_short"
	CodeImageNotFound    = "image_not_found"

	CodeTaxMismatch    = "tax_mismatch"
	CodeAmountMismatch = "amount_mismatch"
	CodeCheckDigit     = "check_digit"
)

// ParamCodes lists every invalid parameter code, for documentation and
// tests.
var ParamCodes = []string{
	CodeInvalidJSON, CodeEmptyBody, CodeRequired, CodeEmpty, CodeWrongType,
	CodeNotInteger, CodeIntOverflow, CodeNegative, CodeOutOfRange, CodeTooLong,
	CodePattern, CodeUnknownValue, CodeEmptyList, CodeSumMismatch, CodeSumOverflow,
	CodeTaxRateRequired, CodeTaxRateConflict, CodeInvalidUTF8, CodeLoneSurrogate,
	CodeControlChar, CodeNotPrintable, CodeInvalidURL, CodeNotHTTPS,
	CodeInvalidBase64, CodeSrcIsURL, CodeUnsupportedImage,
	CodeCorruptImage, CodeImageTooLarge, CodeImageTooShort, CodeImageNotFound,
}

// WarningCodes lists every warning code.
var WarningCodes = []string{CodeTaxMismatch, CodeAmountMismatch, CodeCheckDigit, CodePattern, CodeTooLong}
