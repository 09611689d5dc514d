package console

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"io"
	"net/http"
	"sync"
	"time"
)

// cookieName is the session cookie.
const cookieName = "ordermgmt_console"

// Session lifetimes: idle sessions end after idleTTL, every session after
// maxTTL, and at most maxSessions are kept (the oldest goes first).
const (
	idleTTL     = 2 * time.Hour
	maxTTL      = 12 * time.Hour
	maxSessions = 10000
)

// session is one browser's state. Sessions live in memory: a restart signs
// everyone out, and behind a load balancer the console needs sticky
// sessions.
type session struct {
	key     string // sha256 of the cookie value
	user    string // "" before sign-in
	msns    []string
	csrf    string
	created time.Time
	seen    time.Time
}

func (s *session) signedIn() bool { return s.user != "" }

type sessions struct {
	mu   sync.Mutex
	m    map[string]*session
	now  func() time.Time
	rand io.Reader
}

func newSessions(now func() time.Time, rand io.Reader) *sessions {
	return &sessions{m: make(map[string]*session), now: now, rand: rand}
}

func (ss *sessions) token() (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(ss.rand, b[:]); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// hashKey keeps cookie values out of memory dumps and map timing.
func hashKey(v string) string {
	sum := sha256.Sum256([]byte(v))
	return string(sum[:])
}

// get returns the live session of the request's cookie, or nil.
func (ss *sessions) get(r *http.Request) *session {
	ck, err := r.Cookie(cookieName)
	if err != nil || ck.Value == "" {
		return nil
	}
	now := ss.now()
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s := ss.m[hashKey(ck.Value)]
	if s == nil {
		return nil
	}
	if now.Sub(s.seen) > idleTTL || now.Sub(s.created) > maxTTL {
		delete(ss.m, s.key)
		return nil
	}
	s.seen = now
	return s
}

// start makes a new session for user (or an anonymous one) and sets its
// cookie. A sign-in always starts a new session, so a session id planted
// before sign-in is worth nothing after it.
func (ss *sessions) start(w http.ResponseWriter, r *http.Request, user string, msns []string) (*session, error) {
	value, err := ss.token()
	if err != nil {
		return nil, err
	}
	csrf, err := ss.token()
	if err != nil {
		return nil, err
	}
	now := ss.now()
	s := &session{key: hashKey(value), user: user, msns: msns, csrf: csrf, created: now, seen: now}
	ss.mu.Lock()
	if len(ss.m) >= maxSessions {
		ss.evictLocked(now)
	}
	ss.m[s.key] = s
	ss.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: value, Path: Prefix + "/",
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secureCookie(r),
	})
	return s, nil
}

// end removes a session and clears its cookie.
func (ss *sessions) end(w http.ResponseWriter, r *http.Request, s *session) {
	ss.mu.Lock()
	delete(ss.m, s.key)
	ss.mu.Unlock()
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: "", Path: Prefix + "/", MaxAge: -1,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secureCookie(r),
	})
}

// evictLocked drops expired sessions, and if none expired the oldest.
func (ss *sessions) evictLocked(now time.Time) {
	var oldest *session
	for k, s := range ss.m {
		if now.Sub(s.seen) > idleTTL || now.Sub(s.created) > maxTTL {
			delete(ss.m, k)
			continue
		}
		if oldest == nil || s.seen.Before(oldest.seen) {
			oldest = s
		}
	}
	if len(ss.m) >= maxSessions && oldest != nil {
		delete(ss.m, oldest.key)
	}
}

// secureCookie is true unless the console is reached over plain HTTP on a
// loopback address, where browsers would not send a Secure cookie back.
func secureCookie(r *http.Request) bool {
	return r.TLS != nil || !isLoopbackHost(r.Host)
}

// checkCSRF compares the form's token with the session's.
func checkCSRF(r *http.Request, s *session) bool {
	got := r.PostFormValue("csrf")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.csrf)) == 1
}
