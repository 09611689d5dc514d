package auth

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// rfc8410Key is the example Ed25519 private key of RFC 8410 §10.3, in the
// form `openssl genpkey -algorithm ed25519` writes.
const rfc8410Key = `-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC
-----END PRIVATE KEY-----
`

// rfc8410Pub is the public key of rfc8410Key (RFC 8410 §10.1).
const rfc8410Pub = `-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=
-----END PUBLIC KEY-----
`

func TestKeyPEMRoundTrip(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	b, err := EncodeKeyPEM(k)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeKeyPEM(b)
	if err != nil {
		t.Fatalf("DecodeKeyPEM(EncodeKeyPEM(k)): %v", err)
	}
	if !k.Equal(got) {
		t.Errorf("DecodeKeyPEM(EncodeKeyPEM(k)) is another key")
	}
	if _, err := EncodeKeyPEM(ed25519.PrivateKey{1, 2, 3}); err == nil {
		t.Errorf("EncodeKeyPEM(3 bytes) succeeded, want error")
	}
}

func TestDecodeKeyPEMOpenSSL(t *testing.T) {
	k, err := DecodeKeyPEM([]byte(rfc8410Key))
	if err != nil {
		t.Fatalf("DecodeKeyPEM(RFC 8410 key): %v", err)
	}
	block, _ := pem.Decode([]byte(rfc8410Pub))
	want, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if !pub(k).Equal(want) {
		t.Errorf("DecodeKeyPEM(RFC 8410 key) public key = %x, want %x", pub(k), want)
	}
}

func TestDecodeKeyPEMErrors(t *testing.T) {
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ecDER, _ := x509.MarshalPKCS8PrivateKey(ec)
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "no PEM block"},
		{"not PEM", "hello", "no PEM block"},
		{"public key", rfc8410Pub, `PEM block is "PUBLIC KEY"`},
		{"garbage DER", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("junk")})), "parse PKCS #8"},
		{"EC key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})), "want an Ed25519 key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := DecodeKeyPEM([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("DecodeKeyPEM(%q) = %v, %v; want error containing %q", tt.in, k, err, tt.want)
			}
		})
	}
}

func TestReadKeyFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.pem")
	bad := filepath.Join(dir, "bad.pem")
	os.WriteFile(good, []byte(rfc8410Key), 0o600)
	os.WriteFile(bad, []byte("not a key"), 0o600)

	if _, err := ReadKeyFile(good); err != nil {
		t.Errorf("ReadKeyFile(good) error: %v", err)
	}
	if _, err := ReadKeyFile(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("ReadKeyFile(bad) error = %v, want one naming %s", err, bad)
	}
	if _, err := ReadKeyFile(filepath.Join(dir, "missing.pem")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadKeyFile(missing) error = %v, want fs.ErrNotExist", err)
	}
}

func TestLoadOrCreateKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "keys")
	path := filepath.Join(dir, "signing.pem")

	k1, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("LoadOrCreateKeyFile (create): %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("key file mode = %v, want 0600", mode)
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if mode := di.Mode().Perm(); mode&0o077 != 0 {
		t.Errorf("key directory mode = %v, want no group or other access", mode)
	}
	k2, err := LoadOrCreateKeyFile(path)
	if err != nil {
		t.Fatalf("LoadOrCreateKeyFile (reload): %v", err)
	}
	if !k1.Equal(k2) {
		t.Errorf("LoadOrCreateKeyFile reload gave another key")
	}
	k3, err := ReadKeyFile(path)
	if err != nil || !k1.Equal(k3) {
		t.Errorf("ReadKeyFile(created file) = another key or error %v", err)
	}
	assertOnlyFile(t, dir, "signing.pem")
}

func TestLoadOrCreateKeyFileKeepsBadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "signing.pem")
	content := []byte("operator's file, not a key")
	os.WriteFile(path, content, 0o600)
	if _, err := LoadOrCreateKeyFile(path); err == nil {
		t.Errorf("LoadOrCreateKeyFile(invalid file) succeeded, want error")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, content) {
		t.Errorf("LoadOrCreateKeyFile changed an invalid key file to %q", got)
	}
}

func TestLoadOrCreateKeyFileConcurrent(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	path := filepath.Join(dir, "signing.pem")
	const n = 16
	keys := make([]ed25519.PrivateKey, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			keys[i], errs[i] = LoadOrCreateKeyFile(path)
		})
	}
	close(start)
	wg.Wait()
	onDisk, err := ReadKeyFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if errs[i] != nil {
			t.Errorf("LoadOrCreateKeyFile #%d: %v", i, errs[i])
		} else if !keys[i].Equal(onDisk) {
			t.Errorf("LoadOrCreateKeyFile #%d returned a key that is not the one on disk", i)
		}
	}
	assertOnlyFile(t, dir, "signing.pem")
}

// assertOnlyFile checks that dir holds only name: no temporary files left.
func assertOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) != 1 || names[0] != name {
		t.Errorf("directory holds %q, want only %q", names, name)
	}
}
