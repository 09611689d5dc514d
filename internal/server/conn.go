package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
)

// Listener bounds the open connections of a net.Listener (contract §8):
// past the bound a new connection waits up to the limits' LoadWait for one
// to close, then gets 503 with Retry-After. It also turns net/http's
// plain-text answer to a request it cannot parse into a problem body.
type Listener struct {
	inner    net.Listener
	slots    chan struct{}
	waiters  chan struct{}
	wait     time.Duration
	refusals *Refusals

	conns     chan net.Conn
	errs      chan error
	done      chan struct{}
	closeOnce sync.Once
}

// Listen wraps ln with the connection bound of s's limits; connections it
// refuses are counted in s.Refusals().
func (s *Server) Listen(ln net.Listener) *Listener {
	l := &Listener{
		inner:    ln,
		slots:    make(chan struct{}, s.limits.MaxConns),
		waiters:  make(chan struct{}, s.limits.MaxConns),
		wait:     s.limits.LoadWait,
		refusals: &s.refusals,
		conns:    make(chan net.Conn),
		errs:     make(chan error),
		done:     make(chan struct{}),
	}
	go l.loop()
	return l
}

// Open returns the number of connections open now.
func (l *Listener) Open() int { return len(l.slots) }

// Accept returns the next connection that has a slot.
func (l *Listener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close stops accepting; open connections stay open.
func (l *Listener) Close() error {
	err := net.ErrClosed
	l.closeOnce.Do(func() {
		close(l.done)
		err = l.inner.Close()
	})
	return err
}

// Addr is the inner listener's address.
func (l *Listener) Addr() net.Addr { return l.inner.Addr() }

func (l *Listener) loop() {
	for {
		c, err := l.inner.Accept()
		if err != nil {
			select {
			case l.errs <- err:
			case <-l.done:
				return
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		select {
		case l.slots <- struct{}{}:
			l.deliver(c)
			continue
		default:
		}
		select {
		case l.waiters <- struct{}{}:
			go l.await(c)
		default:
			// As many wait as may be open: refuse at once.
			l.refuse(c, false)
		}
	}
}

// deliver hands a connection that holds a slot to Accept.
func (l *Listener) deliver(c net.Conn) {
	select {
	case l.conns <- &conn{Conn: c, l: l}:
	case <-l.done:
		<-l.slots
		c.Close()
	}
}

// await waits for a slot for c, or refuses it.
func (l *Listener) await(c net.Conn) {
	defer func() { <-l.waiters }()
	t := time.NewTimer(l.wait)
	defer t.Stop()
	select {
	case l.slots <- struct{}{}:
		l.deliver(c)
	case <-t.C:
		l.refuse(c, true)
	case <-l.done:
		c.Close()
	}
}

// refuse answers 503 and closes c. With linger, it first reads what the
// client sent (briefly), so the client reads the answer and not a reset.
func (l *Listener) refuse(c net.Conn, linger bool) {
	l.refusals.Connections.Add(1)
	_ = c.SetDeadline(time.Now().Add(time.Second))
	_, _ = c.Write(rawProblem(503, api.NewProblem(api.ErrUnavailable, api.CodeOverloaded,
		"The server has as many connections open as it may; retry after Retry-After."), "Retry-After: 1\r\n"))
	if linger {
		if cw, ok := c.(interface{ CloseWrite() error }); ok {
			_ = cw.CloseWrite()
			_, _ = io.Copy(io.Discard, io.LimitReader(c, 64<<10))
		}
	}
	c.Close()
}

// conn is an accepted connection holding a slot until it closes.
type conn struct {
	net.Conn
	l    *Listener
	once sync.Once
	// last is what the latest Read returned, still in net/http's buffer,
	// so a request that cannot be parsed can be named in the answer.
	last []byte
}

func (c *conn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.last = p[:n]
	return n, err
}

// goBadRequest is how net/http answers a request it cannot parse, such as
// a path with malformed percent-encoding; it writes it in one call
// straight to the connection. Its own responses put Content-Length first.
var (
	goBadRequest        = []byte("HTTP/1.1 400 Bad Request")
	goBadRequestHeaders = []byte("\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n")
)

func (c *conn) Write(p []byte) (int, error) {
	if bytes.HasPrefix(p, goBadRequest) && bytes.Contains(p, goBadRequestHeaders) {
		if _, err := c.Conn.Write(rawProblem(400, badRequestProblem(c.last), "")); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// CloseWrite lets net/http half-close before it closes, as it does on a
// bare TCP connection.
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func (c *conn) Close() error {
	c.once.Do(func() { <-c.l.slots })
	return c.Conn.Close()
}

// badRequestProblem names what is wrong with the request that begins in
// last: malformed percent-encoding in its target, or else its request
// line or headers.
func badRequestProblem(last []byte) *api.Problem {
	line, _, _ := bytes.Cut(last, []byte("\r\n"))
	parts := bytes.Split(line, []byte(" "))
	if len(parts) == 3 && bytes.HasPrefix(parts[2], []byte("HTTP/")) {
		target := string(parts[1])
		if reason := percentProblem(target); reason != "" {
			return pathProblem(target, reason)
		}
	}
	return api.NewProblem(api.ErrInvalid, api.CodeInvalidRequest,
		"The request could not be parsed: its request line or a header is malformed.")
}

// rawProblem is a whole HTTP/1.1 response carrying p, for answers written
// to a connection outside net/http.
func rawProblem(status int, p *api.Problem, extra string) []byte {
	_, tp := newTraceparent("")
	out := *p
	out.Instance = tp
	body, _ := json.Marshal(&out)
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + statusText(status) + "\r\n")
	b.WriteString("Connection: close\r\nContent-Type: application/problem+json\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	b.WriteString("Traceparent: " + tp + "\r\n" + extra + "\r\n")
	b.Write(body)
	return b.Bytes()
}

func statusText(status int) string {
	if status == 503 {
		return "Service Unavailable"
	}
	return "Bad Request"
}
