package bench

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
)

// Scenario names, in the order a run measures them. The mix runs before
// the images, so that its peak memory is not what 2 MiB uploads left behind.
const (
	ScenarioRefGet     = "ref-get"     // reference: GET a fixed 1 KB body
	ScenarioRefPost    = "ref-post"    // reference: POST 2 KB, 201
	ScenarioGet        = "get"         // GET an order with category and receipt
	ScenarioReceipt    = "receipt"     // POST a receipt for a new order
	ScenarioCategory   = "category"    // PUT the category of an existing order
	ScenarioImage200K  = "image-200k"  // POST a 200 KB PNG
	ScenarioImage2M    = "image-2m"    // POST a 2 MiB PNG (the largest allowed)
	ScenarioMix        = "mix"         // 80 % get, 15 % receipt, 5 % category
	ScenarioReceiptCPR = "receipt-cpr" // receipt on a server with --commit-per-request
	ScenarioSeededGet  = "get-seeded"  // get on a store seeded with --seed orders
	// ScenarioRelayReceipt is receipt at a relay whose upstream answers
	// each receipt after 200 ms (a sandbox fault rule with delayMs).
	ScenarioRelayReceipt = "relay-receipt"
	defaultScenarioList  = "ref-get,ref-post,get,receipt,category,mix,image-200k,image-2m,receipt-cpr,get-seeded,relay-receipt"
)

// Which server a scenario runs against.
const (
	serverReference = "reference"
	serverMain      = "main"
	serverPerReq    = "commit-per-request"
	serverSeeded    = "seeded"
	serverRelay     = "relay"
)

// scenarioDef describes one scenario.
type scenarioDef struct {
	name   string
	server string
	// ratioTo names the reference scenario the requests/s are divided by.
	ratioTo string
	// bodyRate reports request-body throughput (images).
	bodyRate bool
	what     string
}

var scenarioDefs = []scenarioDef{
	{ScenarioRefGet, serverReference, ScenarioRefGet, false, "bare net/http: GET, fixed 1 KB JSON"},
	{ScenarioRefPost, serverReference, ScenarioRefPost, false, "bare net/http: POST 2 KB body, 201"},
	{ScenarioGet, serverMain, ScenarioRefGet, false, "GET order (category + 2 KB receipt)"},
	{ScenarioReceipt, serverMain, ScenarioRefPost, false, "POST receipt, new order, durable"},
	{ScenarioCategory, serverMain, ScenarioRefPost, false, "PUT category (with imageId), durable"},
	{ScenarioMix, serverMain, ScenarioRefGet, false, "80% GET, 15% receipt, 5% category"},
	{ScenarioImage200K, serverMain, ScenarioRefPost, true, "POST image, 200 KB PNG, new id"},
	{ScenarioImage2M, serverMain, ScenarioRefPost, true, "POST image, 2 MiB PNG, new id"},
	{ScenarioReceiptCPR, serverPerReq, ScenarioRefPost, false, "POST receipt, --commit-per-request"},
	{ScenarioSeededGet, serverSeeded, ScenarioRefGet, false, "GET order, store seeded with --seed orders"},
	{ScenarioRelayReceipt, serverRelay, ScenarioRefPost, false, "POST receipt at the relay, upstream 200 ms slow"},
}

func scenarioByName(name string) (scenarioDef, bool) {
	for _, d := range scenarioDefs {
		if d.name == name {
			return d, true
		}
	}
	return scenarioDef{}, false
}

// Image sizes of the image scenarios, in decoded bytes.
const (
	image200K = 200 << 10
	image2M   = 2 << 20 // api.MaxImageBytes: the largest image the API takes
	// logoSize is the image categories name: the smallest round size
	// whose noise PNG is the 167 px high the API asks for.
	logoSize = 100_000
)

// benchMSN and friends are the credentials the bench asks a token with;
// sandbox mode accepts any.
const (
	paymentType = "ECOM"
	imageID     = "bench-logo"
)

// receiptBody returns a valid receipt of about 2 KB (seven lines, sums and
// tax right, so no warnings): about what the reference reads per POST.
func receiptBody() []byte {
	var b strings.Builder
	b.WriteString(`{"orderLines":[`)
	for i := range 7 {
		if i > 0 {
			b.WriteByte(',')
		}
		unit := 2500 * (i + 1)
		total := unit * 2
		net := total * 4 / 5
		fmt.Fprintf(&b, `{"name":"Wool socks, grey, size %d","id":"SKU-10%02d","totalAmount":%d,`+
			`"totalAmountExcludingTax":%d,"totalTaxAmount":%d,"taxRate":2500,`+
			`"unitInfo":{"unitPrice":%d,"quantity":"2","quantityUnit":"PCS"},`+
			`"productUrl":"https://shop.example/products/SKU-10%02d"}`,
			36+i, i, total, net, total-net, unit, i)
	}
	b.WriteString(`],"bottomLine":{"currency":"NOK","receiptNumber":"R-000123456","posId":"web-1",` +
		`"paymentSources":{"card":140000}}}`)
	return []byte(b.String())
}

