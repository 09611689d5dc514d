package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
)

// runImage is `ordermgmt image add`.
var runImage = group("image", map[string]command{
	"add": {"FILE [--id ID]", runImageAdd},
})

// imageAddResult is the --json output of `image add`.
type imageAddResult struct {
	ImageID       string `json:"imageId"`
	AlreadyStored bool   `json:"alreadyStored"`
	MediaType     string `json:"mediaType"`
	Width         int    `json:"width"`
	Height        int    `json:"height"`
	Bytes         int    `json:"bytes"`
	TraceID       string `json:"traceId"`
}

// runImageAdd uploads an image file. The file is checked first, as the
// service would check it; without --id the image gets its content
// address, so running the command twice stores it once.
func runImageAdd(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("image add", "image add FILE [--id ID] [flags]",
		"Uploads a PNG or JPEG image (at most 2 MiB, 2,097,152 bytes; at least 167 px high) for use in categories.\n"+
			"Without --id the id is the SHA-512 of the bytes, so an upload can be repeated safely.", e,
		"ordermgmt image add examples/logo.png",
		"ordermgmt image add examples/logo.png --id logo-2 --json")
	var af apiFlags
	af.register(fs, false)
	id := fs.String("id", "", "image id, 1 to 128 characters from A-Z a-z 0-9 . _ - (default: the content address)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos, "FILE"); err != nil {
		return err
	}
	// A malformed --id is refused before the file is read or a token fetched.
	if *id != "" {
		if ps := api.CheckImageID(*id); len(ps) > 0 {
			return usagef("image add: --id: %s", ps[0].Reason)
		}
	}
	c, err := af.client(e, true)
	if err != nil {
		return err
	}
	// The service's own checks, so a wrong file costs no request and the
	// message names the problem in terms of the file.
	img, err := client.ImageFromFile(pos[0])
	if err != nil {
		var p *api.Problem
		if errors.As(err, &p) {
			var b strings.Builder
			fmt.Fprintf(&b, "%s cannot be uploaded; nothing was sent:", pos[0])
			for _, ip := range p.InvalidParams {
				fmt.Fprintf(&b, "\n  the image %s [%s]", ip.Reason, ip.Code)
			}
			return errors.New(b.String())
		}
		return err
	}
	res, err := c.AddImage(ctx, *id, img.Data)
	if err != nil {
		return failure(c, err)
	}
	if af.json {
		return writeJSON(e.stdout, imageAddResult{
			ImageID: res.ID, AlreadyStored: res.AlreadyStored, MediaType: img.MediaType,
			Width: img.Width, Height: img.Height, Bytes: len(img.Data), TraceID: res.TraceID,
		})
	}
	// A content-addressed id that was stored before is success: the bytes
	// behind the id are these.
	if res.AlreadyStored {
		fmt.Fprintf(e.stdout, "Image already stored (the same bytes, so the same id): %s\n", res.ID)
	} else {
		fmt.Fprintf(e.stdout, "Image stored: %s\n", res.ID)
	}
	fmt.Fprintf(e.stdout, "  %s, %d × %d px, %d bytes\n", img.MediaType, img.Width, img.Height, len(img.Data))
	fmt.Fprintf(e.stdout, "Use it with: ordermgmt category set ORDER --type TYPE --url URL --image %s\n", res.ID)
	return nil
}
