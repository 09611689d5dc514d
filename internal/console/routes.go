package console

import (
	"errors"
	"net/http"
)

// order is the stable URL of an order; support staff share these links.
const order = Prefix + "/m/{msn}/orders/{paymentType}/{orderId}"

// routes lists every page and action of the console.
func (c *Console) routes(mux *http.ServeMux) {
	mux.Handle("GET "+Prefix+"/static/", http.StripPrefix(Prefix+"/static/", staticHandler()))

	mux.Handle("GET "+Prefix+"/{$}", c.page(c.home, public))
	mux.Handle("POST "+Prefix+"/signin", c.page(c.signIn, public))
	mux.Handle("POST "+Prefix+"/signout", c.page(c.signOut, signedIn))
	mux.Handle("GET "+Prefix+"/lookup", c.page(c.lookup, signedIn))

	mux.Handle("GET "+order, c.page(c.orderPage, merchant))
	mux.Handle("GET "+order+"/customer", c.page(c.customerPage, merchant))
	mux.Handle("POST "+order+"/category", c.page(c.setCategory, merchant))
	mux.Handle("POST "+order+"/categories", c.page(c.addCategory, merchant))
	mux.Handle("POST "+order+"/categories/{categoryId}/delete", c.page(c.deleteCategory, merchant))
	mux.Handle("POST "+order+"/image", c.page(c.uploadImage, merchant))
	mux.Handle("POST "+order+"/receipt", c.page(c.addReceipt, merchant))
	mux.Handle("POST "+order+"/receipt/lines", c.page(c.addReceiptLines, merchant))
	mux.Handle("GET "+Prefix+"/m/{msn}/images/{imageId}", c.page(c.image, merchant))

	// The sandbox's tools, where the API has them (spec/sandbox.md).
	if c.opts.Sandbox {
		mux.Handle("GET "+Prefix+"/m/{msn}/sandbox", c.page(c.sandboxPageHandler, merchant))
		mux.Handle("POST "+Prefix+"/m/{msn}/sandbox/faults", c.page(c.addFault, merchant))
		mux.Handle("POST "+Prefix+"/m/{msn}/sandbox/faults/clear", c.page(c.clearFaults, merchant))
		mux.Handle("POST "+Prefix+"/m/{msn}/sandbox/faults/{faultId}/delete", c.page(c.deleteFault, merchant))
	}

	// A relay's deliveries upstream (spec/relay.md).
	if c.opts.Relay {
		mux.Handle("GET "+Prefix+"/m/{msn}/deliveries", c.page(c.deliveriesPageHandler, merchant))
		mux.Handle("POST "+Prefix+"/m/{msn}/deliveries/{id}/retry", c.page(c.retryDelivery, merchant))
	}

	mux.Handle(Prefix+"/", c.page(func(w http.ResponseWriter, r *http.Request, s *session) error {
		return errNotFound
	}, public))
}

// access says who may reach a route.
type access int

const (
	public   access = iota // anyone: the sign-in page, sign-in itself
	signedIn               // a signed-in user (anyone in an open console)
	merchant               // signedIn, and allowed the {msn} of the path
)

// handler is one page or action; it returns an error instead of writing
// one, and page turns it into the error page.
type handler func(w http.ResponseWriter, r *http.Request, s *session) error

var (
	errNotFound = errors.New("not found")
	errCSRF     = errors.New("the form is out of date")
)

// page checks access and CSRF and renders errors. A visitor who may not
// see a merchant gets the same 404 as for a merchant that does not exist,
// so URLs tell nothing about other merchants.
func (c *Console) page(h handler, a access) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		s := c.sessions.get(r)
		if s == nil && (c.opts.Open || a == public) && r.Method == http.MethodGet {
			// Every visitor gets a session before the first form, so every
			// form, sign-in included, carries a token.
			var err error
			user, msns := "", []string(nil)
			if c.opts.Open {
				user = "sandbox visitor"
			}
			if s, err = c.sessions.start(w, r, user, msns); err != nil {
				c.fail(w, r, nil, err)
				return
			}
		}
		switch {
		case a != public && (s == nil || !s.signedIn()):
			if r.Method == http.MethodGet {
				http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
				return
			}
			c.fail(w, r, s, errNotFound)
			return
		case a == merchant && !c.allowed(s, r.PathValue("msn")):
			c.fail(w, r, s, errNotFound)
			return
		}
		if r.Method == http.MethodPost && !isMultipart(r) && (s == nil || !checkCSRF(r, s)) {
			c.fail(w, r, s, errCSRF)
			return
		}
		if err := h(w, r, s); err != nil {
			c.fail(w, r, s, err)
		}
	})
}

// isMultipart is true for the upload form, whose handler checks the CSRF
// token after reading the body within its own limit.
func isMultipart(r *http.Request) bool {
	ct := r.Header.Get("Content-Type")
	return len(ct) >= 19 && ct[:19] == "multipart/form-data"
}

// fail renders the error page for an error no page handled.
func (c *Console) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong in the console; the error is in its log."
	switch {
	case errors.Is(err, errNotFound):
		status, msg = http.StatusNotFound, "There is nothing here, or you may not see it."
	case errors.Is(err, errCSRF):
		status, msg = http.StatusForbidden, "This form is out of date or was not sent from the console. Reload the page and try again."
	default:
		c.log.Error("console", "path", r.URL.Path, "err", err)
	}
	c.render(w, r, s, status, "error", "Console", errorPage{Message: msg})
}

type errorPage struct{ Message string }
