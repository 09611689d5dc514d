package auth

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	jose "github.com/go-jose/go-jose/v4"
)

// pemType is the PEM block type of a PKCS #8 private key (RFC 7468).
const pemType = "PRIVATE KEY"

// KeySet holds the key that signs new tokens and every public key whose
// tokens are accepted. Keys are named by their RFC 7638 thumbprint (the
// JWT "kid"), so a key has the same id on every node without coordination.
// A KeySet is immutable and safe for concurrent use.
type KeySet struct {
	signing ed25519.PrivateKey // nil for a verify-only set
	kid     string             // kid of signing
	signer  jose.Signer
	keys    map[string]ed25519.PublicKey
	jwks    []byte
}

// GenerateKey returns a new random Ed25519 signing key.
func GenerateKey() (ed25519.PrivateKey, error) {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	return k, nil
}

// NewKeySet returns a key set that signs with signing and verifies tokens of
// signing and of every key in verifyOnly. Duplicate keys count once. A nil
// signing key gives a set that only verifies; minting with it fails.
func NewKeySet(signing ed25519.PrivateKey, verifyOnly ...ed25519.PublicKey) *KeySet {
	ks := &KeySet{keys: make(map[string]ed25519.PublicKey)}
	var set jose.JSONWebKeySet
	add := func(pub ed25519.PublicKey) string {
		kid := KeyID(pub)
		if _, dup := ks.keys[kid]; !dup {
			ks.keys[kid] = pub
			set.Keys = append(set.Keys, jose.JSONWebKey{
				Key: pub, KeyID: kid, Algorithm: string(jose.EdDSA), Use: "sig",
			})
		}
		return kid
	}
	if len(signing) == ed25519.PrivateKeySize {
		ks.signing = signing
		ks.kid = add(signing.Public().(ed25519.PublicKey))
		// The signer only fails for unsupported key types; an Ed25519 key
		// of the right size is always supported.
		s, err := jose.NewSigner(jose.SigningKey{
			Algorithm: jose.EdDSA,
			Key:       jose.JSONWebKey{Key: signing, KeyID: ks.kid},
		}, (&jose.SignerOptions{}).WithType("JWT"))
		if err != nil {
			panic(fmt.Sprintf("auth: Ed25519 signer: %v", err))
		}
		ks.signer = s
	}
	for _, pub := range verifyOnly {
		if len(pub) == ed25519.PublicKeySize {
			add(pub)
		}
	}
	if set.Keys == nil {
		set.Keys = []jose.JSONWebKey{} // "keys": [] rather than null
	}
	b, err := json.Marshal(set)
	if err != nil {
		panic(fmt.Sprintf("auth: marshal JWKS: %v", err))
	}
	ks.jwks = b
	return ks
}

// KeyID returns the RFC 7638 SHA-256 thumbprint of a public key, base64url
// without padding: the "kid" of its tokens.
func KeyID(pub ed25519.PublicKey) string {
	tp, err := (&jose.JSONWebKey{Key: pub}).Thumbprint(crypto.SHA256)
	if err != nil {
		// Thumbprint fails only for key types go-jose does not know.
		panic(fmt.Sprintf("auth: thumbprint: %v", err))
	}
	return b64(tp)
}

// SigningKeyID returns the kid of the signing key, or "" for a verify-only set.
func (ks *KeySet) SigningKeyID() string { return ks.kid }

// JWKS returns the JSON Web Key Set of every public key of the set, for
// /.well-known/jwks.json. The caller may keep and modify the slice.
func (ks *KeySet) JWKS() []byte { return append([]byte(nil), ks.jwks...) }

// key returns the public key with id kid.
func (ks *KeySet) key(kid string) (ed25519.PublicKey, bool) {
	k, ok := ks.keys[kid]
	return k, ok
}

// EncodeKeyPEM encodes a signing key as a PKCS #8 "PRIVATE KEY" PEM block.
func EncodeKeyPEM(k ed25519.PrivateKey) ([]byte, error) {
	if len(k) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("encode signing key: an Ed25519 private key has %d bytes, not %d", ed25519.PrivateKeySize, len(k))
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, fmt.Errorf("encode signing key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemType, Bytes: der}), nil
}

// DecodeKeyPEM decodes the first PEM block of b, which must be a PKCS #8
// Ed25519 private key as written by EncodeKeyPEM or
// `openssl genpkey -algorithm ed25519`.
func DecodeKeyPEM(b []byte) (ed25519.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block found; want a \"PRIVATE KEY\" block (make one with `openssl genpkey -algorithm ed25519`)")
	}
	if block.Type != pemType {
		return nil, fmt.Errorf("PEM block is %q; want %q (PKCS #8, as `openssl genpkey -algorithm ed25519` writes)", block.Type, pemType)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse PKCS #8 key: %w", err)
	}
	ek, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("key is %T; want an Ed25519 key", k)
	}
	return ek, nil
}

// ReadKeyFile reads a PEM signing key file named by the operator.
func ReadKeyFile(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read signing key: %w", err)
	}
	k, err := DecodeKeyPEM(b)
	if err != nil {
		return nil, fmt.Errorf("signing key %s: %w", path, err)
	}
	return k, nil
}

// LoadOrCreateKeyFile reads the signing key at path, or creates it (mode
// 0600, parent directories 0700) when the file does not exist. The file
// appears complete or not at all: the key is written to a temporary file
// and hard-linked into place, and linking fails if another process got
// there first, in which case that process's key is read and returned. So
// processes starting at the same time all end with the one key on disk.
// An existing file that is not a valid key is an error, never overwritten.
func LoadOrCreateKeyFile(path string) (ed25519.PrivateKey, error) {
	k, err := ReadKeyFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		return k, err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create signing key directory: %w", err)
	}
	k, err = GenerateKey()
	if err != nil {
		return nil, err
	}
	pemBytes, err := EncodeKeyPEM(k)
	if err != nil {
		return nil, err
	}
	tmp, err := writeTemp(dir, filepath.Base(path), pemBytes)
	if err != nil {
		return nil, fmt.Errorf("create signing key: %w", err)
	}
	defer os.Remove(tmp)

	// Link, unlike rename, never replaces an existing file: exactly one
	// creator wins and every other reads the winner's key.
	err = os.Link(tmp, path)
	switch {
	case err == nil:
		syncDir(dir)
		return k, nil
	case errors.Is(err, fs.ErrExist):
		return ReadKeyFile(path)
	}
	// Some file systems have no hard links. Rename is atomic too but last
	// writer wins, so return what is on disk rather than our own key.
	if err := os.Rename(tmp, path); err != nil {
		return nil, fmt.Errorf("create signing key: %w", err)
	}
	syncDir(dir)
	return ReadKeyFile(path)
}

// writeTemp writes b to a new file of mode 0600 in dir, synced to disk, and
// returns its name.
func writeTemp(dir, base string, b []byte) (string, error) {
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return "", err
	}
	name := f.Name()
	// CreateTemp already uses 0600; Chmod keeps it so under any umask.
	err = f.Chmod(0o600)
	if err == nil {
		_, err = f.Write(b)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(name)
		return "", err
	}
	return name, nil
}

// syncDir makes a new directory entry durable. Failure is ignored: the key
// is already in use and some platforms cannot sync directories.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