// categoryBody is the PUT category body; it names the image uploaded at setup.
func categoryBody(orderID string) []byte {
	return []byte(`{"category":"DELIVERY","orderDetailsUrl":"https://shop.example/orders/` + orderID +
		`","imageId":"` + imageID + `"}`)
}

// fixture holds what a server run needs to build requests: the shared
// headers, the preloaded orders and the request bodies.
type fixture struct {
	header    []byte    // auth and content-type header lines
	getPaths  [][]byte  // GET paths of orders that exist
	catPaths  [][]byte  // PUT category paths of orders that exist
	receipt   []byte    // receipt body
	category  []byte    // category body
	imageSrc  [2][]byte // base64 of the 200 KB and 2 MiB images
	prefix    string    // makes new order and image ids unique to this run
	ptype     string    // payment type in paths
	refHeader []byte    // headers for the reference server
	refBody   []byte    // the reference POST body
}

// worker is one connection's request builder: it reuses its buffers, so
// building a request does not allocate.
type worker struct {
	id   int
	tag  string // the scenario's number, so ids differ between scenarios
	n    int
	rnd  *rand.Rand
	fx   *fixture
	req  request
	path []byte
	pre  []byte
}

// newWorker returns the request builder of connection id in the
// scenario numbered seed, which also seeds its random choices.
func newWorker(id int, fx *fixture, seed uint64) *worker {
	return &worker{id: id, fx: fx, tag: strconv.FormatUint(seed, 36), rnd: rand.New(rand.NewPCG(seed, uint64(id)))}
}

// newID returns an id unique to this run, worker and request.
func (w *worker) newID(b []byte, kind string) []byte {
	w.n++
	b = append(b, w.fx.prefix...)
	b = append(b, kind...)
	b = append(b, w.tag...)
	b = append(b, '.')
	b = strconv.AppendInt(b, int64(w.id), 36)
	b = append(b, '-')
	return strconv.AppendInt(b, int64(w.n), 36)
}

// next builds the next request of scenario name.
func (w *worker) next(name string) *request {
	r := &w.req
	r.body = [3][]byte{}
	switch name {
	case ScenarioRefGet:
		*r = request{method: "GET", path: "/ref", header: w.fx.refHeader, want: http.StatusOK}
	case ScenarioRefPost:
		*r = request{method: "POST", path: "/ref", header: w.fx.refHeader, want: http.StatusCreated}
		r.body[0] = w.fx.refBody
	case ScenarioGet, ScenarioSeededGet:
		w.get()
	case ScenarioReceipt, ScenarioReceiptCPR, ScenarioRelayReceipt:
		w.receipt()
	case ScenarioCategory:
		w.category()
	case ScenarioImage200K:
		w.image(0)
	case ScenarioImage2M:
		w.image(1)
	case ScenarioMix:
		switch p := w.rnd.IntN(100); {
		case p < 80:
			w.get()
		case p < 95:
			w.receipt()
		default:
			w.category()
		}
	}
	return r
}

func (w *worker) get() {
	p := w.fx.getPaths[w.rnd.IntN(len(w.fx.getPaths))]
	w.req = request{method: "GET", path: string(p), header: w.fx.header, want: http.StatusOK}
}

func (w *worker) receipt() {
	w.path = append(w.path[:0], "/order-management/v2/"...)
	w.path = append(w.path, w.fx.ptype...)
	w.path = append(w.path, "/receipts/"...)
	w.path = w.newID(w.path, "r")
	w.req = request{method: "POST", path: string(w.path), header: w.fx.header, want: http.StatusCreated}
	w.req.body[0] = w.fx.receipt
}

func (w *worker) category() {
	p := w.fx.catPaths[w.rnd.IntN(len(w.fx.catPaths))]
	w.req = request{method: "PUT", path: string(p), header: w.fx.header, want: http.StatusOK}
	w.req.body[0] = w.fx.category
}

func (w *worker) image(size int) {
	w.pre = append(w.pre[:0], `{"type":"base64","imageId":"`...)
	w.pre = w.newID(w.pre, "i")
	w.pre = append(w.pre, `","src":"`...)
	w.req = request{method: "POST", path: "/order-management/v1/images", header: w.fx.header, want: http.StatusOK}
	w.req.body = [3][]byte{w.pre, w.fx.imageSrc[size], []byte(`"}`)}
}

// imageSource returns the base64 of a PNG of exactly size bytes.
func imageSource(size int) ([]byte, error) {
	png, err := pngOfSize(size, uint64(size))
	if err != nil {
		return nil, err
	}
	out := make([]byte, base64.StdEncoding.EncodedLen(len(png)))
	base64.StdEncoding.Encode(out, png)
	return out, nil
}
