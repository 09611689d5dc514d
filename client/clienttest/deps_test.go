package clienttest

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoPostgresInBuild: an SDK user's tests import clienttest, and with
// it whatever it links; the servers it starts are SQLite only, so no
// PostgreSQL driver may come along.
func TestNoPostgresInBuild(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the dependencies with")
	}
	out, err := exec.Command(gobin, "list", "-deps", "github.com/ordermgmt/ordermgmt/client/clienttest").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for dep := range strings.SplitSeq(string(out), "\n") {
		if strings.HasPrefix(dep, "github.com/jackc/") || strings.HasSuffix(dep, "/internal/store/postgres") {
			t.Errorf("clienttest depends on %s; importing it would put PostgreSQL code into its users' builds", dep)
		}
	}
}
