package server

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestRouteOperations holds every Order Management route to one official
// operation name, used once, and leaves the server's own routes unnamed.
func TestRouteOperations(t *testing.T) {
	official := map[string]bool{
		OpToken: true, OpAddImage: true, OpPutCategory: true, OpAddReceipt: true, OpGetOrder: true,
		OpAddCategory: true, OpGetCategories: true, OpGetCategory: true, OpDeleteCategory: true,
	}
	seen := map[string]string{}
	for _, rt := range (&Server{}).routeTable() {
		api := (rt.auth && !rt.sandbox) || rt.path == tokenPath
		switch {
		case api && !official[rt.operation]:
			t.Errorf("route %s %s: operation = %q, want an official name", rt.method, rt.path, rt.operation)
		case !api && rt.operation != "":
			t.Errorf("route %s %s: operation = %q, want none", rt.method, rt.path, rt.operation)
		}
		if prev, ok := seen[rt.operation]; ok && rt.operation != "" {
			t.Errorf("operation %q names both %s and %s %s", rt.operation, prev, rt.method, rt.path)
		}
		seen[rt.operation] = rt.method + " " + rt.path
	}
}

// TestOperationOfWriter checks that a handler sees its route's operation.
func TestOperationOfWriter(t *testing.T) {
	if got := Operation(httptest.NewRecorder()); got != "" {
		t.Errorf("Operation(foreign writer) = %q, want \"\"", got)
	}
	var got string
	s := &Server{}
	h := s.wrap(route{operation: OpGetOrder, handle: func(w http.ResponseWriter, r *http.Request, in *input) error {
		got = Operation(w)
		if in.state.operation != OpGetOrder {
			t.Errorf("in.state.operation = %q, want %q", in.state.operation, OpGetOrder)
		}
		return nil
	}})
	sw := &statusWriter{ResponseWriter: httptest.NewRecorder()}
	h.ServeHTTP(sw, httptest.NewRequest("GET", "/", nil))
	if got != OpGetOrder {
		t.Errorf("Operation(w) = %q, want %q", got, OpGetOrder)
	}
}
