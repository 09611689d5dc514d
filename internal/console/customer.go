package console

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/ordermgmt/ordermgmt/api"
)

// customerPage answers GET .../customer: what the customer sees in the app,
// phone sized, from the same order and the same sums as the order page.
func (c *Console) customerPage(w http.ResponseWriter, r *http.Request, s *session) error {
	key, err := orderKey(r)
	if err != nil {
		return err
	}
	p, _ := c.loadOrder(r.Context(), key)
	c.render(w, r, s, http.StatusOK, "customer", "Customer view of "+key.OrderID, p)
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
