package server_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres/pgtest"
)

// envDiskFull makes the storage-full tests mandatory: CI sets it, so they
// fail rather than skip where a small file system cannot be mounted.
const envDiskFull = "ORDERMGMT_TEST_DISK_FULL"

// smallFS mounts a tmpfs of size bytes for t, readable by every user (the
// PostgreSQL server runs as its own). It skips t where mounting is not
// permitted, unless envDiskFull is set.
func smallFS(t *testing.T, size int) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ordermgmt-full-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+strconv.Itoa(size)+",mode=0755", "tmpfs", dir).CombinedOutput()
	if err != nil {
		if os.Getenv(envDiskFull) != "" {
			t.Fatalf("%s is set, but a tmpfs cannot be mounted: %v: %s", envDiskFull, err, out)
		}
		t.Skipf("a tmpfs cannot be mounted here (%v: %s); set %s to make this test mandatory", err, strings.TrimSpace(string(out)), envDiskFull)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// noisePNG is a PNG of random pixels, which does not compress: about
// w*h*4 bytes.
func noisePNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(rand.Uint32())
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestStorageFull fills a real file system under the store: writes get
// 503 storage_full with a message saying so, reads still work, /readyz
// answers 503 naming the cause, and once space is freed writes pass and
// readiness returns. A full disk looked like "store not reachable"
// (unavailable) while /readyz said 200.
func TestStorageFull(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		dir := smallFS(t, 10<<20)
		cfg := limitsConfig(t)
		cfg.DataDir = filepath.Join(dir, "data")
		checkStorageFull(t, func() *harness { return startWith(t, cfg) }, filepath.Join(dir, "filler"))
	})
	t.Run("postgres", func(t *testing.T) {
		schema := pgtest.New(t) // first: it waits out another test's restart of the server
		base := pgtest.BaseURL(t)
		dir := smallFS(t, 16<<20)
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Skipf("no postgres user on this machine, so the database cannot be given a tablespace here: %v", err)
		}
		ts := filepath.Join(dir, "ts")
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Mkdir(ts, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(ts, uid, gid); err != nil {
			t.Fatal(err)
		}
		name := "ordermgmt_full_" + strconv.FormatUint(rand.Uint64()%1e12, 10)
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "CREATE TABLESPACE "+name+" LOCATION '"+ts+"'"); err != nil {
			t.Skipf("cannot create a tablespace on the small file system (the database must run on this machine as a superuser's): %v", err)
		}
		t.Cleanup(func() {
			c, err := pgx.Connect(context.Background(), base)
			if err != nil {
				t.Error(err)
				return
			}
			defer c.Close(context.Background())
			// Tables leave the tablespace before it goes; the schema's own
			// cleanup drops them afterwards.
			for _, q := range []string{"ALTER TABLE ALL IN TABLESPACE " + name + " SET TABLESPACE pg_default",
				"ALTER INDEX ALL IN TABLESPACE " + name + " SET TABLESPACE pg_default"} {
				if _, err := c.Exec(context.Background(), q); err != nil {
					t.Errorf("%s: %v", q, err)
				}
			}
			if _, err := c.Exec(context.Background(), "DROP TABLESPACE "+name); err != nil {
				t.Errorf("drop tablespace: %v", err)
			}
		})
		u, _ := url.Parse(schema.URL)
		q := u.Query()
		q.Set("default_tablespace", name)
		u.RawQuery = q.Encode()
		cfg := limitsConfig(t)
		cfg.DatabaseURL = u.String()
		checkStorageFull(t, func() *harness { return startWith(t, cfg) }, filepath.Join(dir, "filler"))
	})
}

// checkStorageFull runs the storage-full story on a server whose store
// lives on a small file system that also holds filler, a file deleted to
// free space.
func checkStorageFull(t *testing.T, open func() *harness, filler string) {
	// The filler is more than the readiness probe, so freeing it lets
	// writes of any size pass again.
	if err := os.WriteFile(filler, bytes.Repeat([]byte{1}, 6<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	h := open()
	hdr := h.merchant("123456")
	if res := h.do("PUT", "/order-management/v2/ECOM/categories/kept", map[string]any{"category": "GENERAL", "orderDetailsUrl": "https://example.com/kept"}, hdr...); res.status != 200 {
		t.Fatalf("first category: %d %s", res.status, res.body)
	}
	var full response
	for i := 0; ; i++ {
		res := h.do("POST", "/order-management/v1/images", imageBody(fmt.Sprintf("fill-%d", i), noisePNG(t, 300, 300)), hdr...)
		if res.status == 200 {
			if i > 100 {
				t.Fatal("100 images of 350 KB fit; the file system is not small")
			}
			continue
		}
		full = res
		break
	}
	if full.status != 503 {
		t.Fatalf("write on a full disk: status %d, want 503; body %s", full.status, full.body)
	}
	p := full.problem(t)
	if p.Code != api.CodeStorageFull || !strings.Contains(p.Detail, "no space") || full.header.Get("Retry-After") == "" {
		t.Errorf("write on a full disk: %s (Retry-After %q), want code %s, a detail saying there is no space, and Retry-After", full.body, full.header.Get("Retry-After"), api.CodeStorageFull)
	}
	if res := h.do("GET", "/order-management/v2/ECOM/kept", nil, hdr...); res.status != 200 {
		t.Errorf("read on a full disk: status %d, want 200; body %s", res.status, res.body)
	}
	if res := h.do("GET", "/readyz", nil); res.status != 503 || !strings.Contains(string(res.body), "storage_full") {
		t.Errorf("/readyz on a full disk: %d %q, want 503 naming storage_full", res.status, res.body)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	if res := h.do("GET", "/readyz", nil); res.status != 200 {
		t.Errorf("/readyz after space is freed: %d %q, want 200", res.status, res.body)
	}
	if res := h.do("PUT", "/order-management/v2/ECOM/categories/after", map[string]any{"category": "GENERAL", "orderDetailsUrl": "https://example.com/after"}, hdr...); res.status != 200 {
		t.Errorf("write after space is freed: status %d, want 200; body %s", res.status, res.body)
	}
}
