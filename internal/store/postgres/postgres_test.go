package postgres_test

import (
	"context"
	"crypto/ed25519"
	"errors"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/auth"
	"github.com/ordermgmt/ordermgmt/internal/sandbox/sandboxtest"
	"github.com/ordermgmt/ordermgmt/internal/store"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres"
	"github.com/ordermgmt/ordermgmt/internal/store/postgres/pgtest"
	"github.com/ordermgmt/ordermgmt/internal/store/storetest"
)

// open opens a store on url that is closed when t ends.
func open(t *testing.T, url string, opts postgres.Options) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), url, opts)
	if err != nil {
		t.Fatalf("Open() = %v, want nil", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestStore runs the conformance suite on a schema of its own, so the
// migrations run from scratch and other runs on the database do not meet
// this one.
func TestStore(t *testing.T) {
	schema := pgtest.New(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, schema.URL, postgres.Options{})
	})
}

func TestSupportLog(t *testing.T) {
	schema := pgtest.New(t)
	storetest.RunSupportLog(t, func(t *testing.T) store.SupportLog {
		return open(t, schema.URL, postgres.Options{})
	})
}

// TestConcurrentOpen: nodes starting at once on an empty database take
// turns migrating; each migration is applied and recorded once.
func TestConcurrentOpen(t *testing.T) {
	schema := pgtest.New(t)
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			db, err := postgres.Open(t.Context(), schema.URL, postgres.Options{})
			if err == nil {
				err = db.Ping(t.Context())
				db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Open(node %d) = %v, want nil", i, err)
		}
	}
	files, err := os.ReadDir("migrations")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := schema.QueryInt(t, "SELECT count(*) FROM schema_migrations"), int64(len(files)); got != want || got == 0 {
		t.Errorf("schema_migrations has %d rows for %d migration files, want one row per migration", got, want)
	}
}

// TestLocation: the location shown in the banner and in errors names the
// database and schema, and nothing else from the URL.
func TestLocation(t *testing.T) {
	schema := pgtest.New(t)
	loc := open(t, schema.URL, postgres.Options{}).Location()
	if !strings.HasPrefix(loc, "postgres://") || !strings.HasSuffix(loc, "?search_path="+schema.Name) || strings.Contains(loc, "application_name") {
		t.Errorf("Location() = %q, want postgres://…?search_path=%s and no other parameter", loc, schema.Name)
	}
}

// TestMigrateV2Categories: a database written before v3 categories keeps
// every category, under its id, as its order's one category, and the v3
// rules hold on it afterwards.
func TestMigrateV2Categories(t *testing.T) {
	schema := pgtest.New(t)
	init, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	schema.Exec(t, "SET search_path TO "+schema.Name+"; "+string(init)+`;
		CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
		INSERT INTO schema_migrations (version, name) VALUES (1, '0001_init.sql');
		INSERT INTO images VALUES ('123456', 'logo', 'image/png', 200, 200, 'ab', '\x89504e47', now(), 'trace', 'client', '', '', '', '');
		INSERT INTO categories VALUES ('123456', 'RECURRING', 'o-1', 'c-rec', 'TICKET', 'https://x.example/t', NULL, '2025-01-01T00:00:01Z', 't1', 'client', '', '', '', '');
		INSERT INTO categories VALUES ('123456', 'ECOM', 'o-1', 'c-ecom', 'RECEIPT', 'https://x.example/r', 'logo', '2025-01-01T00:00:02Z', 't2', 'client', '', '', '', '');
		INSERT INTO categories VALUES ('654321', 'ECOM', 'o-1', 'c-other', 'GENERAL', 'https://y.example/', NULL, '2024-01-01T00:00:00Z', 't3', 'client', '', '', '', '');
		INSERT INTO receipts VALUES ('123456', 'ECOM', 'o-2', 'r-1', '{"orderLines":[]}', now(), 'trace', 'client', '', '', '', '')`)

	db := open(t, schema.URL, postgres.Options{})
	ctx := t.Context()
	key := store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: "o-1"}
	o, err := db.GetOrder(ctx, key)
	if err != nil || o.Category == nil || o.Category.Category != api.CategoryReceipt || o.Category.ImageID == nil || *o.Category.ImageID != "logo" {
		t.Errorf("GetOrder(o-1) after migration = %+v, %v; want the RECEIPT category with image logo", o, err)
	}
	cs, err := db.ListCategories(ctx, "123456", "o-1")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range cs {
		ids = append(ids, c.ID)
	}
	if diff := cmp.Diff([]string{"c-rec", "c-ecom"}, ids); diff != "" {
		t.Errorf("ListCategories(o-1) ids after migration (-want +got):\n%s", diff)
	}
	if c, err := db.GetCategory(ctx, "123456", "c-ecom"); err != nil || c.Meta.TraceID != "t2" {
		t.Errorf("GetCategory(c-ecom) = %+v, %v; want its write record kept", c, err)
	}
	if o, err := db.GetOrder(ctx, store.OrderKey{MSN: "123456", PaymentType: api.PaymentTypeECOM, OrderID: "o-2"}); err != nil || string(o.Receipt) != `{"orderLines":[]}` {
		t.Errorf("GetOrder(o-2) after migration = %+v, %v; want the receipt", o, err)
	}
	// New categories come after the migrated ones; the constraints the
	// store recognises by name hold.
	add := &store.Category{Key: key, ID: "c-new", Category: api.Category{Category: api.CategoryDelivery, OrderDetailsURL: "https://x.example/d"}}
	if err := db.AddCategory(ctx, add); err != nil {
		t.Fatal(err)
	}
	if o, _ := db.GetOrder(ctx, key); o == nil || o.Category.Category != api.CategoryDelivery {
		t.Errorf("GetOrder(o-1) after AddCategory = %+v, want the new DELIVERY category", o)
	}
	missing := "missing"
	bad := &store.Category{Key: key, ID: "c-bad", Category: api.Category{Category: api.CategoryDelivery, OrderDetailsURL: "https://x.example/d", ImageID: &missing}}
	if p := api.AsProblem(db.AddCategory(ctx, bad)); p.Status != 400 || len(p.InvalidParams) != 1 || p.InvalidParams[0].Code != api.CodeImageNotFound {
		t.Errorf("AddCategory(unknown image) after migration = %+v, want 400 image_not_found", p)
	}
	if err := db.AddCategory(ctx, add); !errors.Is(err, api.ErrConflict) {
		t.Errorf("AddCategory(taken id) after migration = %v, want api.ErrConflict", err)
	}
}

