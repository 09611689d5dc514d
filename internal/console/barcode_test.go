package console

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"strings"
	"testing"
)

// decodeEAN13 reads an EAN-13 barcode from the middle row of an image the
// way a scanner does: it measures the bars, derives the module width from
// the start guard, and decodes the digits with the standard's tables. It
// shares nothing with the library that drew the image.
func decodeEAN13(t *testing.T, img image.Image) string {
	t.Helper()
	b := img.Bounds()
	y := b.Min.Y + b.Dy()/2
	var bits []bool
	x := b.Min.X
	for x < b.Max.X && !isDark(img.At(x, y)) {
		x++
	}
	if x-b.Min.X < 9*moduleWidth {
		t.Fatalf("quiet zone is %d px, want at least 9 modules", x-b.Min.X)
	}
	// The start guard's first bar is one module wide.
	w := 0
	for x+w < b.Max.X && isDark(img.At(x+w, y)) {
		w++
	}
	for ; x+w/2 < b.Max.X && len(bits) < 95; x += w {
		bits = append(bits, isDark(img.At(x+w/2, y)))
	}
	if len(bits) != 95 {
		t.Fatalf("read %d modules, want 95", len(bits))
	}
	str := func(bs []bool) string {
		var sb strings.Builder
		for _, v := range bs {
			if v {
				sb.WriteByte('1')
			} else {
				sb.WriteByte('0')
			}
		}
		return sb.String()
	}
	s := str(bits)
	if s[:3] != "101" || s[45:50] != "01010" || s[92:] != "101" {
		t.Fatalf("guards wrong in %s", s)
	}
	l := []string{"0001101", "0011001", "0010011", "0111101", "0100011", "0110001", "0101111", "0111011", "0110111", "0001011"}
	rev := func(s string) string {
		r := []byte(s)
		for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
			r[i], r[j] = r[j], r[i]
		}
		return string(r)
	}
	inv := func(s string) string {
		r := []byte(s)
		for i := range r {
			r[i] ^= 1
		}
		return string(r)
	}
	parity := []string{"LLLLLL", "LLGLGG", "LLGGLG", "LLGGGL", "LGLLGG", "LGGLLG", "LGGGLL", "LGLGLG", "LGLGGL", "LGGLGL"}
	var digits, par strings.Builder
	for i := 0; i < 6; i++ {
		c := s[3+7*i : 10+7*i]
		found := false
		for d := range l {
			if c == l[d] {
				digits.WriteByte(byte('0' + d))
				par.WriteByte('L')
				found = true
			} else if c == rev(inv(l[d])) {
				digits.WriteByte(byte('0' + d))
				par.WriteByte('G')
				found = true
			}
		}
		if !found {
			t.Fatalf("left digit %d: no code %s", i, c)
		}
	}
	first := -1
	for d, p := range parity {
		if p == par.String() {
			first = d
		}
	}
	if first < 0 {
		t.Fatalf("parity %s matches no first digit", par.String())
	}
	for i := 0; i < 6; i++ {
		c := s[50+7*i : 57+7*i]
		found := false
		for d := range l {
			if c == inv(l[d]) {
				digits.WriteByte(byte('0' + d))
				found = true
			}
		}
		if !found {
			t.Fatalf("right digit %d: no code %s", i, c)
		}
	}
	out := string(rune('0'+first)) + digits.String()
	// The check digit: weights 1, 3 alternating over the first 12 digits.
	sum := 0
	for i := 0; i < 12; i++ {
		d := int(out[i] - '0')
		if i%2 == 1 {
			d *= 3
		}
		sum += d
	}
	if want := (10 - sum%10) % 10; int(out[12]-'0') != want {
		t.Fatalf("decoded %s has a wrong check digit", out)
	}
	return out
}

// pngOf decodes the data: URL of a barcode view.
func pngOf(t *testing.T, v *barcodeView) image.Image {
	t.Helper()
	if v.Problem != "" || v.Image == "" {
		t.Fatalf("barcode not drawn: %s", v.Problem)
	}
	const prefix = "data:image/png;base64,"
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(string(v.Image), prefix))
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func TestBarcodeEAN13Decodes(t *testing.T) {
	for _, data := range []string{"5901234123457", "4006381333931", "0000000000000", "9780201379624"} {
		if got := decodeEAN13(t, pngOf(t, drawBarcode("EAN-13", data))); got != data {
			t.Errorf("drawn EAN-13 %s decodes as %s", data, got)
		}
	}
}

// TestBarcodeMatchesLibrary checks CODE 39 and CODE 128 pixel by pixel
// against the library's own encoding: each module drawn at its width, in
// its colour, with a white quiet zone around.
func TestBarcodeMatchesLibrary(t *testing.T) {
	for _, tc := range []struct{ format, data string }{
		{"CODE 128", "R-1001/2026"}, {"CODE 128", "abc 123 ~!"}, {"CODE 39", "ORDER-42 $/+%"}, {"EAN-13", "5901234123457"},
	} {
		img := pngOf(t, drawBarcode(tc.format, tc.data))
		bc, err := encodeBarcode(tc.format, tc.data)
		if err != nil {
			t.Fatal(err)
		}
		modules := bc.Bounds().Dx()
		if got, want := img.Bounds().Dx(), (modules+2*quietModules)*moduleWidth; got != want {
			t.Errorf("%s %q: width %d, want %d", tc.format, tc.data, got, want)
		}
		for y := 0; y < img.Bounds().Dy(); y += 17 {
			for x := 0; x < img.Bounds().Dx(); x++ {
				m := x/moduleWidth - quietModules
				want := m >= 0 && m < modules && isDark(bc.At(bc.Bounds().Min.X+m, bc.Bounds().Min.Y))
				if isDark(img.At(x, y)) != want {
					t.Fatalf("%s %q: pixel (%d, %d) dark = %v, want %v", tc.format, tc.data, x, y, !want, want)
				}
			}
		}
	}
}

func TestBarcodeProblems(t *testing.T) {
	for _, tc := range []struct{ format, data, want string }{
		{"EAN-13", "123456", "13 digits"},
		{"EAN-13", "5901234123450", "check digit"},
		{"EAN-13", "590123412345x", "digits only"},
		{"CODE 39", "lower case", "A-Z"},
		{"CODE 128", "ø", "printable ASCII"},
		{"QR", "x", "not a barcode format"},
	} {
		v := drawBarcode(tc.format, tc.data)
		if v.Image != "" || !strings.Contains(v.Problem, tc.want) {
			t.Errorf("drawBarcode(%s, %q) = image %t, problem %q; want no image and %q", tc.format, tc.data, v.Image != "", v.Problem, tc.want)
		}
	}
}
