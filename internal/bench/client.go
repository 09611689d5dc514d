package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// request is one HTTP request as the load generator sends it: the body is
// written from up to three parts so that a large shared part (an image's
// base64) is never copied per request.
type request struct {
	method string
	path   string
	// header holds complete header lines ("Name: value\r\n"), Host and
	// Content-Length excepted.
	header []byte
	body   [3][]byte
	// want is the status that counts as success.
	want int
}

func (r *request) bodyLen() int { return len(r.body[0]) + len(r.body[1]) + len(r.body[2]) }

// conn is one keep-alive HTTP/1.1 connection. The load generator speaks
// the protocol itself rather than through net/http's client: that client
// spends, per request, several allocations and two goroutine hand-offs,
// which on a 2-core machine shared with the server would be measured as
// the server's slowness.
type conn struct {
	addr    string
	host    string
	timeout time.Duration
	nc      net.Conn
	br      *bufio.Reader
	bw      *bufio.Writer
	scratch []byte
	body    capture
}

func newConn(base *url.URL, timeout time.Duration) *conn {
	return &conn{addr: base.Host, host: base.Host, timeout: timeout}
}

func (c *conn) dial() error {
	nc, err := net.DialTimeout("tcp", c.addr, c.timeout)
	if err != nil {
		return err
	}
	c.nc = nc
	if c.br == nil {
		c.br = bufio.NewReaderSize(nc, 32<<10)
		c.bw = bufio.NewWriterSize(nc, 32<<10)
	} else {
		c.br.Reset(nc)
		c.bw.Reset(nc)
	}
	return nil
}

func (c *conn) close() {
	if c.nc != nil {
		c.nc.Close()
		c.nc = nil
	}
}

// response is what the load generator keeps of an answer: the status and
// the first bytes of the body, for setup calls and error reports. body is
// valid until the connection's next request.
type response struct {
	status int
	body   []byte
}

// do sends req and reads the answer, keeping at most keep bytes of the
// body. On any error the connection is closed, and the next call redials.
func (c *conn) do(req *request, keep int) (response, error) {
	if c.nc == nil {
		if err := c.dial(); err != nil {
			return response{}, err
		}
	}
	if c.timeout > 0 {
		c.nc.SetDeadline(time.Now().Add(c.timeout))
	}
	resp, closeAfter, err := c.roundTrip(req, keep)
	if err != nil || closeAfter {
		c.close()
	}
	return resp, err
}

func (c *conn) roundTrip(req *request, keep int) (response, bool, error) {
	b := c.scratch[:0]
	b = append(b, req.method...)
	b = append(b, ' ')
	b = append(b, req.path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, c.host...)
	b = append(b, "\r\n"...)
	b = append(b, req.header...)
	if n := req.bodyLen(); n > 0 || req.method == "POST" || req.method == "PUT" {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(n), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	c.scratch = b
	if _, err := c.bw.Write(b); err != nil {
		return response{}, false, err
	}
	for _, part := range req.body {
		if _, err := c.bw.Write(part); err != nil {
			return response{}, false, err
		}
	}
	if err := c.bw.Flush(); err != nil {
		return response{}, false, err
	}
	return c.readResponse(keep)
}

var errMalformed = errors.New("malformed HTTP response")

// readResponse reads a status line, headers and a body framed by
// Content-Length or chunked encoding. It returns whether the server asked
// to close the connection.
func (c *conn) readResponse(keep int) (response, bool, error) {
	line, err := c.readLine()
	if err != nil {
		return response{}, false, err
	}
	// "HTTP/1.1 200 OK"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
		return response{}, false, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return response{}, false, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	length, chunked, closeAfter := int64(-1), false, false
	for {
		line, err := c.readLine()
		if err != nil {
			return response{}, false, err
		}
		if len(line) == 0 {
			break
		}
		name, value, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return response{}, false, fmt.Errorf("%w: header line %q", errMalformed, line)
		}
		value = bytes.TrimSpace(value)
		switch {
		case asciiEqualFold(name, "Content-Length"):
			length, err = strconv.ParseInt(string(value), 10, 64)
			if err != nil || length < 0 {
				return response{}, false, fmt.Errorf("%w: Content-Length %q", errMalformed, value)
			}
		case asciiEqualFold(name, "Transfer-Encoding"):
			chunked = asciiEqualFold(value, "chunked")
		case asciiEqualFold(name, "Connection"):
			closeAfter = asciiEqualFold(value, "close")
		}
	}
	c.body = capture{buf: c.body.buf[:0], limit: keep}
	switch {
	case chunked:
		err = c.readChunked(&c.body)
	case length >= 0:
		err = c.readN(&c.body, length)
	default:
		// No framing: the body runs to the end of the connection.
		_, err = io.Copy(&c.body, c.br)
		closeAfter = true
	}
	if err != nil {
		return response{}, false, err
	}
	return response{status: status, body: c.body.buf}, closeAfter, nil
}

// readN passes n body bytes to sink straight from the read buffer.
func (c *conn) readN(sink io.Writer, n int64) error {
	for n > 0 {
		chunk := int(min(n, int64(c.br.Size())))
		b, err := c.br.Peek(chunk)
		if len(b) == 0 && err != nil {
			return err
		}
		sink.Write(b)
		c.br.Discard(len(b))
		n -= int64(len(b))
	}
	return nil
}

// capture keeps the first limit bytes written to it and drops the rest.
type capture struct {
	buf   []byte
	limit int
}

func (c *capture) Write(p []byte) (int, error) {
	if room := c.limit - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

func (c *conn) readChunked(sink io.Writer) error {
	for {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("%w: chunk size %q", errMalformed, line)
		}
		if n == 0 {
			// Trailers, then the blank line.
			for {
				line, err := c.readLine()
				if err != nil {
					return err
				}
				if len(line) == 0 {
					return nil
				}
			}
		}
		if err := c.readN(sink, n); err != nil {
			return err
		}
		if line, err := c.readLine(); err != nil || len(line) != 0 {
			return fmt.Errorf("%w: chunk not followed by CRLF", errMalformed)
		}
	}
}

// readLine returns one line without its CRLF. The slice is valid until
// the next read.
func (c *conn) readLine() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, fmt.Errorf("%w: line longer than %d bytes", errMalformed, c.br.Size())
		}
		return nil, err
	}
	return bytes.TrimRight(line, "\r\n"), nil
}

func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		x, y := b[i], s[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
