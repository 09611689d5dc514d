package console

import (
	"net/http"
	"net/url"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/auth"
	"github.com/ordermgmt/ordermgmt/internal/console/form"
)

// homePage is the start page: the sign-in form, or the merchant to act for
// and the order lookup.
type homePage struct {
	SignIn       form.SignIn
	SignInError  string
	NoUsers      bool
	Lookup       form.Lookup
	Errors       form.Errors
	MSNs         []string
	PaymentTypes []api.PaymentType
}

var paymentTypes = []api.PaymentType{api.PaymentTypeECOM, api.PaymentTypeRECURRING}

func (c *Console) homeData(s *session) homePage {
	hp := homePage{PaymentTypes: paymentTypes, Errors: form.Errors{}, NoUsers: !c.opts.Open && len(c.users) == 0}
	hp.Lookup.PaymentType = string(api.PaymentTypeECOM)
	if s != nil {
		hp.MSNs = s.msns
		if len(s.msns) > 0 {
			hp.Lookup.MSN = s.msns[0]
		}
	}
	return hp
}

// home answers GET /console/.
func (c *Console) home(w http.ResponseWriter, r *http.Request, s *session) error {
	title := "Sign in"
	if s.signedIn() {
		title = "Find an order"
	}
	c.render(w, r, s, http.StatusOK, "home", title, c.homeData(s))
	return nil
}

// lookup answers the order lookup form (GET /console/lookup) with a
// redirect to the order's stable URL, or the form again with its messages.
func (c *Console) lookup(w http.ResponseWriter, r *http.Request, s *session) error {
	l := form.LookupFromRequest(r)
	pt, errs := l.Validate()
	if !errs.Any() && !c.allowed(s, l.MSN) {
		errs.Add("msn", "You may not act for this merchant; choose one of yours.")
	}
	if errs.Any() {
		hp := c.homeData(s)
		hp.Lookup, hp.Errors = l, errs
		c.render(w, r, s, http.StatusBadRequest, "home", "Find an order", hp)
		return nil
	}
	http.Redirect(w, r, orderURL(l.MSN, pt, l.OrderID), http.StatusSeeOther)
	return nil
}

// orderURL is the stable URL of an order page.
func orderURL(msn string, pt api.PaymentType, orderID string) string {
	return Prefix + "/m/" + url.PathEscape(msn) + "/orders/" + url.PathEscape(string(pt)) + "/" + url.PathEscape(orderID)
}

// signInDelay evens out the time of a failed sign-in, whatever failed.
const signInDelay = 300 * time.Millisecond

// signIn answers POST /console/signin.
func (c *Console) signIn(w http.ResponseWriter, r *http.Request, s *session) error {
	if c.opts.Open {
		http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
		return nil
	}
	f := form.SignInFromRequest(r)
	keys := throttleKeys(r, f.Name)
	if c.throttle.blocked(keys) {
		c.log.Warn("console: sign-in refused after too many failures", "name", f.Name, "remote", r.RemoteAddr)
		hp := c.homeData(s)
		hp.SignIn = form.SignIn{Name: f.Name}
		hp.SignInError = "Too many failed sign-ins; wait a quarter of an hour and try again."
		c.render(w, r, s, http.StatusTooManyRequests, "home", "Sign in", hp)
		return nil
	}
	u, known := c.users[f.Name]
	hash := c.dummyHash
	if known {
		hash = u.PasswordHash
	}
	// The hash is checked even for an unknown name, so the time taken does
	// not tell which names exist.
	ok := auth.CheckPassword(hash, f.Password) && known
	if !ok {
		c.throttle.failed(keys)
		time.Sleep(signInDelay)
		c.log.Info("console: sign-in failed", "name", f.Name)
		hp := c.homeData(s)
		hp.SignIn = form.SignIn{Name: f.Name}
		hp.SignInError = "The name or password is wrong."
		c.render(w, r, s, http.StatusUnauthorized, "home", "Sign in", hp)
		return nil
	}
	c.sessions.end(w, r, s)
	if _, err := c.sessions.start(w, r, u.Name, u.MSNs); err != nil {
		return err
	}
	c.log.Info("console: signed in", "user", u.Name)
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
	return nil
}

// signOut answers POST /console/signout.
func (c *Console) signOut(w http.ResponseWriter, r *http.Request, s *session) error {
	c.sessions.end(w, r, s)
	http.Redirect(w, r, Prefix+"/", http.StatusSeeOther)
	return nil
}
