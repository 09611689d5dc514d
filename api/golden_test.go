package api_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
)

var update = flag.Bool("update", false, "rewrite the golden problem bodies and fuzz seeds under testdata")

// TestGoldenProblems decodes each testdata/golden/*.json body and compares
// the problem with the .problem.json file next to it: these are the bodies
// clients see, so their diffs are reviewed like code.
func TestGoldenProblems(t *testing.T) {
	decoders := map[string]func([]byte) error{
		"receipt":  func(b []byte) error { _, err := api.DecodeReceipt(b); return err },
		"category": func(b []byte) error { _, err := api.DecodeCategory(b); return err },
		"image":    func(b []byte) error { _, _, err := api.DecodeImage(b); return err },
	}
	inputs, err := filepath.Glob("testdata/golden/*.json")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, in := range inputs {
		if strings.HasSuffix(in, ".problem.json") {
			continue
		}
		n++
		name := strings.TrimSuffix(filepath.Base(in), ".json")
		t.Run(name, func(t *testing.T) {
			decode := decoders[strings.Split(name, "_")[0]]
			if decode == nil {
				t.Fatalf("no decoder for %s: name files receipt_*, category_* or image_*", in)
			}
			body, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			derr := decode(body)
			if derr == nil {
				t.Fatalf("decoding %s succeeded, want a problem", in)
			}
			got, err := json.MarshalIndent(api.AsProblem(derr), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := strings.TrimSuffix(in, ".json") + ".problem.json"
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("problem for %s differs from %s (go test -update rewrites it):\ngot:\n%s", in, golden, got)
			}
		})
	}
	if n < 4 {
		t.Errorf("found %d golden inputs, want at least 4", n)
	}
}

// TestFuzzSeeds keeps the seed corpus in testdata/fuzz in step with the
// bodies it is made from; -update rewrites it.
func TestFuzzSeeds(t *testing.T) {
	golden := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata/golden", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	bytesSeed := func(b []byte) string { return fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", b) }
	seeds := map[string]string{
		"FuzzDecodeReceipt/base":          bytesSeed([]byte(baseReceipt)),
		"FuzzDecodeReceipt/realistic":     bytesSeed(benchReceipt(t)),
		"FuzzDecodeReceipt/many_problems": bytesSeed(golden("receipt_many_problems.json")),
		"FuzzDecodeReceipt/syntax_error":  bytesSeed(golden("receipt_syntax_error.json")),
		"FuzzDecodeReceipt/empty":         bytesSeed(nil),
		"FuzzDecodeReceipt/deprecated":    bytesSeed(edit(t, baseReceipt, raw("bottomLine.shippingInfo", `{"amount": 4900, "method": "<home> & \u2028"}`), raw("bottomLine.totalAmount", "15950"), raw("bottomLine.terminalId", `"t-1"`))),
		"FuzzDecodeReceipt/return":        bytesSeed(edit(t, baseReceipt, set("orderLines[0].isReturn", true), set("orderLines[1].isShipping", true), set("orderLines[0].unitInfo.quantity", "1.5"))),
		"FuzzDecodeReceipt/escapes":       bytesSeed(edit(t, baseReceipt, set("orderLines[0].name", "Kaffe \"ø\" \u00e9\t😀"), set("bottomLine.barcode", map[string]string{"format": "CODE 39", "data": "AB-12 $/+%."}))),
		"FuzzDecodeCategory/base":         bytesSeed([]byte(baseCategory)),
		"FuzzDecodeCategory/no_image":     bytesSeed(edit(t, baseCategory, raw("imageId", "null"))),
		"FuzzDecodeCategory/problems":     bytesSeed(golden("category_problems.json")),
		"FuzzDecodeImage/png":             bytesSeed(imageBody(t, "logo-1", pngOf(t, 2, 167))),
		"FuzzDecodeImage/jpeg":            bytesSeed(imageBody(t, "logo-2", jpegOf(t, 8, 170))),
		"FuzzDecodeImage/short":           bytesSeed(imageBody(t, "short", pngOf(t, 2, 3))),
		"FuzzDecodeImage/problems":        bytesSeed(golden("image_problems.json")),
		"FuzzCheckImageData/png":          bytesSeed(pngOf(t, 3, 170)),
		"FuzzCheckImageData/jpeg":         bytesSeed(jpegOf(t, 4, 168)),
		"FuzzWarningsHeader/tax":          fmt.Sprintf("go test fuzz v1\nstring(%q)\nstring(%q)\nstring(%q)\n", "orderLines[0].totalTaxAmount", "tax_mismatch", "is 2502, but 25 % of totalAmountExcludingTax 10000 is 2500."),
		"FuzzWarningsHeader/display":      fmt.Sprintf("go test fuzz v1\nstring(%q)\nstring(%q)\nstring(%q)\n", `"a";code=c, b`, "9 x", "1 × 2 = 50 %\x00\xff"),
	}
	for name, want := range seeds {
		path := filepath.Join("testdata/fuzz", filepath.FromSlash(name))
		if *update {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("%v (run go test -update to create it)", err)
			continue
		}
		// Encoded images depend on the Go release's encoders: check only
		// that they exist.
		encoded := strings.HasPrefix(name, "FuzzCheckImageData/") || strings.HasPrefix(name, "FuzzDecodeImage/") && !strings.HasSuffix(name, "/problems")
		if !encoded && string(got) != want {
			t.Errorf("seed %s is stale (go test -update rewrites it)", path)
		}
	}
}
