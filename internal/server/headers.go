package server

import (
	"net/http"

	"github.com/ordermgmt/ordermgmt/api"
)

// headerValue is h.Get(key) for a key in canonical form (TestHeaderKeys
// holds the keys the server passes). It reads the map directly: Header.Get
// canonicalizes its key again on every call, and a request reads about
// twenty headers on its way through the server.
func headerValue(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// The token call's headers in canonical form (Client_id, Client_secret).
var (
	clientIDKey     = http.CanonicalHeaderKey(api.HeaderClientID)
	clientSecretKey = http.CanonicalHeaderKey(api.HeaderClientSecret)
)
