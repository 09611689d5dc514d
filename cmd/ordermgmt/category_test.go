package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/client/clienttest"
)

// TestCLICategoryV3 runs the v3 category subcommands against a real
// server, in an order that builds up one order's categories, and compares
// what they print with testdata/<name>.golden (-update rewrites them).
func TestCLICategoryV3(t *testing.T) {
	srv := clienttest.NewServer(t)
	environ := map[string]string{
		envBaseURL:         srv.URL,
		envClientID:        "cli-test",
		envClientSecret:    testSecret,
		envSubscriptionKey: testSubKey,
		envMSN:             "123456",
	}
	step := func(name string, code int, args ...string) string {
		t.Helper()
		got := runCLI(t, args, "", environ)
		if got.code != code {
			t.Errorf("ordermgmt %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), got.code, code, got.stdout, got.stderr)
		}
		checkGolden(t, filepath.Join("testdata", name+".golden"),
			normalize("$ ordermgmt "+strings.Join(args, " ")+"\n-- stdout --\n"+got.stdout+"-- stderr --\n"+got.stderr))
		return got.stdout
	}
	if out := runCLI(t, []string{"image", "add", "../../examples/logo.png", "--id", "logo-1"}, "", environ); out.code != 0 {
		t.Fatalf("image add: %s", out.stderr)
	}

	step("category-list-empty", 0, "category", "list", "7001")
	step("category-add", 0, "category", "add", "7001", "--type", "ticket", "--url", "https://shop.example/tickets/7001", "--image", "logo-1")
	out := step("category-add-json", 0, "category", "add", "7001", "--payment-type", "recurring", "--type", "BOOKING", "--url", "https://shop.example/bookings/7001", "--json")
	var added struct {
		CategoryID string `json:"categoryId"`
	}
	if err := json.Unmarshal([]byte(out), &added); err != nil || added.CategoryID == "" {
		t.Fatalf("category add --json printed %q: %v", out, err)
	}
	step("category-list", 0, "category", "list", "7001")
	step("category-list-json", 0, "category", "list", "7001", "--json")
	step("category-get", 0, "category", "get", added.CategoryID)
	step("category-get-json", 0, "category", "get", added.CategoryID, "--json")
	step("category-delete", 0, "category", "delete", added.CategoryID)
	step("category-get-deleted", 1, "category", "get", added.CategoryID)
	step("category-delete-deleted", 1, "category", "delete", added.CategoryID)
	step("category-get-bad-id", 2, "category", "get", "not-a-uuid")
	step("category-add-bad-flags", 2, "category", "add", "7002", "--type", "PARCEL", "--url", "http://shop.example/7002", "--payment-type", "recurring")
	step("category-add-missing-flags", 2, "category", "add", "7002")
	step("category-add-unknown-image", 1, "category", "add", "7002", "--type", "RECEIPT", "--url", "https://shop.example/r/7002", "--image", "no-such-image")
	// v2 set replaces what v3 added, of its payment type.
	step("category-set-replaces", 0, "category", "set", "7001", "--type", "RECEIPT", "--url", "https://shop.example/receipts/7001")
	step("category-list-after-set", 0, "category", "list", "7001")
}
