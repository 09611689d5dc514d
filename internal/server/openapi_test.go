package server

import (
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestOpenAPIMatchesRoutes fails when a route is missing from the published
// document or the document names an operation the server lacks.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                    `yaml:"openapi"`
		Paths   map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.yaml does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Errorf("openapi = %q, want 3.1.x", doc.OpenAPI)
	}
	var inDoc, inServer []string
	for path, ops := range doc.Paths {
		for method := range ops {
			switch method {
			case "get", "put", "post", "delete", "patch", "head", "options":
				inDoc = append(inDoc, strings.ToUpper(method)+" "+path)
			}
		}
	}
	for _, rt := range (&Server{}).routeTable() {
		inServer = append(inServer, rt.method+" "+rt.path)
		// An API operation is documented under its operation name, the
		// one logs, metrics and the sandbox use.
		if op, ok := doc.Paths[rt.path][strings.ToLower(rt.method)].(map[string]any); ok && rt.operation != "" && op["operationId"] != rt.operation {
			t.Errorf("openapi.yaml: %s %s has operationId %v, want %q", rt.method, rt.path, op["operationId"], rt.operation)
		}
	}
	// The deprecated v1 paths are documented with the official methods;
	// the server answers every method on them.
	for _, p := range deprecatedPaths {
		for method := range doc.Paths[p] {
			inServer = append(inServer, strings.ToUpper(method)+" "+p)
		}
		if len(doc.Paths[p]) == 0 {
			t.Errorf("deprecated path %s is missing from openapi.yaml", p)
		}
	}
	slices.Sort(inDoc)
	slices.Sort(inServer)
	for _, op := range inServer {
		if !slices.Contains(inDoc, op) {
			t.Errorf("route %s is missing from openapi.yaml", op)
		}
	}
	for _, op := range inDoc {
		if !slices.Contains(inServer, op) {
			t.Errorf("openapi.yaml names %s, which the server lacks", op)
		}
	}
}
