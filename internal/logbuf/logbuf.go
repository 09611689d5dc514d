// Package logbuf batches a log's lines into few writes.
//
// A server that logs a line per request would otherwise make a write
// system call per request, which at thousands of requests a second costs
// more than formatting the lines. A Writer keeps what it is given and
// writes it at most Interval later, or at once when Size bytes are
// waiting; Handler writes lines of level Warn and above at once, with
// everything before them. Close writes what is left. A process killed
// outright loses at most the last Interval of info lines.
package logbuf

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Defaults of New.
const (
	Interval = 50 * time.Millisecond
	Size     = 64 << 10
)

// Writer buffers writes to an underlying writer. It is safe for
// concurrent use; each Write is kept whole.
type Writer struct {
	mu      sync.Mutex
	w       io.Writer
	buf     []byte
	pending bool // a timed flush is scheduled
	closed  bool
	err     error
}

// New returns a Writer that writes to w.
func New(w io.Writer) *Writer { return &Writer{w: w, buf: make([]byte, 0, Size)} }

// Write keeps p to write later; after Close it writes p at once.
func (b *Writer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return b.w.Write(p)
	}
	b.buf = append(b.buf, p...)
	switch {
	case len(b.buf) >= Size:
		b.flushLocked()
	case !b.pending:
		b.pending = true
		time.AfterFunc(Interval, b.timed)
	}
	return len(p), nil
}

func (b *Writer) timed() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending = false
	b.flushLocked()
}

// Flush writes what is waiting and returns the first write error so far.
func (b *Writer) Flush() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	return b.err
}

func (b *Writer) flushLocked() {
	if len(b.buf) == 0 {
		return
	}
	if _, err := b.w.Write(b.buf); err != nil && b.err == nil {
		b.err = err
	}
	b.buf = b.buf[:0]
}

// Close writes what is waiting; later writes go straight through.
func (b *Writer) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.flushLocked()
	b.closed = true
	return b.err
}

// Handler wraps h, which writes to w, so that a record of level Warn or
// above is written at once with everything before it.
func Handler(h slog.Handler, w *Writer) slog.Handler { return &handler{Handler: h, w: w} }

type handler struct {
	slog.Handler
	w *Writer
}

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	err := h.Handler.Handle(ctx, r)
	if r.Level >= slog.LevelWarn {
		_ = h.w.Flush()
	}
	return err
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &handler{Handler: h.Handler.WithAttrs(attrs), w: h.w}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{Handler: h.Handler.WithGroup(name), w: h.w}
}
