package console

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html/template"
	"image"
	"image/color"
	"image/png"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/code39"
	"github.com/boombuler/barcode/ean"
)

// Barcode drawing: every module (the narrowest bar) is moduleWidth pixels
// wide, with a quiet zone of quietModules white modules on each side, as
// scanners need.
const (
	moduleWidth   = 3
	quietModules  = 10
	barcodeHeight = 90
)

// encodeBarcode encodes data in a receipt's barcode format with the
// library; the result is one pixel per module, one pixel high.
func encodeBarcode(format, data string) (barcode.Barcode, error) {
	switch format {
	case "EAN-13":
		if len(data) != 13 {
			return nil, fmt.Errorf("EAN-13 data must be 13 digits, this is %d characters", len(data))
		}
		for _, r := range data {
			if r < '0' || r > '9' {
				return nil, fmt.Errorf("EAN-13 data must be digits only")
			}
		}
		bc, err := ean.Encode(data)
		if err != nil {
			return nil, fmt.Errorf("the EAN-13 check digit (the last digit) is wrong")
		}
		return bc, nil
	case "CODE 39":
		bc, err := code39.Encode(data, false, false)
		if err != nil {
			return nil, fmt.Errorf("CODE 39 takes A-Z, 0-9, space and - . $ / + %% only")
		}
		return bc, nil
	case "CODE 128":
		if data == "" {
			return nil, fmt.Errorf("the barcode data is empty")
		}
		bc, err := code128.Encode(data)
		if err != nil {
			return nil, fmt.Errorf("CODE 128 takes printable ASCII characters only")
		}
		return bc, nil
	}
	return nil, fmt.Errorf("%q is not a barcode format the app draws (EAN-13, CODE 39, CODE 128)", format)
}

// renderBarcode draws an encoded barcode as an image with its quiet zone.
func renderBarcode(bc barcode.Barcode) *image.Gray {
	modules := bc.Bounds().Dx()
	w := (modules + 2*quietModules) * moduleWidth
	img := image.NewGray(image.Rect(0, 0, w, barcodeHeight))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	b := bc.Bounds()
	for m := 0; m < modules; m++ {
		if !isDark(bc.At(b.Min.X+m, b.Min.Y)) {
			continue
		}
		x0 := (quietModules + m) * moduleWidth
		for y := 0; y < barcodeHeight; y++ {
			for x := x0; x < x0+moduleWidth; x++ {
				img.Pix[y*img.Stride+x] = 0
			}
		}
	}
	return img
}

func isDark(c color.Color) bool {
	g := color.GrayModel.Convert(c).(color.Gray)
	return g.Y < 128
}

// drawBarcode is the barcode view of a receipt: a PNG as a data: URL, or
// the reason it cannot be drawn.
func drawBarcode(format, data string) *barcodeView {
	v := &barcodeView{Format: format, Data: data}
	bc, err := encodeBarcode(format, data)
	if err != nil {
		v.Problem = "The app cannot draw this barcode: " + err.Error() + "."
		return v
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, renderBarcode(bc)); err != nil {
		v.Problem = "The barcode could not be drawn."
		return v
	}
	// A data: URL the console made itself from PNG bytes; nothing of the
	// receipt's text goes into it.
	v.Image = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()))
	return v
}
