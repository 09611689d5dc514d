package server

import (
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
)

// TestHeaderKeys: every key the server's code passes to headerValue is in
// canonical form, which headerValue needs to find the header.
func TestHeaderKeys(t *testing.T) {
	keys := map[string]string{
		"api.HeaderAuthorization": api.HeaderAuthorization, "api.HeaderSubscriptionKey": api.HeaderSubscriptionKey,
		"api.HeaderMSN": api.HeaderMSN, "api.HeaderSystemName": api.HeaderSystemName,
		"api.HeaderSystemVersion": api.HeaderSystemVersion, "api.HeaderSystemPluginName": api.HeaderSystemPluginName,
		"api.HeaderSystemPluginVersion": api.HeaderSystemPluginVersion, "clientIDKey": clientIDKey,
		"clientSecretKey": clientSecretKey, "api.HeaderIdempotencyKey": api.HeaderIdempotencyKey,
		"traceparentKey": traceparentKey, "api.HeaderClientID": api.HeaderClientID,
		// checkSystemHeaders passes the names of systemHeaders.
		"name": api.HeaderSystemName,
	}
	for _, name := range systemHeaders {
		if http.CanonicalHeaderKey(name) != name {
			t.Errorf("systemHeaders has %q, not in canonical form %q", name, http.CanonicalHeaderKey(name))
		}
	}
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	calls := 0
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) != 2 {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != "headerValue" {
				return true
			}
			calls++
			var arg string
			switch a := call.Args[1].(type) {
			case *ast.SelectorExpr:
				if x, ok := a.X.(*ast.Ident); ok {
					arg = x.Name + "." + a.Sel.Name
				}
			case *ast.Ident:
				arg = a.Name
			}
			key, known := keys[arg]
			switch {
			case !known:
				t.Errorf("%s: headerValue(…, %s): add the key to this test, in canonical form", fset.Position(call.Pos()), arg)
			case http.CanonicalHeaderKey(key) != key:
				t.Errorf("%s: headerValue(…, %s): %q is not in canonical form %q", fset.Position(call.Pos()), arg, key, http.CanonicalHeaderKey(key))
			}
			return true
		})
	}
	if calls < 10 {
		t.Errorf("found %d calls of headerValue, want the server's (more than 10)", calls)
	}
}
