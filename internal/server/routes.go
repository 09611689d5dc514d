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

// The official operation names, as the route table uses them.
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
	// operation is the official operation name (operationId of the public
	// document, e.g. "getOrder"); logs, metrics and the sandbox key on it.
	// Routes outside the Order Management API leave it empty.
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
		{method: "GET", path: "/.well-known/jwks.json", handle: s.jwksDoc},
		{method: "GET", path: "/openapi.yaml", handle: s.openAPI},
		{method: "GET", path: "/problems/{name}", handle: s.problemDoc},
		{method: "GET", path: "/healthz", handle: s.healthz},
		{method: "GET", path: "/readyz", handle: s.readyz},
	}
	for _, x := range s.extra {
		rts = append(rts, route{method: x.Method, path: x.Path, auth: true, handle: func(w http.ResponseWriter, r *http.Request, in *input) error {
			return x.Handle(w, r, in.msn)
		}})
	}
	return rts
}

// routes registers every route on mux, a 405 with Allow for the other
// methods of each path, and a 404 problem for unknown paths.
func (s *Server) routes(mux *http.ServeMux, withPprof bool) {
	allowed := map[string][]string{}
	var paths []string
	for _, rt := range s.routeTable() {
		mux.Handle(rt.method+" "+rt.path, s.wrap(rt))
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
		mux.Handle(p, s.wrap(route{handle: func(w http.ResponseWriter, r *http.Request, _ *input) error {
			w.Header().Set("Allow", allow)
			return api.NewProblem(api.ErrMethodNotAllowed, api.CodeMethod,
				r.Method+" is not allowed here; use "+allow+".")
		}}))
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
