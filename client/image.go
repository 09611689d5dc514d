package client

import (
	"fmt"
	"io"
	"os"

	"github.com/ordermgmt/ordermgmt/api"
)

// Image is image data that passed the service's checks: PNG or JPEG (from
// the bytes, not the file name), at most 2 MiB, at least 167 px high.
type Image struct {
	// ID is the content-addressed id, ContentID(Data).
	ID        string
	Data      []byte
	MediaType string // image/png or image/jpeg
	Width     int
	Height    int
}

// ImageFromBytes checks data as the service will and returns the image; the
// error is an *api.Problem that names every problem found.
func ImageFromBytes(data []byte) (*Image, error) {
	info, ps := api.CheckImageData(data)
	if err := api.Invalid(ps); err != nil {
		return nil, err
	}
	return &Image{ID: ContentID(data), Data: data, MediaType: info.MediaType, Width: info.Width, Height: info.Height}, nil
}

// ImageFromFile reads and checks an image file. A file over 2 MiB is refused
// without reading it whole.
func ImageFromFile(path string) (*Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, api.MaxImageBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > api.MaxImageBytes {
		return nil, fmt.Errorf("image file %s is larger than %d bytes (2 MiB), the most the service accepts; make it smaller", path, api.MaxImageBytes)
	}
	img, err := ImageFromBytes(data)
	if err != nil {
		return nil, fmt.Errorf("image file %s: %w", path, err)
	}
	return img, nil
}
