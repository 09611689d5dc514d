package api

import (
	"bytes"
	"encoding/base64"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"strconv"
	"strings"
)

// ImageRequest is the body of POST /order-management/v1/images (contract
// §4).
type ImageRequest struct {
	ImageID string `json:"imageId"`
	Type    string `json:"type"`
	Src     string `json:"src"`
}

var imageFields = newTable(
	text("imageId", true, helpImageID, func(r *ImageRequest) *string { return &r.ImageID }, imageID),
	text("type", true, `"base64"`, func(r *ImageRequest) *string { return &r.Type }, func(c *checker, key, s string) {
		if s != "base64" {
			c.add(key, CodeUnknownValue, `must be "base64", the only type, got `+quote(s)+".")
		}
	}),
	// Base64 may come wrapped in lines (MIME encoders do that); the
	// decoder skips the line breaks, so they are no text problem here.
	textRow("src", true, helpSrc, true, func(r *ImageRequest) *string { return &r.Src }, []textRule{func(c *checker, key, s string) {
		info, ps := checkSrc(s)
		c.addParams(ps)
		c.image = info
	}}),
)

const (
	helpSrc      = "the PNG or JPEG file in standard base64"
	exampleImage = `{"imageId": "logo-1", "src": "<base64 PNG or JPEG>", "type": "base64"}`
)

// DecodeImage decodes and checks the body of an image upload (contract §4)
// and reads the image: its type from the bytes, its size and height. On any
// problem it returns a 400 *Problem listing every one.
func DecodeImage(body []byte) (*ImageRequest, *ImageInfo, error) {
	r := new(ImageRequest)
	c, err := decodeBody(body, exampleImage, imageFields, r)
	if err != nil {
		return nil, nil, err
	}
	return r, c.image, nil
}

// Validate checks the upload against contract §4, decoding the image, and
// returns a 400 *Problem or nil.
func (r *ImageRequest) Validate() error {
	_, err := validateValue(imageFields, r)
	return err
}

// AppendJSON appends the upload's JSON to b, byte for byte what
// json.Marshal(r) produces.
func (r *ImageRequest) AppendJSON(b []byte) []byte {
	b, _ = imageFields.appendJSON(b, r) // no member can fail
	return b
}

// The media types of accepted images.
const (
	MediaTypePNG  = "image/png"
	MediaTypeJPEG = "image/jpeg"
)

// ImageInfo describes an accepted image: its bytes, its type as read from
// the bytes (never from a name), and its size in pixels.
type ImageInfo struct {
	Data      []byte
	MediaType string // MediaTypePNG or MediaTypeJPEG
	Width     int
	Height    int
}

// maxSrcLen is the longest base64 text (with padding) whose decoded size is
// within MaxImageBytes. Longer text is rejected before it is decoded.
var maxSrcLen = base64.StdEncoding.EncodedLen(MaxImageBytes)

// checkSrc checks the src of an image upload: base64 (padding optional) of
// a PNG or JPEG within the limits of contract §4.
func checkSrc(src string) (*ImageInfo, []InvalidParam) {
	if reason := srcURLReason(src); reason != "" {
		return nil, []InvalidParam{{Name: "src", Code: CodeSrcIsURL, Reason: reason}}
	}
	// Decoders skip line breaks; the size check must not count them.
	n := len(src)
	if n > maxSrcLen {
		n -= strings.Count(src, "\n") + strings.Count(src, "\r")
	}
	if n > maxSrcLen {
		return nil, []InvalidParam{{Name: "src", Code: CodeImageTooLarge,
			Reason: "must decode to at most 2097152 bytes (2 MiB), but its " + strconv.Itoa(n) +
				" base64 characters decode to about " + strconv.Itoa(n/4*3) + " bytes; make the image smaller."}}
	}
	data, err := base64.StdEncoding.DecodeString(src)
	if err != nil && !strings.Contains(src, "=") {
		data, err = base64.RawStdEncoding.DecodeString(src)
	}
	if err != nil {
		return nil, []InvalidParam{{Name: "src", Code: CodeInvalidBase64, Reason: base64Reason(src, err)}}
	}
	return CheckImageData(data)
}

// srcURLReason returns why src is a URL rather than image data, or "".
func srcURLReason(src string) string {
	head := src
	if len(head) > 16 {
		head = head[:16]
	}
	head = strings.ToLower(strings.TrimSpace(head))
	switch {
	case strings.HasPrefix(head, "data:"):
		if i := strings.Index(src, ";base64,"); i >= 0 && i < 100 {
			return "must be the image data in base64, not a data URL: remove the prefix " + quote(src[:i+8]) + " and send only what follows it."
		}
		return "must be the image data in base64, not a data URL."
	case strings.HasPrefix(head, "http://"), strings.HasPrefix(head, "https://"),
		strings.HasPrefix(head, "ftp://"), strings.HasPrefix(head, "file:"), strings.HasPrefix(head, "www."):
		return "must be the image data in base64, not a URL: read the image file and send its bytes in standard base64."
	}
	return ""
}

