package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/app"
	"github.com/ordermgmt/ordermgmt/internal/config"
	_ "github.com/ordermgmt/ordermgmt/internal/store/postgres" // postgres:// for app.Start
	"github.com/ordermgmt/ordermgmt/internal/store/postgres/pgtest"
)

// The tests here drive the console over HTTP, mounted in the real server
// (internal/app), as a browser without JavaScript would: GET pages, POST
// forms with the token from the page. The browser tests (browser_test.go)
// do the same in Chromium.

const (
	msnA = "123456"
	msnB = "654321"
)

// startServer starts the real server on a free port; configFile empty
// means sandbox mode.
func startServer(t *testing.T, configFile string) *app.App {
	t.Helper()
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.ConfigFile = configFile
	a, err := app.Start(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	return a
}

// writeConfig writes a configured-mode file: one sales unit for both
// merchants, and console users kari (msnA) and ola (msnB).
func writeConfig(t *testing.T) string {
	t.Helper()
	hash := func(s string) string {
		h, err := bcrypt.GenerateFromPassword([]byte(s), bcrypt.MinCost)
		if err != nil {
			t.Fatal(err)
		}
		return string(h)
	}
	cfg := map[string]any{
		"salesUnits": []any{map[string]any{
			"name": "Shop", "clientId": "shop", "secretHash": hash("shop-secret"),
			"subscriptionKey": "shop-key", "msns": []string{msnA, msnB},
		}},
		"console": map[string]any{
			"users": []any{
				map[string]any{"name": "kari", "passwordHash": hash("kari-password"), "msns": []string{msnA}},
				map[string]any{"name": "ola", "passwordHash": hash("ola-password"), "msns": []string{msnB}},
			},
			"markets": map[string]string{msnB: "DK"},
		},
	}
	b, _ := json.Marshal(cfg)
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// sdk is a client of the server for msn, in sandbox mode any credentials,
// in configured mode the shop's.
func sdk(t *testing.T, base, msn string) *client.Client {
	t.Helper()
	c, err := client.New(client.Config{
		BaseURL: base, ClientID: "shop", ClientSecret: "shop-secret", SubscriptionKey: "shop-key",
		MSN: msn, System: client.System{Name: "console-test", Version: "1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// browser is a cookie-keeping HTTP client that does not follow redirects,
// so tests see them.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	status   int
	body     string
	location string
	header   http.Header
}

func (b *browser) do(req *http.Request) page {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, body: string(body), location: res.Header.Get("Location"), header: res.Header}
}

func (b *browser) get(path string) page {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.base+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf reads the form token from a page.
func (b *browser) csrf(path string) string {
	b.t.Helper()
	p := b.get(path)
	m := csrfField.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("GET %s: no csrf field in the page (status %d)", path, p.status)
	}
	return m[1]
}

func (b *browser) signIn(name, password string) page {
	b.t.Helper()
	return b.post("/console/signin", url.Values{"csrf": {b.csrf("/console/")}, "name": {name}, "password": {password}})
}

func orderPath(msn, orderID string) string {
	return "/console/m/" + msn + "/orders/ECOM/" + orderID
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

func int64p(v int64) *int64 { return &v }

// testReceipt has two rates, a discount, a return and a shipping line,
// a tip, payment sources and a barcode.
func testReceipt() *api.Receipt {
	return &api.Receipt{
		OrderLines: []api.OrderLine{
			{Name: "Wool socks", ID: "SKU-1", TotalAmount: 25000, TotalAmountExcludingTax: 20000, TotalTaxAmount: 5000,
				TaxRate: int64p(2500), UnitInfo: &api.UnitInfo{UnitPrice: 12500, Quantity: "2"}},
			{Name: "Cookbook", ID: "SKU-2", TotalAmount: 30000, TotalAmountExcludingTax: 26786, TotalTaxAmount: 3214,
				TaxRate: int64p(1200), Discount: int64p(2000), UnitInfo: &api.UnitInfo{UnitPrice: 32000, Quantity: "1"}},
			{Name: "Returned hat", ID: "SKU-3", TotalAmount: 10000, TotalAmountExcludingTax: 8000, TotalTaxAmount: 2000,
				TaxRate: int64p(2500), IsReturn: true},
			{Name: "Shipping", ID: "SHIP", TotalAmount: 4900, TotalAmountExcludingTax: 3920, TotalTaxAmount: 980,
				TaxRate: int64p(2500), IsShipping: true},
		},
		BottomLine: api.BottomLine{
			Currency: "NOK", TipAmount: int64p(1500), ReceiptNumber: "R-77", PosID: "POS-3",
			PaymentSources: &api.PaymentSources{Card: int64p(39900), GiftCard: int64p(10000)},
			Barcode:        &api.Barcode{Format: "EAN-13", Data: "5901234123457"},
		},
	}
}

func addTestReceipt(t *testing.T, c *client.Client, orderID string) {
	t.Helper()
	if _, err := c.AddReceipt(context.Background(), api.PaymentTypeECOM, orderID, testReceipt()); err != nil {
		t.Fatal(err)
	}
}

func TestOrderPageShowsReceiptWithTheAPISums(t *testing.T) {
	a := startServer(t, "")
	addTestReceipt(t, sdk(t, a.URL, msnA), "order-1")
	b := newBrowser(t, a.URL)
	p := b.get(orderPath(msnA, "order-1"))
	if p.status != 200 {
		t.Fatalf("order page: status %d", p.status)
	}
	tot := testReceipt().Totals()
	mustContain(t, "order page", p.body,
		"Wool socks", "2 PCS × 125.00 NOK", "Cookbook", "−20.00 NOK", "Returned hat", ">Return<", ">Shipping<",
		`id="total">`+api.FormatAmount(tot.Total, "NOK")+"<",
		"Tip (not part of the total)", "15.00 NOK", "Paid by Card", "399.00 NOK", "Paid by Gift card",
		"R-77", "POS-3", `src="data:image/png;base64,`, "EAN-13: <code>5901234123457</code>",
		"Raw JSON of the order")
	for _, row := range tot.VATTable {
		mustContain(t, "VAT table", p.body, fmt.Sprintf(`<th scope="row">%s</th><td class="num">%s</td><td class="num">%s</td><td class="num">%s</td>`,
			api.FormatRate(row.Rate), api.FormatAmount(row.Net, "NOK"), api.FormatAmount(row.VAT, "NOK"), api.FormatAmount(row.Total, "NOK")))
	}
	if got := strings.Count(p.body, `class="vat-row"`); got != len(tot.VATTable) {
		t.Errorf("VAT rows = %d, want %d", got, len(tot.VATTable))
	}
	for h, want := range map[string]string{
		"Content-Security-Policy": "default-src 'none'",
		"X-Content-Type-Options":  "nosniff",
		"Cache-Control":           "no-store",
	} {
		if got := p.header.Get(h); !strings.Contains(got, want) {
			t.Errorf("header %s = %q, want it to contain %q", h, got, want)
		}
	}
	if strings.Contains(p.body, "<script") {
		t.Error("the page has a script element")
	}
}

func TestCustomerView(t *testing.T) {
	a := startServer(t, "")
	c := sdk(t, a.URL, msnA)
	addTestReceipt(t, c, "order-2")
	img := testPNG(t, 200, 200)
	res, err := c.AddImage(context.Background(), "", img)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetCategory(context.Background(), api.PaymentTypeECOM, "order-2", api.Category{
		Category: api.CategoryTicket, OrderDetailsURL: "https://shop.example/t/2", ImageID: &res.ID}); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, a.URL)
	p := b.get(orderPath(msnA, "order-2") + "/customer")
	tot := testReceipt().Totals()
	mustContain(t, "customer view", p.body, `class="phone"`, "What the customer sees in Vipps",
		api.CategoryTicket.Label(), `id="total">`+api.FormatAmount(tot.Total, "NOK")+"<",
		`src="/console/m/`+msnA+`/images/`+res.ID+`"`)

	// The image the page names is served from the store, as stored.
	ip := b.get("/console/m/" + msnA + "/images/" + res.ID)
	if ip.status != 200 || ip.body != string(img) || ip.header.Get("Content-Type") != "image/png" {
		t.Errorf("image: status %d, type %q, %d bytes; want 200 image/png %d bytes", ip.status, ip.header.Get("Content-Type"), len(ip.body), len(img))
	}
}

func TestSetCategoryForm(t *testing.T) {
	a := startServer(t, "")
	b := newBrowser(t, a.URL)
	path := orderPath(msnA, "order-3")
	tok := b.csrf(path)

	// Broken: a link that is not https and an image that does not exist.
	// Nothing typed is lost and each message is beside its field.
	p := b.post(path+"/category", url.Values{"csrf": {tok}, "category": {"DELIVERY"},
		"orderDetailsUrl": {"http://shop.example/d/3"}, "imageId": {"no-such-image"}})
	if p.status != 400 {
		t.Errorf("broken category: status %d, want 400", p.status)
	}
	mustContain(t, "failed category form", p.body,
		`value="http://shop.example/d/3"`, `value="no-such-image"`, `<option value="DELIVERY" selected>`,
		`<span id="orderDetailsUrl-errors"><span class="field-error">`+client.FieldMessage(api.InvalidParam{Code: api.CodeNotHTTPS}))

	// Good: the category is stored, the page says so, the record shows it.
	p = b.post(path+"/category", url.Values{"csrf": {tok}, "category": {"DELIVERY"}, "orderDetailsUrl": {"https://shop.example/d/3"}})
	if p.status != 303 {
		t.Fatalf("set category: status %d, want 303; body %s", p.status, p.body)
	}
	o, err := sdk(t, a.URL, msnA).GetOrder(context.Background(), api.PaymentTypeECOM, "order-3")
	if err != nil || o.Category == nil || o.Category.Category != api.CategoryDelivery {
		t.Fatalf("GetOrder after the form = %+v, %v; want a DELIVERY category", o, err)
	}
	p = b.get(p.location)
	mustContain(t, "order page after set", p.body, "The category is set.", "Shown in the app", "Track your order",
		`<a href="https://shop.example/d/3"`)

	// Both attempts are in the record of support actions, newest first.
	rec := p.body[strings.Index(p.body, `id="h-record"`):]
	mustContain(t, "record", rec, "sandbox visitor", "set category: DELIVERY https://shop.example/d/3", "done",
		"set category: DELIVERY http://shop.example/d/3 no-such-image", `class="failed"`)
	if i, j := strings.Index(rec, "https://shop.example/d/3"), strings.Index(rec, "http://shop.example/d/3"); i < 0 || j < 0 || i > j {
		t.Errorf("the record is not newest first: %s", rec)
	}
}

func TestFormsNeedTheToken(t *testing.T) {
	a := startServer(t, "")
	b := newBrowser(t, a.URL)
	path := orderPath(msnA, "order-4")
	tok := b.csrf(path)
	form := url.Values{"category": {"GENERAL"}, "orderDetailsUrl": {"https://shop.example/4"}}
	if p := b.post(path+"/category", form); p.status != 403 {
		t.Errorf("POST without token: status %d, want 403", p.status)
	}
	form.Set("csrf", tok+"x")
	if p := b.post(path+"/category", form); p.status != 403 {
		t.Errorf("POST with a wrong token: status %d, want 403", p.status)
	}
	// A cross-site POST with the right token is refused by the
	// cross-origin check too.
	form.Set("csrf", tok)
	req, _ := http.NewRequest("POST", a.URL+path+"/category", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if p := b.do(req); p.status != 403 {
		t.Errorf("cross-site POST: status %d, want 403", p.status)
	}
	if _, err := sdk(t, a.URL, msnA).GetOrder(context.Background(), api.PaymentTypeECOM, "order-4"); !isNotFound(err) {
		t.Errorf("GetOrder after refused forms: %v, want not found", err)
	}
}

func isNotFound(err error) bool {
	var ce *client.Error
	return err != nil && asErr(err, &ce) && ce.Status == 404
}

func TestBrokenReceiptKeepsTheText(t *testing.T) {
	a := startServer(t, "")
	b := newBrowser(t, a.URL)
	path := orderPath(msnA, "order-5")
	broken := `{"orderLines": [{"name": "", "id": "X", "totalAmount": 1000, "totalAmountExcludingTax": 800, "totalTaxAmount": 100, "taxRate": 2500}], "bottomLine": {"currency": "SEK"}}`
	p := b.post(path+"/receipt", url.Values{"csrf": {b.csrf(path)}, "receipt": {broken}})
	if p.status != 400 {
		t.Errorf("broken receipt: status %d, want 400", p.status)
	}
	mustContain(t, "failed receipt form", p.body,
		`data-field="orderLines[0].name"`, `data-field="orderLines[0].totalAmount"`, `data-field="bottomLine.currency"`,
		"The receipt was not sent", strings.ReplaceAll(strings.ReplaceAll(broken, `"`, "&#34;"), "&#34;: ", "&#34;: "))
	if _, err := sdk(t, a.URL, msnA).GetOrder(context.Background(), api.PaymentTypeECOM, "order-5"); !isNotFound(err) {
		t.Errorf("GetOrder after a broken receipt: %v, want not found", err)
	}
}

func TestSignInAndMerchantScope(t *testing.T) {
	a := startServer(t, writeConfig(t))
	addTestReceipt(t, sdk(t, a.URL, msnA), "order-6")
	addTestReceipt(t, sdk(t, a.URL, msnB), "order-6")

	anon := newBrowser(t, a.URL)
	if p := anon.get(orderPath(msnA, "order-6")); p.status != 303 || p.location != "/console/" {
		t.Errorf("signed-out order page: status %d to %q, want 303 to /console/", p.status, p.location)
	}
	if p := anon.get("/console/"); strings.Contains(p.body, "Wool socks") || !strings.Contains(p.body, `name="password"`) {
		t.Error("the start page signed out is not the sign-in form")
	}
	if p := anon.get("/console/m/" + msnA + "/images/x"); p.status == 200 {
		t.Errorf("signed-out image: status %d", p.status)
	}
	if p := anon.signIn("kari", "wrong"); p.status != 401 || !strings.Contains(p.body, "The name or password is wrong.") || !strings.Contains(p.body, `value="kari"`) {
		t.Errorf("wrong password: status %d", p.status)
	}
	if p := anon.signIn("nobody", "kari-password"); p.status != 401 {
		t.Errorf("unknown user: status %d", p.status)
	}
	if p := anon.post(orderPath(msnA, "order-6")+"/category", url.Values{"category": {"GENERAL"}, "orderDetailsUrl": {"https://x.example/"}}); p.status != 404 {
		t.Errorf("signed-out POST: status %d, want 404", p.status)
	}

	kari := newBrowser(t, a.URL)
	if p := kari.signIn("kari", "kari-password"); p.status != 303 {
		t.Fatalf("sign-in: status %d", p.status)
	}
	if p := kari.get(orderPath(msnA, "order-6")); p.status != 200 || !strings.Contains(p.body, "Wool socks") || !strings.Contains(p.body, "Signed in as kari") {
		t.Errorf("own merchant's order: status %d", p.status)
	}
	for _, path := range []string{orderPath(msnB, "order-6"), orderPath(msnB, "order-6") + "/customer", "/console/m/" + msnB + "/images/x"} {
		if p := kari.get(path); p.status != 404 || strings.Contains(p.body, "Wool socks") {
			t.Errorf("other merchant's %s: status %d, want 404", path, p.status)
		}
	}
	if p := kari.post(orderPath(msnB, "order-7")+"/category", url.Values{"csrf": {kari.csrf("/console/")}, "category": {"GENERAL"}, "orderDetailsUrl": {"https://x.example/"}}); p.status != 404 {
		t.Errorf("other merchant's form: status %d, want 404", p.status)
	}
	if p := kari.get("/console/lookup?msn=" + msnB + "&paymentType=ECOM&orderId=order-6"); p.status != 400 {
		t.Errorf("lookup of another merchant: status %d, want 400", p.status)
	}
	if p := kari.get("/console/lookup?msn=" + msnA + "&paymentType=ecom&orderId=order-6"); p.status != 303 || p.location != orderPath(msnA, "order-6") {
		t.Errorf("lookup: status %d to %q", p.status, p.location)
	}

	// ola's merchant is in Denmark: MobilePay until 2027-01-12.
	ola := newBrowser(t, a.URL)
	ola.signIn("ola", "ola-password")
	if p := ola.get(orderPath(msnB, "order-6") + "/customer"); !strings.Contains(p.body, "What the customer sees in "+wantDKApp()) {
		t.Errorf("customer view of a Danish merchant does not name %s", wantDKApp())
	}

	// Signing out ends the session: the old cookie opens nothing.
	kari.post("/console/signout", url.Values{"csrf": {kari.csrf("/console/")}})
	if p := kari.get(orderPath(msnA, "order-6")); p.status != 303 {
		t.Errorf("after sign-out: status %d, want 303", p.status)
	}
}

func TestCookieFlags(t *testing.T) {
	a := startServer(t, writeConfig(t))
	b := newBrowser(t, a.URL)
	p := b.get("/console/")
	ck := p.header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/console/"} {
		if !strings.Contains(ck, want) {
			t.Errorf("cookie %q lacks %s", ck, want)
		}
	}
	if strings.Contains(ck, "Secure") {
		t.Errorf("cookie on plain-HTTP loopback %q is Secure; the browser would never send it back", ck)
	}
	// Reached by another name, as behind a TLS proxy, the cookie is Secure.
	req, _ := http.NewRequest("GET", a.URL+"/console/", nil)
	req.Host = "console.shop.example"
	if ck := b.do(req).header.Get("Set-Cookie"); !strings.Contains(ck, "Secure") {
		t.Errorf("cookie for console.shop.example %q is not Secure", ck)
	}
}

func TestEscapesMerchantText(t *testing.T) {
	a := startServer(t, "")
	r := testReceipt()
	r.OrderLines[0].Name = `"><script>alert(1)</script>`
	r.BottomLine.ReceiptNumber = `<img src=x onerror=alert(2)>`
	if _, err := sdk(t, a.URL, msnA).AddReceipt(context.Background(), api.PaymentTypeECOM, "order-8", r); err != nil {
		t.Fatal(err)
	}
	p := newBrowser(t, a.URL).get(orderPath(msnA, "order-8"))
	if strings.Contains(p.body, "<script>alert") || strings.Contains(p.body, "<img src=x") {
		t.Error("merchant text is in the page unescaped")
	}
	mustContain(t, "order page", p.body, "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;")
}

func TestUncleanConsolePathIsNotRedirected(t *testing.T) {
	a := startServer(t, "")
	b := newBrowser(t, a.URL)
	for _, path := range []string{"/console/../order-management/v2/ECOM/receipts/b", "/console//m/123456"} {
		req, _ := http.NewRequest("POST", a.URL+"/x", strings.NewReader("{}"))
		req.URL.Opaque = path
		if p := b.do(req); p.status != 400 {
			t.Errorf("POST %s: status %d (Location %q), want 400", path, p.status, p.location)
		}
	}
	if p := b.get("/console"); p.status/100 != 3 || p.location != "/console/" {
		t.Errorf("GET /console: status %d to %q, want a redirect to /console/", p.status, p.location)
	}
}

var categoryIDAttr = regexp.MustCompile(`data-category-id="([^"]+)"`)

func TestCategoriesV3(t *testing.T) {
	a := startServer(t, "")
	b := newBrowser(t, a.URL)
	path := orderPath(msnA, "order-9")
	tok := b.csrf(path)
	for _, f := range []url.Values{
		{"type": {"TICKET"}, "url": {"https://shop.example/t/9"}},
		{"type": {"BOOKING"}, "url": {"https://shop.example/b/9"}},
	} {
		f.Set("csrf", tok)
		if p := b.post(path+"/categories", f); p.status != 303 {
			t.Fatalf("add category: status %d; %s", p.status, p.body)
		}
	}
	// A broken one: the message beside the link, the text kept.
	p := b.post(path+"/categories", url.Values{"csrf": {tok}, "type": {"TICKET"}, "url": {"ftp://shop.example/x"}})
	mustContain(t, "failed add", p.body, `value="ftp://shop.example/x"`, `<span id="v3-url-errors"><span class="field-error">`)

	p = b.get(path)
	ids := categoryIDAttr.FindAllStringSubmatch(p.body, -1)
	if len(ids) != 2 {
		t.Fatalf("order page lists %d categories, want 2", len(ids))
	}
	mustContain(t, "order page", p.body, "Categories", "Show ticket", api.CategoryBooking.Label())
	if i, j := strings.Index(p.body, "Shown in the app"), strings.Index(p.body, ids[1][1]); strings.Count(p.body, "Shown in the app") != 1 || j > i || strings.Index(p.body, ids[0][1]) > j {
		t.Error("the most recent category is not the one marked as shown in the app")
	}

	// Delete the booking: the ticket is what GET order shows again.
	if p := b.post(path+"/categories/"+ids[1][1]+"/delete", url.Values{"csrf": {tok}}); p.status != 303 {
		t.Fatalf("delete: status %d; %s", p.status, p.body)
	}
	o, err := sdk(t, a.URL, msnA).GetOrder(context.Background(), api.PaymentTypeECOM, "order-9")
	if err != nil || o.Category == nil || o.Category.Category != api.CategoryTicket {
		t.Errorf("GetOrder after the delete = %+v, %v; want the ticket", o, err)
	}
	// A category of another order cannot be deleted through this one.
	other, err := sdk(t, a.URL, msnA).AddCategory(context.Background(), api.AddCategoryRequest{
		OrderID: "order-10", PaymentType: api.PaymentTypeECOM, Type: api.CategoryGeneral, URL: "https://shop.example/10"})
	if err != nil {
		t.Fatal(err)
	}
	if p := b.post(path+"/categories/"+other.ID+"/delete", url.Values{"csrf": {tok}}); p.status != 404 {
		t.Errorf("delete of another order's category through this order: status %d, want 404", p.status)
	}
	p = b.get(path)
	rec := p.body[strings.Index(p.body, `id="h-record"`):]
	mustContain(t, "record", rec, "add category: TICKET https://shop.example/t/9", "delete category: BOOKING https://shop.example/b/9", "Not sent: url:")
}

func TestSandboxPage(t *testing.T) {
	a := startServer(t, "")
	b := newBrowser(t, a.URL)
	sb := "/console/m/" + msnA + "/sandbox"
	tok := b.csrf(sb)

	// A broken rule: the message beside the field, what was typed kept.
	p := b.post(sb+"/faults", url.Values{"csrf": {tok}, "operation": {"getOrder"}, "status": {"abc"}, "orderId": {"f-*"}})
	mustContain(t, "failed fault form", p.body, `value="abc"`, `value="f-*"`, `<span id="status-errors"><span class="field-error">`)

	// Three 502s for GET order, as many as the console tries: the order
	// page shows it in plain words with the trace id and the raw answer;
	// the next look works.
	p = b.post(sb+"/faults", url.Values{"csrf": {tok}, "operation": {"getOrder"}, "status": {"502"}, "orderId": {"f-*"}, "count": {"3"}, "when": {"before"}})
	if p.status != 303 {
		t.Fatalf("add fault: status %d; %s", p.status, p.body)
	}
	p = b.get(orderPath(msnA, "f-1"))
	mustContain(t, "faulted order page", p.body, "unavailable right now (HTTP 502)", "Trace id for escalation", "answer (HTTP 502)</summary>")
	p = b.get(orderPath(msnA, "f-1"))
	mustContain(t, "order page after the fault", p.body, "This order has no category and no receipt yet", "Request history (sandbox journal)", ">502<")

	p = b.get(sb)
	mustContain(t, "sandbox page", p.body, "Integration checklist", `class="fault"`, "3 of 3", "getOrder", "HTTP 502")
	id := regexp.MustCompile(`data-fault-id="([^"]+)"`).FindStringSubmatch(p.body)
	if id == nil {
		t.Fatal("no fault rule listed")
	}
	if p := b.post(sb+"/faults/"+id[1]+"/delete", url.Values{"csrf": {tok}}); p.status != 303 {
		t.Errorf("delete fault: status %d", p.status)
	}
	if p := b.get(sb); strings.Contains(p.body, `class="fault"`) {
		t.Error("the deleted fault rule is still listed")
	}
}

func TestNoSandboxPageInConfiguredMode(t *testing.T) {
	a := startServer(t, writeConfig(t))
	b := newBrowser(t, a.URL)
	b.signIn("kari", "kari-password")
	if p := b.get("/console/m/" + msnA + "/sandbox"); p.status != 404 {
		t.Errorf("sandbox page in configured mode: status %d, want 404", p.status)
	}
	if p := b.get(orderPath(msnA, "x-1")); strings.Contains(p.body, "Request history") {
		t.Error("the order page shows a sandbox journal in configured mode")
	}
}

func TestOpenConsoleSaysSoOffLoopback(t *testing.T) {
	a := startServer(t, "")
	b := newBrowser(t, a.URL)
	if p := b.get("/console/"); strings.Contains(p.body, "open-warning") {
		t.Error("an open console on loopback, reached on loopback, warns")
	}
	for _, path := range []string{"/console/", orderPath(msnA, "w-1"), orderPath(msnA, "w-1") + "/customer", "/console/m/" + msnA + "/sandbox", "/console/nothing"} {
		req, _ := http.NewRequest("GET", a.URL+path, nil)
		req.Host = "sandbox.shop.example"
		if p := b.do(req); !strings.Contains(p.body, `class="open-warning"`) {
			t.Errorf("GET %s by another name (status %d) does not say the console is open", path, p.status)
		}
	}
	// Signed-in consoles never show it.
	c := startServer(t, writeConfig(t))
	req, _ := http.NewRequest("GET", c.URL+"/console/", nil)
	req.Host = "console.shop.example"
	if p := newBrowser(t, c.URL).do(req); strings.Contains(p.body, "open-warning") {
		t.Error("a configured console warns that it is open")
	}
}

func TestReceiptLineByLine(t *testing.T) {
	a := startServer(t, "")
	b := newBrowser(t, a.URL)
	path := orderPath(msnA, "order-11")
	tok := b.csrf(path)
	bad := url.Values{"csrf": {tok}, "currency": {"SEK"},
		"l0-name": {"Lamp"}, "l0-id": {"L1"}, "l0-unitPrice": {"12.345"}, "l0-taxRate": {"25"},
		"l1-name": {"Cable"}, "l1-id": {"C1"}, "l1-unitPrice": {"99"}, "l1-taxRate": {"abc"}}
	p := b.post(path+"/receipt/lines", bad)
	if p.status != 400 {
		t.Errorf("broken lines: status %d, want 400", p.status)
	}
	mustContain(t, "failed line form", p.body, `value="12.345"`, `value="abc"`, `value="Cable"`,
		`<span id="l0-unitPrice-errors"><span class="field-error">`, `<span id="l1-taxRate-errors"><span class="field-error">`)
	// With the amounts right, the currency is the one problem, beside it.
	bad.Set("l0-unitPrice", "125.50")
	bad.Set("l1-taxRate", "25")
	p = b.post(path+"/receipt/lines", bad)
	mustContain(t, "currency", p.body, `<span id="currency-errors"><span class="field-error">`)

	good := url.Values{"csrf": {tok}, "currency": {"NOK"}, "receiptNumber": {"R-11"},
		"l0-name": {"Lamp"}, "l0-id": {"L1"}, "l0-quantity": {"2"}, "l0-unitPrice": {"125,50"}, "l0-taxRate": {"25"}, "l0-kind": {"item"},
		"l2-name": {"Shipping"}, "l2-id": {"S"}, "l2-unitPrice": {"49"}, "l2-taxRate": {"25"}, "l2-kind": {"shipping"}}
	if p := b.post(path+"/receipt/lines", good); p.status != 303 {
		t.Fatalf("good lines: status %d; %s", p.status, p.body)
	}
	o, err := sdk(t, a.URL, msnA).GetOrder(context.Background(), api.PaymentTypeECOM, "order-11")
	if err != nil || o.Receipt == nil {
		t.Fatalf("GetOrder = %+v, %v", o, err)
	}
	tot := o.Receipt.Totals()
	if tot.Total != 2*12550+4900 || tot.Shipping != 4900 || len(o.Receipt.OrderLines) != 2 || o.Receipt.BottomLine.ReceiptNumber != "R-11" {
		t.Errorf("stored receipt totals %+v, lines %d", tot, len(o.Receipt.OrderLines))
	}
}

// TestOnPostgres runs the console mounted in a server on PostgreSQL: its
// record of support actions and images come from that store.
func TestOnPostgres(t *testing.T) {
	schema := pgtest.New(t)
	cfg := config.Default()
	cfg.Addr = "127.0.0.1:0"
	cfg.DataDir = t.TempDir()
	cfg.DatabaseURL = schema.URL
	a, err := app.Start(context.Background(), cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Shutdown(context.Background()) })
	c := sdk(t, a.URL, msnA)
	addTestReceipt(t, c, "pg-1")
	img := testPNG(t, 180, 180)
	res, err := c.AddImage(context.Background(), "", img)
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, a.URL)
	path := orderPath(msnA, "pg-1")
	p := b.post(path+"/category", url.Values{"csrf": {b.csrf(path)}, "category": {"RECEIPT"}, "orderDetailsUrl": {"https://shop.example/pg"}, "imageId": {res.ID}})
	if p.status != 303 {
		t.Fatalf("set category: status %d", p.status)
	}
	p = b.get(path)
	mustContain(t, "order page on PostgreSQL", p.body, "Wool socks", "Show receipt", "set category: RECEIPT https://shop.example/pg")
	if ip := b.get("/console/m/" + msnA + "/images/" + res.ID); ip.status != 200 || ip.body != string(img) {
		t.Errorf("image from PostgreSQL: status %d, %d bytes", ip.status, len(ip.body))
	}
}
