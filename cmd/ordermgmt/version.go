package main

import (
	"context"
	"fmt"

	"github.com/ordermgmt/ordermgmt/internal/buildinfo"
)

// versionOut is the --json output of `version`.
type versionOut struct {
	Version  string `json:"version"`
	Platform string `json:"platform"`
}

// runVersion prints the version of this binary: the one it sends as
// Vipps-System-Version and serve reports in its banner and on /healthz.
func runVersion(ctx context.Context, args []string, e *env) error {
	fs := newFlagSet("version", "version [--json]",
		"Prints the version of this program, the same that the CLI sends as Vipps-System-Version\n"+
			"and that 'ordermgmt serve' shows in its banner and on /healthz.", e,
		"ordermgmt version", "ordermgmt --version", "ordermgmt version --json")
	asJSON := fs.Bool("json", false, "print the version as JSON, for scripts")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := wantArgs(fs, pos); err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, versionOut{buildinfo.Version(), buildinfo.Platform()})
	}
	_, err = fmt.Fprintf(e.stdout, "ordermgmt %s (%s)\n", buildinfo.Version(), buildinfo.Platform())
	return err
}
