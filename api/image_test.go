package api_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/ordermgmt/ordermgmt/api"
)

func TestDecodeImage(t *testing.T) {
	square := pngOf(t, 200, 200)
	short := pngOf(t, 400, 166)
	tall := jpegOf(t, 100, 167)
	std := base64.StdEncoding.EncodeToString
	padded := pngOf(t, 10, 300)
	padded = append(padded, make([]byte, api.MaxImageBytes-len(padded))...) // trailing bytes after IEND
	tooBig := append(bytes.Clone(padded), 0)
	urlSafe := strings.NewReplacer("+", "-", "/", "_").Replace(std([]byte{0xfb, 0xff, 0xfe}) + std(square))
	unpadded := square
	for len(unpadded)%3 == 0 { // so that standard base64 would pad
		unpadded = append(bytes.Clone(unpadded), 0)
	}
	mime := std(square)
	mime = mime[:76] + "\r\n" + mime[76:152] + "\n" + mime[152:]

	tests := []struct {
		name string
		body map[string]any
		want []np
		info *api.ImageInfo // for accepted bodies
	}{
		{name: "PNG", body: map[string]any{"imageId": "logo-1", "src": std(square), "type": "base64"},
			info: &api.ImageInfo{Data: square, MediaType: "image/png", Width: 200, Height: 200}},
		{name: "JPEG exactly 167 high", body: map[string]any{"imageId": "a", "src": std(tall), "type": "base64"},
			info: &api.ImageInfo{Data: tall, MediaType: "image/jpeg", Width: 100, Height: 167}},
		{name: "no padding", body: map[string]any{"imageId": "a", "src": base64.RawStdEncoding.EncodeToString(unpadded), "type": "base64"},
			info: &api.ImageInfo{Data: unpadded, MediaType: "image/png", Width: 200, Height: 200}},
		{name: "escaped slashes", body: map[string]any{"imageId": "a", "src": std(square), "type": "base64"},
			info: &api.ImageInfo{Data: square, MediaType: "image/png", Width: 200, Height: 200}},
		{name: "line breaks", body: map[string]any{"imageId": "a", "src": mime, "type": "base64"},
			info: &api.ImageInfo{Data: square, MediaType: "image/png", Width: 200, Height: 200}},
		{name: "exactly 2 MiB", body: map[string]any{"imageId": "a", "src": std(padded), "type": "base64"},
			info: &api.ImageInfo{Data: padded, MediaType: "image/png", Width: 10, Height: 300}},
		{name: "one byte over 2 MiB", body: map[string]any{"imageId": "a", "src": std(tooBig), "type": "base64"}, want: []np{{"src", "image_too_large"}}},
		{name: "huge src is not decoded", body: map[string]any{"imageId": "a", "src": strings.Repeat("!", 3<<20), "type": "base64"}, want: []np{{"src", "image_too_large"}}},
		{name: "166 high", body: map[string]any{"imageId": "a", "src": std(short), "type": "base64"}, want: []np{{"src", "image_too_short"}}},
		{name: "GIF", body: map[string]any{"imageId": "a", "src": std([]byte("GIF89a\x01\x00\x01\x00")), "type": "base64"}, want: []np{{"src", "unsupported_image"}}},
		{name: "text", body: map[string]any{"imageId": "a", "src": std([]byte("hello")), "type": "base64"}, want: []np{{"src", "unsupported_image"}}},
		{name: "truncated PNG", body: map[string]any{"imageId": "a", "src": std(square[:20]), "type": "base64"}, want: []np{{"src", "corrupt_image"}}},
		{name: "https URL", body: map[string]any{"imageId": "a", "src": "https://example.com/logo.png", "type": "base64"}, want: []np{{"src", "src_is_url"}}},
		{name: "data URL", body: map[string]any{"imageId": "a", "src": "data:image/png;base64," + std(square), "type": "base64"}, want: []np{{"src", "src_is_url"}}},
		{name: "URL-safe base64", body: map[string]any{"imageId": "a", "src": urlSafe, "type": "base64"}, want: []np{{"src", "invalid_base64"}}},
		{name: "not base64", body: map[string]any{"imageId": "a", "src": "iVBOR!!w", "type": "base64"}, want: []np{{"src", "invalid_base64"}}},
		{name: "wrong padding", body: map[string]any{"imageId": "a", "src": "iVBORw=", "type": "base64"}, want: []np{{"src", "invalid_base64"}}},
		{name: "empty src", body: map[string]any{"imageId": "a", "src": "", "type": "base64"}, want: []np{{"src", "required"}}},
		{name: "src number", body: map[string]any{"imageId": "a", "src": 5, "type": "base64"}, want: []np{{"src", "wrong_type"}}},
		{name: "type url", body: map[string]any{"imageId": "a", "src": std(square), "type": "url"}, want: []np{{"type", "unknown_value"}}},
		{name: "type upper case", body: map[string]any{"imageId": "a", "src": std(square), "type": "BASE64"}, want: []np{{"type", "unknown_value"}}},
		{name: "imageId 128", body: map[string]any{"imageId": strings.Repeat("a", 128), "src": std(square), "type": "base64"},
			info: &api.ImageInfo{Data: square, MediaType: "image/png", Width: 200, Height: 200}},
		{name: "imageId 129", body: map[string]any{"imageId": strings.Repeat("a", 129), "src": std(square), "type": "base64"}, want: []np{{"imageId", "too_long"}}},
		{name: "imageId slash", body: map[string]any{"imageId": "a/b", "src": std(square), "type": "base64"}, want: []np{{"imageId", "pattern"}}},
		{name: "all missing", body: map[string]any{}, want: []np{{"imageId", "required"}, {"type", "required"}, {"src", "required"}}},
		{name: "all wrong", body: map[string]any{"imageId": "", "src": "http://x", "type": "png"},
			want: []np{{"imageId", "required"}, {"type", "unknown_value"}, {"src", "src_is_url"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body, err := json.Marshal(tc.body)
			if tc.name == "escaped slashes" {
				// PHP's json_encode writes / as \/ by default.
				if !bytes.Contains(body, []byte("/")) {
					t.Fatal("no slash to escape in the test image")
				}
				body = bytes.ReplaceAll(body, []byte("/"), []byte(`\/`))
			}
			if err != nil {
				t.Fatal(err)
			}
			req, info, err := api.DecodeImage(body)
			if diff := cmp.Diff(tc.want, problemParams(t, err)); diff != "" {
				t.Errorf("DecodeImage params (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.info, info); diff != "" {
				t.Errorf("DecodeImage info (-want +got):\n%s", diff)
			}
			if err == nil && (req == nil || req.ImageID != tc.body["imageId"] || req.Src != tc.body["src"]) {
				t.Errorf("DecodeImage request = %+v, want the body's values", req)
			}
			// Validate on the typed request reports the same, unless
			// the problem is a JSON type.
			var typed api.ImageRequest
			if json.Unmarshal(body, &typed) == nil {
				if diff := cmp.Diff(paramsOf(err), paramsOf(typed.Validate())); diff != "" {
					t.Errorf("Validate() and DecodeImage differ (-decode +validate):\n%s", diff)
				}
			}
		})
	}
}

func TestImageReasons(t *testing.T) {
	short := pngOf(t, 400, 120)
	tests := []struct {
		src  string
		want string
	}{
		{base64.StdEncoding.EncodeToString(short), "at least 167 pixels high, but this one is 120 pixels high (400 × 120)"},
		{"https://example.com/a.png", "not a URL"},
		{"data:image/png;base64,iVBORw0KGgo=", `remove the prefix "data:image/png;base64,"`},
		{base64.StdEncoding.EncodeToString([]byte("GIF89a....")), "is a GIF image"},
		{"ab-_", "URL-safe"},
		{"abc*", "'*' at offset 3"},
	}
	for _, tc := range tests {
		err := (&api.ImageRequest{ImageID: "a", Src: tc.src, Type: "base64"}).Validate()
		ps := paramsOf(err)
		if len(ps) != 1 || !strings.Contains(ps[0].Reason, tc.want) {
			t.Errorf("Validate(src %.30q) = %v, want one param whose reason has %q", tc.src, ps, tc.want)
		}
	}
}

func TestCheckImageData(t *testing.T) {
	sq := pngOf(t, 200, 200)
	tests := []struct {
		name  string
		data  []byte
		codes []string
	}{
		{"PNG", sq, nil},
		{"JPEG", jpegOf(t, 167, 200), nil},
		{"empty", nil, []string{"unsupported_image"}},
		{"WebP", []byte("RIFF\x00\x00\x00\x00WEBPVP8 "), []string{"unsupported_image"}},
		{"SVG", []byte(`<?xml version="1.0"?><svg></svg>`), []string{"unsupported_image"}},
		{"JPEG magic only", []byte("\xff\xd8\xff\xe0"), []string{"corrupt_image"}},
		{"too large and too short", append(pngOf(t, 10, 10), make([]byte, api.MaxImageBytes)...), []string{"image_too_large", "image_too_short"}},
	}
	for _, tc := range tests {
		info, ps := api.CheckImageData(tc.data)
		var want []np
		for _, c := range tc.codes {
			want = append(want, np{"src", c})
		}
		if diff := cmp.Diff(want, checkParams(t, ps)); diff != "" {
			t.Errorf("CheckImageData(%s) (-want +got):\n%s", tc.name, diff)
		}
		if (info == nil) == (ps == nil) {
			t.Errorf("CheckImageData(%s) = %v, %v; want exactly one of them", tc.name, info, ps)
		}
	}
}
