package console

import (
	"net/http"
	"net/url"
	"strings"

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