// base64Reason says why src is not standard base64.
func base64Reason(src string, err error) string {
	const want = "must be standard base64 (A-Z a-z 0-9 + / and optional = padding)"
	if strings.ContainsAny(src, "-_") {
		return want + ", but it contains - or _ of URL-safe base64: encode with the standard alphabet instead."
	}
	var ce base64.CorruptInputError
	if errors.As(err, &ce) {
		off := int(ce)
		if off < len(src) && !isBase64Byte(src[off]) {
			return want + ", but it has " + strconv.QuoteRune(rune(src[off])) + " at offset " + strconv.Itoa(off) + "."
		}
		return want + ", but it is cut short or has misplaced padding at offset " + strconv.Itoa(off) + "."
	}
	return want + "."
}

func isBase64Byte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}

// CheckImageData checks decoded image bytes against contract §4: PNG or
// JPEG judged from the bytes, at most MaxImageBytes, at least
// MinImageHeight pixels high. Problems are named "src". It returns the
// image's description, or nil and every problem found.
func CheckImageData(data []byte) (*ImageInfo, []InvalidParam) {
	var ps []InvalidParam
	if len(data) > MaxImageBytes {
		ps = append(ps, InvalidParam{Name: "src", Code: CodeImageTooLarge,
			Reason: "must decode to at most 2097152 bytes (2 MiB), got " + strconv.Itoa(len(data)) + " bytes; make the image smaller."})
	}
	info := &ImageInfo{Data: data}
	var decodeConfig func(r *bytes.Reader) (image.Config, error)
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		info.MediaType = MediaTypePNG
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return png.DecodeConfig(r) }
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		info.MediaType = MediaTypeJPEG
		decodeConfig = func(r *bytes.Reader) (image.Config, error) { return jpeg.DecodeConfig(r) }
	default:
		return nil, append(ps, InvalidParam{Name: "src", Code: CodeUnsupportedImage,
			Reason: "must be a PNG or JPEG image, but the data " + sniff(data) + "; convert it to PNG or JPEG."})
	}
	cfg, err := decodeConfig(bytes.NewReader(data))
	if err != nil {
		kind := "PNG"
		if info.MediaType == MediaTypeJPEG {
			kind = "JPEG"
		}
		return nil, append(ps, InvalidParam{Name: "src", Code: CodeCorruptImage,
			Reason: "starts like a " + kind + " image but its header cannot be read (" + err.Error() + "); send the complete, unchanged file."})
	}
	info.Width, info.Height = cfg.Width, cfg.Height
	if cfg.Height < MinImageHeight {
		ps = append(ps, InvalidParam{Name: "src", Code: CodeImageTooShort,
			Reason: "must be an image at least 167 pixels high, but this one is " + strconv.Itoa(cfg.Height) +
				" pixels high (" + strconv.Itoa(cfg.Width) + " × " + strconv.Itoa(cfg.Height) + "); use a larger image (square is recommended)."})
	}
	if len(ps) > 0 {
		return nil, ps
	}
	return info, nil
}

// sniff names what data looks like, for the reason of a rejected image.
func sniff(data []byte) string {
	has := func(prefix string) bool { return bytes.HasPrefix(data, []byte(prefix)) }
	switch {
	case len(data) == 0:
		return "is empty"
	case has("GIF87a"), has("GIF89a"):
		return "is a GIF image"
	case len(data) >= 12 && has("RIFF") && string(data[8:12]) == "WEBP":
		return "is a WebP image"
	case has("BM"):
		return "looks like a BMP image"
	case has("II*\x00"), has("MM\x00*"):
		return "is a TIFF image"
	case has("\x00\x00\x01\x00"):
		return "looks like an ICO icon"
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		switch string(data[8:12]) {
		case "heic", "heix", "mif1", "msf1", "hevc":
			return "is a HEIC image"
		case "avif", "avis":
			return "is an AVIF image"
		}
		return "is an ISO media file (such as HEIC or MP4)"
	case has("%PDF"):
		return "is a PDF document"
	}
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if bytes.HasPrefix(t, []byte("<")) {
		if bytes.Contains(t[:min(len(t), 512)], []byte("<svg")) {
			return "is an SVG image"
		}
		return "is XML or HTML text"
	}
	return "is not a known image format"
}
