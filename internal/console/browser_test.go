package console_test

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/log"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/console"
)

// The browser tests drive Debian's Chromium through the console as a
// support agent would, and assert on the text and elements of the pages.
// They run when ORDERMGMT_TEST_BROWSER=1 (CI sets it, and then a missing
// browser fails them); -update also writes the screenshots of the README.

var update = flag.Bool("update", false, "write the console screenshots under docs/console/")

const envBrowser = "ORDERMGMT_TEST_BROWSER"

// chromiumPath finds the browser, or skips (or, when the tests are
// mandatory, fails) saying how to run them.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if os.Getenv(envBrowser) != "1" {
		t.Skip("browser tests: set " + envBrowser + "=1 to run them (they need Chromium: apt-get install -y chromium)")
	}
	for _, p := range []string{os.Getenv("ORDERMGMT_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := exec.LookPath(p); err == nil {
			return p
		}
	}
	t.Fatal(envBrowser + "=1 but no Chromium found at /usr/bin/chromium; install it with apt-get install -y chromium, or name it in ORDERMGMT_CHROMIUM")
	return ""
}

// newChromium starts a headless Chromium with a fresh profile.
func newChromium(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:0:0], chromedp.DefaultExecAllocatorOptions[:]...)
	opts = append(opts,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	// The first context starts the browser; tabs get browser contexts of
	// their own from it.
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return bctx
}

// tab is one browser context (its own cookies) with a watch on what must
// never happen: a dialog (alert), a script error, a CSP violation.
type tab struct {
	t   *testing.T
	ctx context.Context
	mu  sync.Mutex
	bad []string
}

func newTab(t *testing.T, browser context.Context) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	tb := &tab{t: t, ctx: ctx}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatalf("start the browser: %v", err)
	}
	if err := chromedp.Listen(ctx, tb.watch); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(ctx, log.Enable, cdp.Empty{}); err != nil {
		t.Fatal(err)
	}
	return tb
}

func (tb *tab) watch(ev any) {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	switch ev := ev.(type) {
	case *cdppage.EventJavascriptDialogOpening:
		tb.bad = append(tb.bad, "dialog: "+ev.Message)
		go chromedp.Call(tb.ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true})
	case *runtime.EventExceptionThrown:
		tb.bad = append(tb.bad, "script error: "+ev.ExceptionDetails.Text)
	case *log.EventEntryAdded:
		if strings.Contains(ev.Entry.Text, "Content Security Policy") || ev.Entry.Source == "security" {
			tb.bad = append(tb.bad, "CSP: "+ev.Entry.Text)
		}
	}
}

// problems returns what the watch saw.
func (tb *tab) problems() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.bad...)
}

func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %v", what, err)
	}
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("text of %s: %v", sel, err)
	}
	return s
}

func (tb *tab) value(sel string) string {
	tb.t.Helper()
	s, err := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS(sel)))
	if err != nil {
		tb.t.Fatalf("value of %s: %v", sel, err)
	}
	return s
}

func (tb *tab) count(sel string) int {
	tb.t.Helper()
	n, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		tb.t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// waitText waits until the page's text has s.
func (tb *tab) waitText(s string) {
	tb.t.Helper()
	js := fmt.Sprintf("document.body && document.body.innerText.includes(%q)", s)
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return
		}
	}
	tb.t.Fatalf("the page never said %q; it reads:\n%s", s, tb.body())
}

func (tb *tab) body() string { return tb.text("body") }

