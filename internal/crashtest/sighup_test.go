package crashtest

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/auth"
)

// TestSIGHUPReloadsSalesUnits runs the binary in configured mode: after
// the units file changes and the process gets SIGHUP, a removed unit's
// token stops working; a file that does not load leaves the running
// units in force.
func TestSIGHUPReloadsSalesUnits(t *testing.T) {
	dir := t.TempDir()
	hash, _ := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	unit := func(id, msn string) auth.SalesUnit {
		return auth.SalesUnit{Name: id, ClientID: id, SecretHash: string(hash), SubscriptionKey: id + "-key", MSNs: []string{msn}}
	}
	file := filepath.Join(dir, "units.json")
	writeFile := func(b []byte) {
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	units := func(us ...auth.SalesUnit) []byte {
		b, _ := json.Marshal(auth.FileConfig{SalesUnits: us})
		return b
	}
	writeFile(units(unit("stays", "123456"), unit("goes", "654321")))
	n := startNode(t, "--data", filepath.Join(dir, "data"), "--config", file)
	defer n.kill()

	token := func(id, msn string) string {
		req, _ := http.NewRequest("POST", n.url+"/accesstoken/get", nil)
		req.Header.Set("client_id", id)
		req.Header.Set("client_secret", "secret")
		req.Header.Set(api.HeaderSubscriptionKey, id+"-key")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var tr api.TokenResponse
		if json.NewDecoder(res.Body).Decode(&tr); res.StatusCode != 200 {
			t.Fatalf("token for %s: %d", id, res.StatusCode)
		}
		return tr.AccessToken
	}
	get := func(tok, id, msn string) int {
		req, _ := http.NewRequest("GET", n.url+"/order-management/v2/ECOM/o-1", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set(api.HeaderSubscriptionKey, id+"-key")
		req.Header.Set(api.HeaderMSN, msn)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	stays, goes := token("stays", "123456"), token("goes", "654321")
	if s := get(goes, "goes", "654321"); s != 404 {
		t.Fatalf("before the reload: status %d, want 404", s)
	}

	writeFile([]byte(`{"salesUnits": [`)) // does not load
	hup := func() {
		if err := n.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	hup()
	// Signals are handled in their own time: wait for the effect.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(n.log.String(), "configuration not reloaded") {
		if time.Now().After(deadline) {
			t.Fatalf("30 s after SIGHUP with a broken file the log says nothing; log:\n%s", n.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := get(goes, "goes", "654321"); s != 404 {
		t.Errorf("after a reload of a broken file: status %d, want 404 (the running units stay)", s)
	}
	writeFile(units(unit("stays", "123456")))
	hup()
	for get(goes, "goes", "654321") != 401 {
		if time.Now().After(deadline) {
			t.Fatalf("30 s after SIGHUP the removed unit's token still works; log:\n%s", n.log)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if s := get(stays, "stays", "123456"); s != 404 {
		t.Errorf("the remaining unit's token: status %d, want 404", s)
	}
}

// TestSIGHUPAtOnce: a SIGHUP sent as soon as the banner names the URL is
// caught, as every later one is; one not caught would end the process.
func TestSIGHUPAtOnce(t *testing.T) {
	for range 20 {
		n := startNode(t, "--data", t.TempDir())
		if err := n.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		res, err := http.Get(n.url + "/healthz")
		if err != nil {
			n.kill()
			t.Fatalf("the server is gone after a SIGHUP sent as it started: %v; log:\n%s", err, n.log)
		}
		res.Body.Close()
		n.kill()
	}
}
