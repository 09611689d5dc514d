// Package pgtest gives tests a PostgreSQL schema of their own, and the means
// to break the database under them.
//
// Tests that need PostgreSQL run when ORDERMGMT_TEST_POSTGRES_URL names a
// database and skip, saying so, when it is unset. When it is set, a database
// that cannot be reached fails the test: CI sets the variable so that these
// tests cannot skip silently.
//
// go test runs the test binaries of several packages at once, and a test
// that stops the server would fail the others. So every schema holds a
// shared lock on a file in the temporary directory for as long as it
// exists, and Control holds an exclusive one: a restart waits for the other
// processes' tests to finish and keeps new ones waiting until it is over.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the database the tests may use, such as
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable.
const EnvURL = "ORDERMGMT_TEST_POSTGRES_URL"

// EnvCtl names a command that controls the server of EnvURL: it is run with
// "stop" or "start" appended, such as
// "pg_ctlcluster --skip-systemctl-redirect 15 main". When it is unset and
// the database is on this machine, pg_ctlcluster is used if there is one
// cluster.
const EnvCtl = "ORDERMGMT_TEST_POSTGRES_CTL"

// BaseURL returns EnvURL after checking that the database answers. It skips
// t when the variable is unset and fails t when the database cannot be
// reached.
func BaseURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		t.Skipf("%s is not set; set it to a PostgreSQL URL such as postgres://postgres@127.0.0.1:5432/test?sslmode=disable to run this test", EnvURL)
	}
	conn := connect(t, base)
	conn.Close(context.Background())
	return base
}

// connect opens a connection, failing t when it cannot.
func connect(t testing.TB, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("%s is set, but PostgreSQL cannot be reached: %v", EnvURL, err)
	}
	return conn
}

// Schema is a fresh, empty schema in the database of EnvURL.
type Schema struct {
	// Name is the schema's name, ordermgmt_test_ and random hex digits.
	Name string
	// URL is EnvURL with search_path set to the schema, so a store opened
	// with it keeps its tables there, and application_name set to Name, so
	// the schema's connections can be found in pg_stat_activity.
	URL string

	base string
}

// lockPath is the file whose lock keeps a restart from meeting other
// tests; see the package documentation.
var lockPath = filepath.Join(os.TempDir(), "ordermgmt-pgtest.lock")

// New creates a schema for t and drops it, with everything in it, when t
// and its subtests end. It skips or fails t as BaseURL does.
func New(t testing.TB) *Schema {
	t.Helper()
	// The lock comes before the first connection: while another process's
	// test has the server stopped, this one waits instead of failing.
	unlock, err := lockFile(lockPath, false)
	if err != nil {
		t.Fatalf("lock %s: %v", lockPath, err)
	}
	t.Cleanup(unlock) // runs last, after the schema is dropped
	return newSchema(t, BaseURL(t), func() {})
}

// newSchema creates the schema; beforeDrop runs first in its cleanup.
func newSchema(t testing.TB, base string, beforeDrop func()) *Schema {
	t.Helper()
	b := make([]byte, 8)
	rand.Read(b)
	s := &Schema{Name: "ordermgmt_test_" + hex.EncodeToString(b), base: base}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("%s=%q: want a postgres:// URL", EnvURL, base)
	}
	q := u.Query()
	q.Set("search_path", s.Name)
	q.Set("application_name", s.Name)
	u.RawQuery = q.Encode()
	s.URL = u.String()

	s.Exec(t, "CREATE SCHEMA "+pgx.Identifier{s.Name}.Sanitize())
	t.Cleanup(func() {
		beforeDrop()
		// Cleanups run after the test's context ends: use a fresh one.
		conn := connect(t, base)
		defer conn.Close(context.Background())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{s.Name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("drop test schema %s: %v", s.Name, err)
		}
	})
	return s
}

