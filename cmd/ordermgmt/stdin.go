package main

import (
	"context"
	"io"
	"sync"
)

// contextReader ends a Read when ctx is done. A read from a terminal or
// a pipe cannot be interrupted, so one goroutine reads underneath and is
// left behind when the command gives up; the process ends soon after.
type contextReader struct {
	ctx  context.Context
	r    io.Reader
	once sync.Once
	ch   chan chunk
	buf  []byte // what the last chunk has left
	err  error  // the underlying reader's final error
}

type chunk struct {
	data []byte
	err  error
}

func newContextReader(ctx context.Context, r io.Reader) io.Reader {
	if r == nil {
		return nil
	}
	if cr, ok := r.(*contextReader); ok && cr.ctx == ctx {
		return cr
	}
	return &contextReader{ctx: ctx, r: r}
}

func (c *contextReader) Read(p []byte) (int, error) {
	if len(c.buf) == 0 && c.err == nil {
		c.once.Do(c.start)
		select {
		case <-c.ctx.Done():
			return 0, c.ctx.Err()
		case ck := <-c.ch:
			c.buf, c.err = ck.data, ck.err
		}
	}
	if len(c.buf) > 0 {
		n := copy(p, c.buf)
		c.buf = c.buf[n:]
		return n, nil
	}
	return 0, c.err
}

func (c *contextReader) start() {
	c.ch = make(chan chunk)
	go func() {
		for {
			b := make([]byte, 32<<10)
			n, err := c.r.Read(b)
			if n == 0 && err == nil {
				continue
			}
			select {
			case c.ch <- chunk{b[:n], err}:
			case <-c.ctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
}
