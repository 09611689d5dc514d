package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
)

// NetworkCause says why a request did not reach the service, for messages
// and for deciding what to tell a user to check.
type NetworkCause string

// The causes Unreachable tells apart.
const (
	// CauseRefused: the host answered, but nothing listens on the port.
	CauseRefused NetworkCause = "connection refused"
	// CauseDNS: the host name does not resolve.
	CauseDNS NetworkCause = "host not found"
	// CauseTLS: the TLS handshake failed, such as https against a plain
	// http server or a certificate that is not trusted.
	CauseTLS NetworkCause = "TLS handshake failed"
	// CauseTimeout: no answer in time.
	CauseTimeout NetworkCause = "timed out"
	// CauseReset: the connection was closed or reset before an answer.
	CauseReset NetworkCause = "connection closed"
	// CauseOther: any other transport failure.
	CauseOther NetworkCause = "network error"
)

// Unreachable reports why err, returned by a call, means the service was
// not reached, with ok false when the service did answer (an *Error) or
// the call failed for another reason.
func Unreachable(err error) (cause NetworkCause, ok bool) {
	var se *Error
	var ue *url.Error
	if err == nil || errors.As(err, &se) || !errors.As(err, &ue) {
		return "", false
	}
	var dnsErr *net.DNSError
	var recErr tls.RecordHeaderError
	var alert tls.AlertError
	var verify *tls.CertificateVerificationError
	var unknownCA x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	var netErr net.Error
	switch {
	// DNS first: a resolver that cannot be reached fails with "refused" too.
	case errors.As(err, &dnsErr):
		if dnsErr.IsTimeout {
			return CauseTimeout, true
		}
		return CauseDNS, true
	case errors.Is(err, syscall.ECONNREFUSED):
		return CauseRefused, true
	// net/http replaces the TLS error of https against a plain-HTTP
	// server with an error of its own that has no type, only this text.
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		return CauseTLS, true
	case errors.As(err, &recErr), errors.As(err, &alert), errors.As(err, &verify),
		errors.As(err, &unknownCA), errors.As(err, &hostErr), errors.As(err, &invalid):
		return CauseTLS, true
	case errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &netErr) && netErr.Timeout():
		return CauseTimeout, true
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return CauseReset, true
	}
	return CauseOther, true
}

// unreachableMessage is UserMessage's sentence for a transport failure:
// the cause, where, and what to check.
func unreachableMessage(err error, cause NetworkCause) string {
	host := ""
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			host = u.Host
		}
	}
	switch cause {
	case CauseRefused:
		return "The service could not be reached: connection refused by " + host + "; nothing listens there. Check the base URL, and that the server is running."
	case CauseDNS:
		return "The service could not be reached: the host " + hostname(host) + " was not found (DNS). Check the base URL for a typo."
	case CauseTLS:
		msg := "The service could not be reached: the TLS handshake with " + host + " failed"
		var recErr tls.RecordHeaderError
		if errors.As(err, &recErr) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client") {
			return msg + " because it does not speak TLS. Use an http:// base URL for a plain-HTTP server."
		}
		return msg + " (" + innermost(err).Error() + "). Check the base URL and the server's certificate."
	case CauseTimeout:
		return "The service at " + host + " did not answer in time. Check the network connection and the base URL, then try again."
	case CauseReset:
		return "The service at " + host + " closed the connection without an answer. Check that the base URL points at the API, then try again."
	}
	return "The service at " + host + " could not be reached (" + innermost(err).Error() + "). Check the network connection and the base URL."
}

func hostname(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

// innermost unwraps err to the error that started the chain.
func innermost(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
