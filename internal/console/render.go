package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/console/form"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// staticHandler serves the embedded styles; they change only with the
// binary, so browsers may keep them for a day.
func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		files.ServeHTTP(w, r)
	})
}

// pageNames are the templates that are whole pages; each is parsed with
// the layout and the shared parts.
var pageNames = []string{"home", "order", "customer", "sandbox", "error", "deliveries"}

type pages struct{ t map[string]*template.Template }

var funcs = template.FuncMap{
	"deliveryRows": newDeliveryRows,
	"amount":       api.FormatAmount,
	"rate":         api.FormatRate,
	"pathesc":      url.PathEscape,
	"queryesc":     url.QueryEscape,
	"join":         strings.Join,
	"labelOf":      func(t api.CategoryType) string { return t.Label() },
	"lower":        strings.ToLower,
	"hasErrors":    func(m map[string][]string, k string) bool { return len(m[k]) > 0 },
	"rowField":     form.RowField,
	"fields":       func() []lineField { return lineFields },
	"fieldOf":      fieldOf,
	"inc":          func(i int) int { return i + 1 },
	"currencies":   func() []string { return api.Currencies },
	"when":         func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000") },
}

func loadPages() (*pages, error) {
	p := &pages{t: map[string]*template.Template{}}
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS,
			"templates/layout.html", "templates/parts.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("console templates: %w", err)
		}
		p.t[name] = t
	}
	return p, nil
}

// pageData is what every page gets: the layout's parts and the page's own.
type pageData struct {
	Title  string
	Prefix string
	// User is who is signed in; "" on the sign-in page.
	User     string
	SignedIn bool
	Open     bool
	// OpenWarning is set when an open console can be reached from other
	// machines: every page says so.
	OpenWarning bool
	CSRF        string
	Where       string
	Page        any
}

// render executes a page into a buffer first, so a template error becomes
// an error page instead of half a page.
func (c *Console) render(w http.ResponseWriter, r *http.Request, s *session, status int, name, title string, page any) {
	d := pageData{
		Title: title, Prefix: Prefix, Open: c.opts.Open, Where: c.opts.Where, Page: page,
		OpenWarning: c.opts.Open && (!c.opts.Loopback || !isLoopbackHost(r.Host)),
	}
	if s != nil {
		d.CSRF = s.csrf
		d.User, d.SignedIn = s.user, s.signedIn()
	}
	var buf bytes.Buffer
	if err := c.pages.t[name].ExecuteTemplate(&buf, "layout", d); err != nil {
		c.log.Error("console: render", "page", name, "err", err)
		http.Error(w, "The console could not draw this page; the error is in its log.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// httpsLink returns u when it is an absolute https URL of RFC 3986
// characters only, with a host and no user info (the rules of contract
// §8), else "": anything else is shown as text, never as a link. The
// console checks this itself rather than trusting the API that stored it.
func httpsLink(u string) string {
	if u == "" || len(u) > api.MaxURLLength {
		return ""
	}
	for i := 0; i < len(u); i++ {
		if !uriChar(u[i]) {
			return ""
		}
	}
	pu, err := url.Parse(u)
	if err != nil || pu.Scheme != "https" || pu.Host == "" || pu.User != nil || pu.Opaque != "" {
		return ""
	}
	return u
}

// uriChar reports whether c may appear in a URI (RFC 3986: unreserved,
// reserved and the percent sign).
func uriChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~:/?#[]@!$&'()*+,;=%", c) >= 0
}

// lineField is one input of a row of the line-by-line receipt form.
type lineField struct {
	Name, Label string
	Numeric     bool
}

var lineFields = []lineField{
	{"name", "name", false}, {"id", "product id", false}, {"quantity", "quantity", true},
	{"unitPrice", "unit price", true}, {"discount", "discount", true}, {"taxRate", "VAT %", true},
}

// fieldOf is what was typed in one input of a row.
func fieldOf(l form.Line, name string) string {
	switch name {
	case "name":
		return l.Name
	case "id":
		return l.ID
	case "quantity":
		return l.Quantity
	case "unitPrice":
		return l.UnitPrice
	case "discount":
		return l.Discount
	case "taxRate":
		return l.TaxRate
	}
	return ""
}