func (tb *tab) open(url string) {
	tb.t.Helper()
	tb.do("open "+url, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body")))
}

// submit clicks a form's button and waits for the next page.
func (tb *tab) submit(form, waitFor string) {
	tb.t.Helper()
	tb.do("submit "+form, chromedp.Click(chromedp.CSS(form+` button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(waitFor)))
}

// shot writes a screenshot for the README with -update.
func (tb *tab) shot(name string, width, height int64) { tb.shotOf(name, "", width, height) }

// shotOf writes a screenshot of one element (the viewport for "").
func (tb *tab) shotOf(name, el string, width, height int64) {
	tb.t.Helper()
	if !*update {
		return
	}
	// The top of the page at the viewport's size (PNG), not the whole
	// page: what a reader needs, in a file of tens of kilobytes.
	tb.do("viewport", chromedp.EmulateViewport(width, height))
	var b []byte
	var err error
	if el == "" {
		b, err = chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
	} else {
		b, err = chromedp.Run(tb.ctx, chromedp.Screenshot(chromedp.CSS(el)))
	}
	if err != nil {
		tb.t.Fatalf("screenshot %s: %v", name, err)
	}
	tb.do("viewport", chromedp.EmulateViewport(1280, 900))
	dir := filepath.Join("..", "..", "docs", "console")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), b, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

func (tb *tab) clean() {
	tb.t.Helper()
	if p := tb.problems(); len(p) > 0 {
		tb.t.Errorf("the browser saw what must not happen:\n  %s", strings.Join(p, "\n  "))
	}
}

func wantIn(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s lacks %q; it reads:\n%s", what, w, got)
		}
	}
}

// TestBrowserWatchSeesViolations proves the watch can fail: a page under
// the console's policy with an inline script is caught, and so is an alert.
func TestBrowserWatchSeesViolations(t *testing.T) {
	browser := newChromium(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/open" {
			fmt.Fprint(w, `<!doctype html><p>no policy</p><script>alert("x")</script>`)
			return
		}
		w.Header().Set("Content-Security-Policy", "default-src 'none'")
		fmt.Fprint(w, `<!doctype html><p>policy</p><script>alert("x")</script>`)
	}))
	defer srv.Close()
	tb := newTab(t, browser)
	tb.open(srv.URL + "/csp")
	waitFor(t, func() bool { return len(tb.problems()) > 0 })
	if p := tb.problems(); len(p) == 0 || !strings.HasPrefix(p[0], "CSP") {
		t.Errorf("inline script under the policy: watch saw %q, want a CSP violation", p)
	}
	tb2 := newTab(t, browser)
	tb2.open(srv.URL + "/open")
	waitFor(t, func() bool { return len(tb2.problems()) > 0 })
	if p := tb2.problems(); len(p) == 0 || !strings.HasPrefix(p[0], "dialog") {
		t.Errorf("alert without a policy: watch saw %q, want a dialog", p)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
}

// TestBrowserMounted is a support agent's session in the console of our
// server in configured mode.
func TestBrowserMounted(t *testing.T) {
	browser := newChromium(t)
	a := startServer(t, writeConfig(t))
	shop := sdk(t, a.URL, msnA)
	addTestReceipt(t, shop, "b-1")
	r := testReceipt()
	r.OrderLines[0].Name = `Scarf "><script>alert(1)</script>`
	addTestReceiptValue(t, shop, "b-xss", r)
	addTestReceipt(t, sdk(t, a.URL, msnB), "b-other")

	kari := newTab(t, browser)
	kari.open(a.URL + "/console/")
	kari.shot("sign-in", 1024, 640)
	kari.do("sign in",
		chromedp.SetValue(chromedp.CSS("#name"), "kari"),
		chromedp.SetValue(chromedp.CSS("#password"), "kari-password"),
	)
	kari.submit("form", "#orderId")
	wantIn(t, "start page", kari.body(), "Signed in as kari", "Find an order")

	// Look up an order: lines, totals and the VAT rows.
	kari.do("fill lookup", chromedp.SetValue(chromedp.CSS("#orderId"), "b-1"), chromedp.SetValue(chromedp.CSS("#paymentType"), "ECOM"))
	kari.shot("lookup", 1024, 640)
	kari.submit("form[action$='/lookup']", "table.lines")
	tot := testReceipt().Totals()
	wantIn(t, "order lines", kari.text("table.lines"), "Wool socks", "2 PCS × 125.00 NOK", "Cookbook", "−20.00 NOK", "Returned hat", "Return", "Shipping")
	if got, want := kari.text("#total"), api.FormatAmount(tot.Total, "NOK"); got != want {
		t.Errorf("total = %q, want %q", got, want)
	}
	if got := kari.count("table.vat tr.vat-row"); got != len(tot.VATTable) {
		t.Errorf("VAT rows = %d, want %d", got, len(tot.VATTable))
	}
	wantIn(t, "VAT table", kari.text("table.vat"), "12 %", "25 %")
	if n := kari.count(".barcode img"); n != 1 {
		t.Errorf("barcode images = %d, want 1", n)
	}

	// Upload an image from a file, then set the category with it.
	img := filepath.Join(t.TempDir(), "logo.png")
	if err := os.WriteFile(img, testPNG(t, 240, 240), 0o600); err != nil {
		t.Fatal(err)
	}
	kari.do("choose file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{img}))
	kari.submit("#image-form", "p.done")
	wantIn(t, "after upload", kari.body(), "The image is uploaded.")
	imageID := kari.value("#imageId")
	if len(imageID) != 128 {
		t.Errorf("the category form's image id after the upload = %q, want the content id", imageID)
	}
	kari.do("fill category",
		chromedp.SetValue(chromedp.CSS("#category"), "TICKET"),
		chromedp.SetValue(chromedp.CSS("#orderDetailsUrl"), "https://shop.example/tickets/b-1"),
	)
	kari.submit("#category-form", ".shown-mark")
	wantIn(t, "after set category", kari.body(), "The category is set.", "Shown in the app", api.CategoryTicket.Label())
	loaded, err := chromedp.Run(kari.ctx, chromedp.Evaluate[bool](`(() => { const i = document.querySelector(".category img"); return !!i && i.complete && i.naturalWidth === 240 })()`))
	if err != nil || !loaded {
		t.Errorf("the category image is not shown (%v)", err)
	}
	// Add a second category (v3): the newest is the one the app shows;
	// delete it and the ticket is shown again.
	kari.do("fill add category",
		chromedp.SetValue(chromedp.CSS("#v3-type"), "DELIVERY"),
		chromedp.SetValue(chromedp.CSS("#v3-url"), "https://shop.example/track/b-1"),
	)
	kari.do("add", chromedp.Click(chromedp.CSS(`#add-category-form button[type="submit"]`)))
	kari.waitText("The category is added.")
	if n := kari.count(".card.category"); n != 2 {
		t.Errorf("categories after add = %d, want 2", n)
	}
	wantIn(t, "shown category", kari.text(".card.category:last-of-type"), "Shown in the app", api.CategoryDelivery.Label())
	kari.do("delete", chromedp.Click(chromedp.CSS(`.card.category:last-of-type button[type="submit"]`)))
	kari.waitText("The category is deleted.")
	if n := kari.count(".card.category"); n != 1 {
		t.Errorf("categories after delete = %d, want 1", n)
	}
	wantIn(t, "shown after delete", kari.text(".card.category"), "Shown in the app", api.CategoryTicket.Label())
	wantIn(t, "record", kari.text("table.record"), "kari", "set category", "upload image", "add category", "delete category", "done")
	kari.shot("order", 1280, 1000)

	// The customer view: the same total and the app's label.
	kari.open(a.URL + orderPath(msnA, "b-1") + "/customer")
	if got, want := kari.text(".phone #total"), api.FormatAmount(tot.Total, "NOK"); got != want {
		t.Errorf("customer view total = %q, want %q", got, want)
	}
	wantIn(t, "customer view", kari.text(".phone"), "Vipps", api.CategoryTicket.Label(), "Wool socks")
	kari.shot("customer", 430, 932)

	// A broken receipt: every message beside its field, the text kept.
	broken := `{"orderLines": [{"name": "", "id": "X", "totalAmount": 1000, "totalAmountExcludingTax": 800, "totalTaxAmount": 100, "taxRate": 2500},
  {"name": "Mug", "id": "M", "totalAmount": 10.5, "totalAmountExcludingTax": 8, "totalTaxAmount": 2, "taxRate": 2500}],
 "bottomLine": {"currency": "SEK"}}`
	kari.open(a.URL + orderPath(msnA, "b-2"))
	kari.do("paste receipt", chromedp.SetValue(chromedp.CSS("#receipt"), broken))
	kari.submit("#receipt-form", "#receipt-errors li")
	for _, field := range []string{"orderLines[0].name", "orderLines[0].totalAmount", "orderLines[1].totalAmount", "bottomLine.currency"} {
		if n := kari.count(fmt.Sprintf(`#receipt-errors li[data-field=%q]`, field)); n == 0 {
			t.Errorf("no message beside %s", field)
		}
	}
	wantIn(t, "receipt messages", kari.text("#receipt-errors"), client.FieldMessage(api.InvalidParam{Code: api.CodeNotInteger}))
	if got := kari.value("#receipt"); got != broken {
		t.Errorf("the receipt text after the failure = %q, want what was typed", got)
	}
	kari.shotOf("receipt-errors", "#receipt-form", 1280, 900)

	// Merchant text that looks like markup is text.
	kari.open(a.URL + orderPath(msnA, "b-xss"))
	wantIn(t, "escaped line", kari.text("table.lines"), `Scarf "><script>alert(1)</script>`)
	if n := kari.count("script"); n != 0 {
		t.Errorf("%d script elements in the page", n)
	}
	kari.clean()

	// A signed-out visitor gets the sign-in page, nothing of the order.
	anon := newTab(t, browser)
	anon.open(a.URL + orderPath(msnA, "b-1"))
	if body := anon.body(); strings.Contains(body, "Wool socks") || anon.count("#password") != 1 {
		t.Errorf("signed-out visitor sees: %s", body)
	}
	anon.open(a.URL + "/console/m/" + msnA + "/images/" + imageID)
	if n := anon.count("img"); n != 0 {
		t.Error("a signed-out visitor gets the image")
	}

	// Another merchant's user gets 404 for kari's order and image.
	ola := newTab(t, browser)
	ola.open(a.URL + "/console/")
	ola.do("sign in", chromedp.SetValue(chromedp.CSS("#name"), "ola"), chromedp.SetValue(chromedp.CSS("#password"), "ola-password"))
	ola.submit("form", "#orderId")
	for _, path := range []string{orderPath(msnA, "b-1"), orderPath(msnA, "b-1") + "/customer"} {
		ola.open(a.URL + path)
		if body := ola.body(); strings.Contains(body, "Wool socks") || !strings.Contains(body, "There is nothing here") {
			t.Errorf("another merchant's user at %s sees: %s", path, body)
		}
	}
	ola.open(a.URL + orderPath(msnB, "b-other"))
	wantIn(t, "own order", ola.text("table.lines"), "Wool socks")
	ola.clean()
	anon.clean()
}

func addTestReceiptValue(t *testing.T, c *client.Client, orderID string, r *api.Receipt) {
	t.Helper()
	if _, err := c.AddReceipt(context.Background(), api.PaymentTypeECOM, orderID, r); err != nil {
		t.Fatal(err)
	}
}

// TestBrowserStandalone runs the console as `ordermgmt console --base-url`
// does, on its own, reaching our server over HTTP through the SDK.
func TestBrowserStandalone(t *testing.T) {
	browser := newChromium(t)
	a := startServer(t, "")
	addTestReceipt(t, sdk(t, a.URL, msnA), "s-1")
	base := startStandalone(t, a.URL)

	tb := newTab(t, browser)
	tb.open(base + "/console/")
	tb.do("lookup", chromedp.SetValue(chromedp.CSS("#msn"), msnA), chromedp.SetValue(chromedp.CSS("#orderId"), "s-1"))
	tb.submit("form[action$='/lookup']", "table.lines")
	wantIn(t, "standalone order page", tb.text("table.lines"), "Wool socks", "Cookbook")
	wantIn(t, "standalone header", tb.text("header"), "Order Management API: "+a.URL)
	tb.do("fill category", chromedp.SetValue(chromedp.CSS("#category"), "RECEIPT"),
		chromedp.SetValue(chromedp.CSS("#orderDetailsUrl"), "https://shop.example/r/s-1"))
	tb.submit("#category-form", ".shown-mark")
	wantIn(t, "standalone after set", tb.body(), "The category is set.", api.CategoryReceipt.Label())
	o, err := sdk(t, a.URL, msnA).GetOrder(context.Background(), api.PaymentTypeECOM, "s-1")
	if err != nil || o.Category == nil || o.Category.Category != api.CategoryReceipt {
		t.Errorf("the server's order after the standalone console set it: %+v, %v", o, err)
	}
	tb.clean()
}

// startStandalone starts a console the way `ordermgmt console` does:
// clients of the API at base, one per merchant, over HTTP.
func startStandalone(t *testing.T, apiURL string) string {
	t.Helper()
	var mu sync.Mutex
	clients := map[string]*client.Client{}
	con, err := console.New(console.Options{
		Open: true, Loopback: true, Where: apiURL,
		Client: func(msn string) (*client.Client, error) {
			mu.Lock()
			defer mu.Unlock()
			if c, ok := clients[msn]; ok {
				return c, nil
			}
			c, err := client.New(client.Config{BaseURL: apiURL, ClientID: "support", ClientSecret: "s", SubscriptionKey: "k",
				MSN: msn, System: client.System{Name: "ordermgmt-console", Version: "test"}})
			clients[msn] = c
			return c, err
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(con)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestBrowserHostileAPI shows an order from an API that returns what ours
// refuses: a category URL with "><script> in it and markup in every text.
// Nothing runs, the URL is text and not a link.
func TestBrowserHostileAPI(t *testing.T) {
	browser := newChromium(t)
	evilURL := `https://shop.example/"><script>alert(1)</script>`
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.EqualFold(r.URL.Path, "/accesstoken/get") {
			fmt.Fprint(w, `{"token_type":"Bearer","expires_in":"3600","ext_expires_in":"0","expires_on":"9999999999","not_before":"0","resource":"x","access_token":"t"}`)
			return
		}
		if strings.Contains(r.URL.Path, "/v3/") {
			// An API without v3: the console shows GET order's category.
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"statusCode": 404, "message": "Resource not found"}`)
			return
		}
		fmt.Fprintf(w, `{"category": {"category": "RECEIPT", "orderDetailsUrl": %q, "imageId": "img\"><script>alert(2)</script>"},
			"receipt": {"orderLines": [{"name": "<img src=x onerror=alert(3)>", "id": "<b>", "totalAmount": 100, "totalAmountExcludingTax": 80, "totalTaxAmount": 20, "taxRate": 2500,
			"productUrl": "javascript:alert(4)"}], "bottomLine": {"currency": "NOK", "receiptNumber": "<script>alert(5)</script>"}}}`, evilURL)
	}))
	defer upstream.Close()
	base := startStandalone(t, upstream.URL)
	tb := newTab(t, browser)
	tb.open(base + orderPath(msnA, "evil-1"))
	tb.do("wait", chromedp.WaitVisible(chromedp.CSS("table.lines")))
	wantIn(t, "hostile order", tb.body(), evilURL, "<img src=x onerror=alert(3)>", "<script>alert(5)</script>")
	if n := tb.count("script"); n != 0 {
		t.Errorf("%d script elements in the page", n)
	}
	if n := tb.count(`a[href*="script"], a[href^="javascript"]`); n != 0 {
		hrefs, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("a")].map(a => a.getAttribute("href"))`))
		t.Errorf("%d links to the hostile URLs: %q", n, hrefs)
	}
	tb.open(base + orderPath(msnA, "evil-1") + "/customer")
	tb.do("wait", chromedp.WaitVisible(chromedp.CSS(".phone")))
	time.Sleep(200 * time.Millisecond)
	tb.clean()
}

// TestBrowserSandbox: a fault rule added in the console's sandbox page
// makes the order page fail in plain words, with the trace id and the raw
// answer one click away; the journal shows the request.
func TestBrowserSandbox(t *testing.T) {
	browser := newChromium(t)
	a := startServer(t, "")
	addTestReceipt(t, sdk(t, a.URL, msnA), "sb-1")
	tb := newTab(t, browser)
	tb.open(a.URL + "/console/m/" + msnA + "/sandbox")
	tb.do("fill fault", chromedp.SetValue(chromedp.CSS("#operation"), "getOrder"),
		chromedp.SetValue(chromedp.CSS("#f-orderId"), "sb-*"), chromedp.SetValue(chromedp.CSS("#status"), "503"),
		chromedp.SetValue(chromedp.CSS("#count"), "3"))
	tb.do("add", chromedp.Click(chromedp.CSS(`#fault-form button[type="submit"]`)))
	tb.waitText("The fault rule is added.")
	tb.open(a.URL + orderPath(msnA, "sb-1"))
	wantIn(t, "faulted order page", tb.text(".problem"), "unavailable right now (HTTP 503)", "Trace id for escalation")
	raw := tb.text(".problem details")
	tb.do("open details", chromedp.Click(chromedp.CSS(".problem details summary")))
	if open := tb.text(".problem details"); !strings.Contains(open, `"statusCode": 503`) || strings.Contains(raw, `"statusCode"`) {
		t.Errorf("the raw answer is not one click away: closed %q, open %q", raw, open)
	}
	tb.shot("order-failed", 1280, 700)
	tb.open(a.URL + orderPath(msnA, "sb-1"))
	wantIn(t, "order page after the fault", tb.text("table.lines"), "Wool socks")
	wantIn(t, "request history", tb.text("table.journal"), "getOrder", "503", "200")
	tb.open(a.URL + "/console/m/" + msnA + "/sandbox")
	wantIn(t, "sandbox page", tb.body(), "Integration checklist", "3 of 3")
	tb.shot("sandbox", 1280, 900)
	tb.clean()
}
