package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordermgmt/ordermgmt/internal/auth"
	"github.com/ordermgmt/ordermgmt/internal/buildinfo"
)

// lockedBuffer is written by the program and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServe boots the real program on port 0, uses it, and stops it as
// SIGINT would.
func TestServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout, stderr := &lockedBuffer{}, &lockedBuffer{}
	e := &env{stdin: strings.NewReader(""), stdout: stdout, stderr: stderr, getenv: func(string) string { return "" }}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--data", t.TempDir()}, e) }()

	urlRE := regexp.MustCompile(`listening on (http://\S+)`)
	var url string
	for deadline := time.Now().Add(10 * time.Second); url == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := urlRE.FindStringSubmatch(stdout.String()); m != nil {
			url = m[1]
		}
	}
	if url == "" {
		t.Fatalf("no URL in banner; stdout %q stderr %q", stdout.String(), stderr.String())
	}
	for _, want := range []string{"data:", "ordermgmt.db", "mode: sandbox", "curl -s -X POST " + url + "/accesstoken/get"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("banner lacks %q:\n%s", want, stdout.String())
		}
	}
	req, _ := http.NewRequest("POST", url+"/accessToken/get", nil)
	req.Header.Set("client_id", "a")
	req.Header.Set("client_secret", "b")
	req.Header.Set("Ocp-Apim-Subscription-Key", "c")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "access_token") {
		t.Errorf("token = %d %s", res.StatusCode, b)
	}
	if res, err := http.Get(url + "/readyz"); err != nil || res.StatusCode != 200 {
		t.Errorf("readyz = %v %v", res, err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after cancel = %v, want nil", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after cancel")
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("stderr lacks the shutdown line: %s", stderr.String())
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		code int
	}{
		{nil, 0},
		{[]string{"frobnicate"}, 2},
		{[]string{"serve", "--log-format", "xml"}, 2},
		{[]string{"help"}, 0},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		err := run(context.Background(), tt.args, &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
		if got := exitCode(err, &errb); got != tt.code {
			t.Errorf("run(%q) exit = %d, want %d (err %v)", tt.args, got, tt.code, err)
		}
	}
}

// TestServeBusyPort: serve binds its port before it creates anything, so
// a busy port fails with a hint and leaves no data folder behind.
func TestServeBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := filepath.Join(t.TempDir(), "data")
	got := runCLI(t, []string{"serve", "--addr", ln.Addr().String(), "--data", data}, "", nil)
	if got.code != 1 || !strings.Contains(got.stderr, "address already in use") || !strings.Contains(got.stderr, "--addr") {
		t.Errorf("serve on a busy port: exit %d, stderr %q; want exit 1, the cause and a hint", got.code, got.stderr)
	}
	if _, err := os.Stat(data); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("serve on a busy port left %s behind (stat: %v)", data, err)
	}
}

// TestServeBanner: the banner offers what works in each mode: in sandbox
// mode a curl with the README's credentials, in configured mode none.
func TestServeBanner(t *testing.T) {
	url, banner, _ := startServe(t)
	for _, want := range []string{"ordermgmt " + buildinfo.Version() + " listening on", "mode: sandbox", "-H 'client_id: demo'", "-H 'Ocp-Apim-Subscription-Key: demo-key'"} {
		if !strings.Contains(banner.String(), want) {
			t.Errorf("sandbox banner lacks %q:\n%s", want, banner.String())
		}
	}
	// The version of the banner, of `ordermgmt version` and of /healthz is one.
	res, err := http.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := `"version":"` + buildinfo.Version() + `"`; !strings.Contains(string(body), want) {
		t.Errorf("/healthz = %s, want %s", body, want)
	}
	if v := runCLI(t, []string{"version"}, "", nil); !strings.HasPrefix(v.stdout, "ordermgmt "+buildinfo.Version()+" ") {
		t.Errorf("version = %q, want the version %s", v.stdout, buildinfo.Version())
	}
	hash, err := auth.HashSecret("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	units := filepath.Join(t.TempDir(), "units.json")
	doc := `{"salesUnits": [{"name": "Shop", "clientId": "shop", "secretHash": "` + hash + `", "subscriptionKey": "k", "msns": ["123456"]}]}`
	if err := os.WriteFile(units, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	_, banner, _ = startServe(t, "--config", units)
	if b := banner.String(); !strings.Contains(b, "mode: configured") || strings.Contains(b, "curl") || strings.Contains(b, "demo") ||
		!strings.Contains(b, "ordermgmt token --base-url") {
		t.Errorf("configured banner offers the wrong way to a token:\n%s", b)
	}
}

// TestGCBallast: serve paces the collector with the ballast unless the
// user set GOGC or GOMEMLIMIT, which then act alone.
func TestGCBallast(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want int
	}{
		{nil, ballastSize},
		{map[string]string{"GOGC": "200"}, 0},
		{map[string]string{"GOMEMLIMIT": "1GiB"}, 0},
	} {
		if got := len(gcBallast(func(k string) string { return tc.env[k] })); got != tc.want {
			t.Errorf("gcBallast with %v = %d bytes, want %d", tc.env, got, tc.want)
		}
	}
}
