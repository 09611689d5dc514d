package console

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/console/form"
)

// uploadImage answers POST .../image: upload an image file.
func (c *Console) uploadImage(w http.ResponseWriter, r *http.Request, s *session) error {
	key, err := orderKey(r)
	if err != nil {
		return err
	}
	f, errs, err := form.ImageFromRequest(w, r)
	if err != nil {
		return err
	}
	if !checkCSRF(r, s) {
		return errCSRF
	}
	if !errs.Any() {
		errs = f.Validate()
	}
	detail := strings.TrimSpace(f.FileName + " " + f.ImageID)
	var sendErr error
	if !errs.Any() {
		var cl *client.Client
		var res client.ImageResult
		if cl, sendErr = c.opts.Client(key.MSN); sendErr == nil {
			res, sendErr = cl.AddImage(r.Context(), f.ImageID, f.Data)
		}
		if sendErr == nil {
			c.record(r.Context(), s, key, "upload image", f.FileName+" as "+res.ID, outcome{trace: res.TraceID})
			redirectDone(w, r, key, "image", "image="+url.QueryEscape(res.ID))
			return nil
		}
		form.AddProblem(errs, sendErr, form.ImageFields)
		c.record(r.Context(), s, key, "upload image", detail, outcome{err: sendErr})
	} else {
		c.record(r.Context(), s, key, "upload image", detail, refused(errs))
	}
	p, _ := c.loadOrder(r.Context(), key)
	// A file input cannot be filled again by the server; the id typed is
	// kept and the page names the file that was chosen.
	p.Image, p.ImageErrs = form.Image{ImageID: f.ImageID, FileName: f.FileName}, errs
	if sendErr != nil {
		p.ImageProb = newProblemView(sendErr)
	}
	c.render(w, r, s, statusOf(sendErr), "order", "Order "+key.OrderID, p)
	return nil
}

// image answers GET /console/m/{msn}/images/{imageId} with the image's
// bytes, read from the store (inside our server only: the API has no
// operation that returns an image).
func (c *Console) image(w http.ResponseWriter, r *http.Request, s *session) error {
	id := r.PathValue("imageId")
	if c.opts.Images == nil || len(api.CheckImageID(id)) > 0 {
		return errNotFound
	}
	img, err := c.opts.Images.GetImage(r.Context(), r.PathValue("msn"), id)
	switch {
	case errors.Is(err, api.ErrNotFound):
		return errNotFound
	case err != nil:
		return err
	}
	// Only the two types the API accepts are ever served, decided when the
	// image was stored from its bytes.
	if img.MediaType != "image/png" && img.MediaType != "image/jpeg" {
		return errNotFound
	}
	h := w.Header()
	h.Set("Content-Type", img.MediaType)
	h.Set("Content-Length", strconv.Itoa(len(img.Data)))
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Write(img.Data)
	return nil
}