// TestNewerSchema: a database migrated by a newer program is refused
// rather than misread.
func TestNewerSchema(t *testing.T) {
	schema := pgtest.New(t)
	open(t, schema.URL, postgres.Options{}).Close()
	schema.Exec(t, "INSERT INTO "+schema.Name+".schema_migrations (version, name) VALUES (9999, '9999_future.sql')")
	_, err := postgres.Open(t.Context(), schema.URL, postgres.Options{})
	if err == nil || !strings.Contains(err.Error(), "newer than this program") {
		t.Errorf("Open(newer schema) = %v, want an error saying the schema is newer", err)
	}
}

// TestSynchronousCommitOff: a session that would acknowledge writes before
// they are durable is refused, with the fix in the message.
func TestSynchronousCommitOff(t *testing.T) {
	schema := pgtest.New(t)
	u, err := url.Parse(schema.URL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("synchronous_commit", "off")
	u.RawQuery = q.Encode()
	_, err = postgres.Open(t.Context(), u.String(), postgres.Options{})
	if err == nil || !strings.Contains(err.Error(), "synchronous_commit=on") {
		t.Errorf("Open(synchronous_commit=off) = %v, want an error naming synchronous_commit=on", err)
	}
}

// TestSigningKeys: nodes starting together on an empty database end with
// one shared key; a key added later signs, and the older one still
// verifies.
func TestSigningKeys(t *testing.T) {
	schema := pgtest.New(t)
	const n = 6
	dbs := make([]*postgres.DB, n)
	for i := range dbs {
		dbs[i] = open(t, schema.URL, postgres.Options{})
	}
	got := make([][]ed25519.PrivateKey, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Go(func() { got[i], errs[i] = db.SigningKeys(t.Context()) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("SigningKeys(node %d) = %v, want nil", i, errs[i])
		}
		if len(got[i]) != 1 {
			t.Fatalf("SigningKeys(node %d) returned %d keys, want 1", i, len(got[i]))
		}
		if !got[i][0].Equal(got[0][0]) {
			t.Errorf("SigningKeys(node %d) = key %s, want node 0's key %s", i, kid(got[i][0]), kid(got[0][0]))
		}
	}
	if rows := schema.QueryInt(t, "SELECT count(*) FROM signing_keys"); rows != 1 {
		t.Errorf("signing_keys has %d rows, want 1", rows)
	}

	// Rotation: an operator adds a newer key.
	newer, err := auth.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, err := auth.EncodeKeyPEM(newer)
	if err != nil {
		t.Fatal(err)
	}
	schema.Exec(t, "INSERT INTO "+schema.Name+".signing_keys (id, private_key, created_at) VALUES ($1, $2, now() + interval '1 second')",
		kid(newer), string(pemBytes))
	keys, err := dbs[0].SigningKeys(t.Context())
	if err != nil {
		t.Fatalf("SigningKeys() after rotation = %v, want nil", err)
	}
	var kids []string
	for _, k := range keys {
		kids = append(kids, kid(k))
	}
	if diff := cmp.Diff([]string{kid(newer), kid(got[0][0])}, kids); diff != "" {
		t.Errorf("SigningKeys() after rotation, key ids newest first (-want +got):\n%s", diff)
	}
}

func kid(k ed25519.PrivateKey) string { return auth.KeyID(k.Public().(ed25519.PublicKey)) }

// TestTerminatedConnections: when the server ends every connection of a
// node (as a restart or failover does), the node's next calls succeed on
// new connections, without a reopen and without an error reaching callers.
func TestTerminatedConnections(t *testing.T) {
	schema := pgtest.New(t)
	db := open(t, schema.URL, postgres.Options{MaxConns: 4})
	ctx := t.Context()
	msn := "123456"

	for round := range 3 {
		// Fill the pool with connections that are about to die.
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { db.Ping(ctx) })
		}
		wg.Wait()
		if n := schema.TerminateBackends(t); n == 0 {
			t.Fatalf("round %d: TerminateBackends() = 0, want the pool's connections ended", round)
		}
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				key := store.OrderKey{MSN: msn, PaymentType: api.PaymentTypeECOM, OrderID: orderID(round, i)}
				errs[i] = db.AddReceipt(ctx, &store.Receipt{Key: key, ID: "r-" + key.OrderID, Body: []byte(`{"o":"` + key.OrderID + `"}`)})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("round %d: AddReceipt(%d) after the connections ended = %v, want nil", round, i, err)
			}
		}
	}
	for round := range 3 {
		for i := range 8 {
			key := store.OrderKey{MSN: msn, PaymentType: api.PaymentTypeECOM, OrderID: orderID(round, i)}
			if o, err := db.GetOrder(ctx, key); err != nil || string(o.Receipt) != `{"o":"`+key.OrderID+`"}` {
				t.Errorf("GetOrder(%s) = %+v, %v; want the receipt written for it", key.OrderID, o, err)
			}
		}
	}
}

