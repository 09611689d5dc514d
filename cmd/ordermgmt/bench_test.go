package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchCommand runs `ordermgmt bench` briefly with its servers in
// process (the test binary cannot run itself as `ordermgmt serve`) and
// checks the flags reach the run: the scenarios asked for, the JSON on
// stdout and in --json-out, no failed requests.
func TestBenchCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.json")
	var stdout, stderr bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
	err := run(context.Background(), []string{"bench", "--in-process", "--scenarios", "get,receipt",
		"--connections", "2", "--duration", "100ms", "--warmup", "0", "--preload", "10",
		"--tmp", t.TempDir(), "--json", "--json-out", out}, e)
	if err != nil {
		t.Fatalf("bench: %v\nstderr:\n%s", err, stderr.String())
	}
	type report struct {
		Connections int `json:"connections"`
		Results     []struct {
			Scenario string `json:"scenario"`
			Requests int64  `json:"requests"`
			Errors   int64  `json:"errors"`
		} `json:"results"`
	}
	saved, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"stdout": stdout.Bytes(), "--json-out": saved} {
		var rep report
		if err := json.Unmarshal(b, &rep); err != nil {
			t.Fatalf("%s is not a JSON report: %v\n%s", name, err, b)
		}
		var got []string
		for _, r := range rep.Results {
			got = append(got, r.Scenario)
			if r.Requests == 0 || r.Errors != 0 {
				t.Errorf("%s: %s: %d requests, %d errors; want some, none", name, r.Scenario, r.Requests, r.Errors)
			}
		}
		if want := "ref-get,ref-post,get,receipt"; strings.Join(got, ",") != want || rep.Connections != 2 {
			t.Errorf("%s: scenarios %v with %d connections, want %s with 2", name, got, rep.Connections, want)
		}
	}
}

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--connections"},
		{"bench", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		e := &env{stdin: strings.NewReader(""), stdout: &stdout, stderr: &stderr, getenv: func(string) string { return "" }}
		err := run(context.Background(), args, e)
		var ue *usageError
		if !errors.As(err, &ue) {
			t.Errorf("run(%q) = %v, want a usage error", args, err)
		}
	}
}
