// Package buildinfo says which build of ordermgmt is running, from the
// information the Go toolchain stamps into every binary, so the CLI's
// `version`, its Vipps-System-Version header, serve's banner and /healthz
// all report one value.
package buildinfo

import (
	"runtime"
	"runtime/debug"
)

// Version is the module version of the main package: a release tag such
// as v1.2.0, or the pseudo-version `go build` derives from the commit
// (with +dirty for uncommitted changes). A binary built without version
// control information (go test, go run of a copied tree) falls back to
// the commit, if known, and else to "dev".
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dev"
	}
	return version(bi)
}

func version(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "dev"
	}
	v := "dev-" + rev[:min(12, len(rev))]
	if modified == "true" {
		v += "+dirty"
	}
	return v
}

// Platform is the Go version, OS and architecture of the binary, such as
// "go1.26.8 linux/amd64".
func Platform() string {
	return runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}
