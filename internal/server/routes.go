package server

import (
	"net/http"
	"net/http/pprof"
	"slices"
	"strings"

	"github.com/ordermgmt/ordermgmt/api"
)

const (
	tokenPath = "/accesstoken/get"
	// Body limits: an image of 2 MiB is about 2.7 MiB in base64.
	imageBodyLimit   = 3 << 20
	defaultBodyLimit = 1 << 20
)

// Operation names: stable identifiers of the API's operations that logs,
// metrics, sandbox fault rules and the journal key on.
const (
	OpToken          = "token"
	OpAddImage       = "addImage"
	OpPutCategory    = "putCategory"
	OpAddReceipt     = "addReceipt"
	OpGetOrder       = "getOrder"
	OpAddCategory    = "addCategory"
	OpGetCategories  = "getCategories"
	OpGetCategory    = "getCategory"
	OpDeleteCategory = "deleteCategory"
)

// route is one operation of the HTTP surface.
type route struct {
	// operation names the API operation ("getOrder", ...) for logs,
	// metrics and the sandbox; routes outside the API leave it empty.
	operation string
	method    string
	path      string
	handle    handlerFunc
	// auth requires the order-management headers: token, subscription key, MSN.
	auth bool
	// limit is the body size limit; 0 means the route reads no body.
	limit int64
	// anyType accepts any Content-Type (the token call must tolerate what
	// real clients send).
	anyType bool
	// sandbox marks the /_sandbox/ tools, registered in sandbox mode only.
	sandbox bool
}

// Route is an operation added through Options.Routes. It requires the
// order-management headers (token, subscription key, MSN) and reads no body.
type Route struct {
	Method, Path string
	// Handle answers for the authenticated merchant msn; an error is
	// answered as the API answers errors.
	Handle func(w http.ResponseWriter, r *http.Request, msn string) error
}

// routeTable lists the whole HTTP surface. The OpenAPI test checks it
// against the published document.
func (s *Server) routeTable() []route {
	rts := []route{
		{operation: OpToken, method: "POST", path: tokenPath, handle: s.token, limit: defaultBodyLimit, anyType: true},
		{operation: OpAddImage, method: "POST", path: "/order-management/v1/images", handle: s.addImage, auth: true, limit: imageBodyLimit},
		{operation: OpPutCategory, method: "PUT", path: "/order-management/v2/{paymentType}/categories/{orderId}", handle: s.putCategory, auth: true, limit: defaultBodyLimit},
		{operation: OpAddReceipt, method: "POST", path: "/order-management/v2/{paymentType}/receipts/{orderId}", handle: s.addReceipt, auth: true, limit: defaultBodyLimit},
		{operation: OpGetOrder, method: "GET", path: "/order-management/v2/{paymentType}/{orderId}", handle: s.getOrder, auth: true},
		{operation: OpAddCategory, method: "POST", path: v3CategoriesPath, handle: s.addCategory, auth: true, limit: defaultBodyLimit},
		{operation: OpGetCategories, method: "GET", path: v3CategoriesPath, handle: s.getCategories, auth: true},
		{operation: OpGetCategory, method: "GET", path: v3CategoriesPath + "/{categoryId}", handle: s.getCategory, auth: true},
		{operation: OpDeleteCategory, method: "DELETE", path: v3CategoriesPath + "/{categoryId}", handle: s.deleteCategory, auth: true},
		{method: "GET", path: "/.well-known/jwks.json", handle: s.jwksDoc},
		{method: "GET", path: "/openapi.yaml", handle: s.openAPI},
		{method: "GET", path: "/problems/{name}", handle: s.problemDoc},
		{method: "GET", path: "/healthz", handle: s.healthz},
		{method: "GET", path: "/metrics", handle: s.metricsDoc},
		{method: "GET", path: "/readyz", handle: s.readyz},
	}
	rts = append(rts, s.sandboxRoutes()...)
	for _, x := range s.extra {
		rts = append(rts, route{method: x.Method, path: x.Path, auth: true, handle: func(w http.ResponseWriter, r *http.Request, in *input) error {
			return x.Handle(w, r, in.msn)
		}})
	}
	return rts
}

// deprecatedPaths are the v1 paths the official document lists as "No
// longer available"; every method on them is 404 in the gateway's shape.
var deprecatedPaths = []string{
	"/order-management/v1/orders/{transactionId}",
	"/order-management/v1/receipts/{transactionId}",
}

// withSlash is the pattern of path with one trailing slash, which every
// operation accepts (the official WooCommerce plugin posts images to
// /order-management/v1/images/).
func withSlash(path string) string { return path + "/{$}" }

// routes registers every route, with and without one trailing slash, on
// mux, a 405 with Allow for the other methods of each path, 404 for the
// deprecated v1 paths, and a 404 problem for unknown paths.
func (s *Server) routes(mux *http.ServeMux, withPprof bool) {
	allowed := map[string][]string{}
	var paths []string
	for _, rt := range s.routeTable() {
		if rt.sandbox && s.sandbox == nil {
			// In configured mode /_sandbox/ paths are unknown: 404.
			continue
		}
		h := s.wrap(rt)
		mux.Handle(rt.method+" "+rt.path, h)
		mux.Handle(rt.method+" "+withSlash(rt.path), h)
		if _, ok := allowed[rt.path]; !ok {
			paths = append(paths, rt.path)
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	for _, p := range paths {
		methods := allowed[p]
		if slices.Contains(methods, "GET") {
			methods = append(methods, "HEAD")
		}
		allow := strings.Join(methods, ", ")
		h := s.wrap(route{handle: func(w http.ResponseWriter, r *http.Request, _ *input) error {
			w.Header().Set("Allow", allow)
			return api.NewProblem(api.ErrMethodNotAllowed, api.CodeMethod,
				r.Method+" is not allowed here; use "+allow+".")
		}})
		mux.Handle(p, h)
		mux.Handle(withSlash(p), h)
	}
	gone := s.wrap(route{handle: s.gone})
	for _, p := range deprecatedPaths {
		mux.Handle(p, gone)
		mux.Handle(withSlash(p), gone)
	}
	mux.Handle("/", s.wrap(route{handle: func(w http.ResponseWriter, r *http.Request, _ *input) error {
		return api.NewProblem(api.ErrNotFound, api.CodeRouteNotFound,
			"No operation at "+r.URL.Path+"; see /openapi.yaml for the API's paths.")
	}}))
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
}
