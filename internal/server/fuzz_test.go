package server_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/auth"
	"github.com/ordermgmt/ordermgmt/internal/server"
	"github.com/ordermgmt/ordermgmt/internal/store/sqlite"
)

// FuzzRequests sends arbitrary bodies and path segments to every write
// route: the answer is always a 2xx or a 4xx, never a 5xx or a panic.
func FuzzRequests(f *testing.F) {
	st, err := sqlite.Open(context.Background(), filepath.Join(f.TempDir(), "f.db"), sqlite.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	keys := auth.NewKeySet(key)
	issuer := auth.NewIssuer(auth.IssuerConfig{Keys: keys, Issuer: "ordermgmt"})
	srv := server.New(server.Options{Store: st, Issuer: issuer, Authenticator: auth.Sandbox(), Keys: keys})
	tok, _, err := issuer.Mint(auth.Grant{ClientID: "c", SubscriptionKey: "k"})
	if err != nil {
		f.Fatal(err)
	}

	f.Add(0, "ECOM", "o-1", []byte(mustJSON(sampleReceipt())))
	f.Add(1, "recurring", "o.2", []byte(`{"category":"TICKET","orderDetailsUrl":"https://x.example/","imageId":null}`))
	f.Add(2, "eCom", "x", []byte(`{"imageId":"a","src":"iVBORw0KGgo=","type":"base64"}`))
	f.Add(0, "ECOM", "o-3", []byte(`{"orderLines":[{"totalAmount":1e400}],"bottomLine":[]}`))
	f.Add(3, "ECOM", "%zz", []byte(``))
	f.Fuzz(func(t *testing.T, route int, paymentType, orderID string, body []byte) {
		paths := []struct{ method, path string }{
			{"POST", "/order-management/v2/" + paymentType + "/receipts/" + orderID},
			{"PUT", "/order-management/v2/" + paymentType + "/categories/" + orderID},
			{"POST", "/order-management/v1/images"},
			{"GET", "/order-management/v2/" + paymentType + "/" + orderID},
		}
		p := paths[(route%len(paths)+len(paths))%len(paths)]
		if strings.ContainsAny(p.path, " \r\n\t#?") || !strings.HasPrefix(p.path, "/") {
			return // not a request line a client can send
		}
		req, err := http.NewRequest(p.method, "http://x"+p.path, bytes.NewReader(body))
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set(api.HeaderSubscriptionKey, "k")
		req.Header.Set(api.HeaderMSN, "123456")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Errorf("%s %s with %q = %d %s", p.method, p.path, body, rec.Code, rec.Body)
		}
	})
}
