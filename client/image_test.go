package client

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
)

// testPNG returns a PNG of the given size.
func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: uint8(w), G: uint8(h), A: 255}) // different sizes, different bytes
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func testJPEG(t *testing.T, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewGray(image.Rect(0, 0, w, h)), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImageFromBytes(t *testing.T) {
	tests := []struct {
		name      string
		data      []byte
		mediaType string
		code      string // the expected problem code, "" for success
	}{
		{"square PNG", testPNG(t, 400, 400), api.MediaTypePNG, ""},
		{"JPEG at the minimum height", testJPEG(t, 100, api.MinImageHeight), api.MediaTypeJPEG, ""},
		{"too short", testPNG(t, 400, api.MinImageHeight-1), "", api.CodeImageTooShort},
		{"GIF", []byte("GIF89a\x01\x00\x01\x00"), "", api.CodeUnsupportedImage},
		{"text", []byte("hello"), "", api.CodeUnsupportedImage},
		{"too large", append(testPNG(t, 200, 200), make([]byte, api.MaxImageBytes)...), "", api.CodeImageTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := ImageFromBytes(tt.data)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("ImageFromBytes: %v", err)
				}
				if img.MediaType != tt.mediaType || img.ID != ContentID(tt.data) || len(img.ID) != 128 {
					t.Errorf("ImageFromBytes = %s %q, want %s and the content id", img.MediaType, img.ID, tt.mediaType)
				}
				return
			}
			var p *api.Problem
			if !errors.As(err, &p) || len(p.InvalidParams) == 0 || p.InvalidParams[0].Code != tt.code {
				t.Errorf("ImageFromBytes error = %v, want code %s", err, tt.code)
			}
		})
	}
}

func TestImageFromFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "logo.jpg") // a PNG: the name does not matter
	if err := os.WriteFile(good, testPNG(t, 300, 300), 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := ImageFromFile(good)
	if err != nil {
		t.Fatalf("ImageFromFile: %v", err)
	}
	if img.MediaType != api.MediaTypePNG || img.Height != 300 || img.Width != 300 {
		t.Errorf("ImageFromFile = %s %dx%d, want image/png 300x300", img.MediaType, img.Width, img.Height)
	}

	huge := filepath.Join(dir, "huge.png")
	if err := os.WriteFile(huge, make([]byte, api.MaxImageBytes+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ImageFromFile(huge); err == nil || !strings.Contains(err.Error(), "larger than 2097152 bytes") {
		t.Errorf("ImageFromFile(huge) error = %v, want a size error", err)
	}

	short := filepath.Join(dir, "short.png")
	if err := os.WriteFile(short, testPNG(t, 300, 20), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = ImageFromFile(short)
	if !errors.Is(err, api.ErrInvalid) || !strings.Contains(err.Error(), short) {
		t.Errorf("ImageFromFile(short) error = %v, want an invalid-image error naming the file", err)
	}

	if _, err := ImageFromFile(filepath.Join(dir, "missing.png")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ImageFromFile(missing) error = %v, want os.ErrNotExist", err)
	}
}