// Exec runs sql on a connection of its own to the database (outside the
// schema), failing t on error.
func (s *Schema) Exec(t testing.TB, sql string, args ...any) {
	t.Helper()
	conn := connect(t, s.base)
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// QueryInt runs a query that returns one integer, on a connection with the
// schema on its search path.
func (s *Schema) QueryInt(t testing.TB, sql string, args ...any) int64 {
	t.Helper()
	conn := connect(t, s.URL)
	defer conn.Close(context.Background())
	var n int64
	if err := conn.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// TerminateBackends ends every server connection opened with s.URL (named
// by application_name) except the one it uses, and returns how many it
// ended. Other tests' connections are left alone.
func (s *Schema) TerminateBackends(t testing.TB) int64 {
	t.Helper()
	conn := connect(t, s.base)
	defer conn.Close(context.Background())
	var n int64
	err := conn.QueryRow(context.Background(), `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND pid <> pg_backend_pid()`, s.Name).Scan(&n)
	if err != nil {
		t.Fatalf("terminate backends: %v", err)
	}
	return n
}

// Server controls the PostgreSQL server of EnvURL, for tests of a database
// restart.
type Server struct {
	t    testing.TB
	base string
	ctl  []string

	mu      sync.Mutex
	stopped bool
}

// Control returns the server of EnvURL. It skips t when there is no way to
// stop and start it (see EnvCtl), and otherwise waits until no other
// process's test uses the database. Whatever happens in t, the server is
// started again, and reachable, when t ends: other tests share it. A test
// that calls Control gets its schema from Server.New, not New.
func Control(t testing.TB) *Server {
	t.Helper()
	base := BaseURL(t)
	ctl := strings.Fields(os.Getenv(EnvCtl))
	if len(ctl) == 0 {
		ctl = localCluster(base)
	}
	if len(ctl) == 0 {
		t.Skipf("no way to restart the PostgreSQL server of %s; set %s to a command that takes stop or start, such as \"pg_ctlcluster 15 main\"", EnvURL, EnvCtl)
	}
	unlock, err := lockFile(lockPath, true)
	if err != nil {
		t.Fatalf("lock %s: %v", lockPath, err)
	}
	t.Cleanup(unlock)
	srv := &Server{t: t, base: base, ctl: ctl}
	t.Cleanup(srv.ensureStarted)
	return srv
}

// New creates a schema as New does, under the exclusive lock Control holds,
// and starts the server again, if it is stopped, before dropping it.
func (s *Server) New(t testing.TB) *Schema {
	t.Helper()
	return newSchema(t, s.base, s.ensureStarted)
}

// ensureStarted starts the server if the test stopped it.
func (s *Server) ensureStarted() {
	s.mu.Lock()
	stopped := s.stopped
	s.mu.Unlock()
	if stopped {
		s.Start()
	}
}

// localCluster returns the pg_ctlcluster command of the one cluster on this
// machine when the URL names this machine and this process may run it, or
// nil.
func localCluster(base string) []string {
	u, err := url.Parse(base)
	if err != nil {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil
	}
	if _, err := exec.LookPath("pg_ctlcluster"); err != nil {
		return nil
	}
	versions, _ := filepath.Glob("/etc/postgresql/*/main")
	if len(versions) != 1 || !mayControl(versions[0]) {
		return nil
	}
	return []string{"pg_ctlcluster", "--skip-systemctl-redirect", filepath.Base(filepath.Dir(versions[0])), "main"}
}

// Stop stops the server (fast shutdown: open sessions are ended).
func (s *Server) Stop() {
	s.t.Helper()
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.run("stop")
}

// Start starts the server and waits until it accepts connections.
func (s *Server) Start() {
	s.t.Helper()
	s.run("start")
	s.mu.Lock()
	s.stopped = false
	s.mu.Unlock()
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, err := pgx.Connect(ctx, s.base)
		cancel()
		if err == nil {
			conn.Close(context.Background())
			return
		}
		if i == 600 {
			s.t.Fatalf("PostgreSQL did not accept connections after start: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (s *Server) run(verb string) {
	s.t.Helper()
	args := append(append([]string(nil), s.ctl[1:]...), verb)
	out, err := exec.Command(s.ctl[0], args...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("%s %s: %v\n%s", strings.Join(s.ctl, " "), verb, err, out)
	}
}
