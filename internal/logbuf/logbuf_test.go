package logbuf

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer that counts writes, safe for the timer's
// goroutine.
type syncBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
	err    error
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.writes++
	if s.err != nil {
		return 0, s.err
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func (s *syncBuffer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writes
}

func TestWriterBatches(t *testing.T) {
	out := &syncBuffer{}
	w := New(out)
	for range 100 {
		if _, err := w.Write([]byte("line\n")); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), strings.Repeat("line\n", 100); got != want {
		t.Errorf("after Flush: %d bytes, want %d", len(got), len(want))
	}
	if n := out.count(); n != 1 {
		t.Errorf("100 lines took %d writes, want 1", n)
	}
}

func TestWriterWritesLater(t *testing.T) {
	out := &syncBuffer{}
	w := New(out)
	_, _ = w.Write([]byte("a\n"))
	// The timed flush comes after Interval; wait far longer before failing.
	deadline := time.Now().Add(10 * time.Second)
	for out.String() != "a\n" {
		if time.Now().After(deadline) {
			t.Fatalf("a line not written 10 s after Write (Interval %s): %q", Interval, out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestWriterFlushesWhenFull(t *testing.T) {
	out := &syncBuffer{}
	w := New(out)
	line := bytes.Repeat([]byte("x"), 1000)
	for range Size/len(line) + 1 {
		_, _ = w.Write(line)
	}
	if out.count() == 0 {
		t.Errorf("%d bytes waiting and nothing written; want a write once %d are waiting", Size+len(line), Size)
	}
}

func TestWriterClose(t *testing.T) {
	out := &syncBuffer{}
	w := New(out)
	_, _ = w.Write([]byte("before\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if out.String() != "before\n" {
		t.Fatalf("Close did not write what was waiting: %q", out.String())
	}
	_, _ = w.Write([]byte("after\n"))
	if out.String() != "before\nafter\n" {
		t.Errorf("a write after Close is not written at once: %q", out.String())
	}
}

func TestWriterKeepsError(t *testing.T) {
	out := &syncBuffer{err: errors.New("disk gone")}
	w := New(out)
	_, _ = w.Write([]byte("x\n"))
	if err := w.Flush(); err == nil || err.Error() != "disk gone" {
		t.Errorf("Flush = %v, want the write's error", err)
	}
}

func TestHandlerWritesWarningsAtOnce(t *testing.T) {
	out := &syncBuffer{}
	w := New(out)
	log := slog.New(Handler(slog.NewTextHandler(w, nil), w)).With("node", "n1")
	log.Info("request", "status", 200)
	if out.count() != 0 {
		t.Fatalf("an info line was written at once: %q", out.String())
	}
	log.Warn("journal behind")
	got := out.String()
	if !strings.Contains(got, "msg=request") || !strings.Contains(got, `msg="journal behind"`) || !strings.Contains(got, "node=n1") {
		t.Errorf("after a warning, want both lines with the logger's attrs written: %q", got)
	}
	if strings.Index(got, "msg=request") > strings.Index(got, "journal behind") {
		t.Errorf("lines out of order: %q", got)
	}
	log.WithGroup("g").Error("failed", "k", "v")
	if !strings.Contains(out.String(), "g.k=v") {
		t.Errorf("an error in a group not written at once: %q", out.String())
	}
}

func TestWriterConcurrent(t *testing.T) {
	out := &syncBuffer{}
	w := New(out)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for range 1000 {
				_, _ = w.Write([]byte{'a' + byte(g), '\n'})
			}
		})
	}
	wg.Wait()
	_ = w.Close()
	lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if len(lines) != 8000 {
		t.Fatalf("%d lines, want 8000", len(lines))
	}
	for _, l := range lines {
		if len(l) != 1 {
			t.Fatalf("a write was split or merged: %q", l)
		}
	}
}