func orderID(round, i int) string {
	return "order-" + string(rune('a'+round)) + "-" + string(rune('a'+i))
}

// TestOpenErrors: a URL that cannot work is refused with a message naming
// the problem; an unreachable server is api.ErrUnavailable, so a supervisor
// knows to try again. These need no database.
func TestOpenErrors(t *testing.T) {
	tests := []struct {
		name, url   string
		unavailable bool
		mention     string
	}{
		{name: "empty", url: "", mention: "URL is empty"},
		{name: "not a URL", url: "postgres://%zz", mention: "cannot parse"},
		{name: "password hidden", url: "postgres://u:s3cret@127.0.0.1:1/db?connect_timeout=5", unavailable: true, mention: "postgres://u@127.0.0.1:1/db"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			db, err := postgres.Open(t.Context(), tc.url, postgres.Options{})
			if err == nil {
				db.Close()
				t.Fatalf("Open(%q) = nil error, want one", tc.url)
			}
			if got := errors.Is(err, api.ErrUnavailable); got != tc.unavailable {
				t.Errorf("Open(%q) = %v; errors.Is(api.ErrUnavailable) = %v, want %v", tc.url, err, got, tc.unavailable)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("Open(%q) = %v, want a message containing %q", tc.url, err, tc.mention)
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("Open(%q) = %v, shows the password", tc.url, err)
			}
		})
	}
}

// TestCloseDuringUse: Close waits for calls in flight, and calls after it
// fail with api.ErrUnavailable rather than panicking.
func TestCloseDuringUse(t *testing.T) {
	schema := pgtest.New(t)
	db := open(t, schema.URL, postgres.Options{})
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			err := db.Ping(ctx)
			if err != nil && !errors.Is(err, api.ErrUnavailable) {
				t.Errorf("Ping() during Close = %v, want nil or api.ErrUnavailable", err)
			}
		})
	}
	db.Close()
	wg.Wait()
	if err := db.Ping(ctx); !errors.Is(err, api.ErrUnavailable) {
		t.Errorf("Ping() after Close = %v, want api.ErrUnavailable", err)
	}
}

// TestSandboxStore runs the sandbox's conformance suite on a schema of its
// own.
func TestSandboxStore(t *testing.T) {
	schema := pgtest.New(t)
	sandboxtest.Run(t, func(t *testing.T) sandboxtest.Store {
		return open(t, schema.URL, postgres.Options{})
	})
}
