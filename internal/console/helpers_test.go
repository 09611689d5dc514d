package console_test

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/internal/console"
)

// testPNG is a PNG of w × h pixels.
func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func asErr[T error](err error, target *T) bool { return errors.As(err, target) }

// wantDKApp is the app name of Danish customers today.
func wantDKApp() string { return console.AppName("DK", time.Now(), nil) }
