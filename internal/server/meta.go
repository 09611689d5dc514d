package server

import (
	"context"
	_ "embed"
	"net/http"
	"strconv"
	"time"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/internal/buildinfo"
)

//go:embed openapi.yaml
var openAPIDoc []byte

// jwksDoc publishes the token verification keys, so any verifier can check
// our tokens.
func (s *Server) jwksDoc(w http.ResponseWriter, r *http.Request, _ *input) error {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeRaw(w, http.StatusOK, "application/json", s.keys.JWKS())
	return nil
}

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request, _ *input) error {
	writeRaw(w, http.StatusOK, "application/yaml", openAPIDoc)
	return nil
}

// problemDoc makes each problem type URI resolve to a description of it.
func (s *Server) problemDoc(w http.ResponseWriter, r *http.Request, _ *input) error {
	name := r.PathValue("name")
	for _, k := range api.Kinds {
		if k.Name() == name {
			writeJSON(w, http.StatusOK, "application/json", map[string]any{
				"type": k.Type(), "title": k.Title(), "status": k.Status(),
			})
			return nil
		}
	}
	return api.NewProblem(api.ErrNotFound, api.CodeRouteNotFound, "No problem type "+name+".")
}

// healthBody is the answer of /healthz, with the version that `ordermgmt
// version` and serve's banner report.
var healthBody = []byte(`{"status":"ok","version":` + strconv.Quote(buildinfo.Version()) + "}\n")

// healthz reports that the process serves HTTP, and which build it is.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request, _ *input) error {
	writeRaw(w, http.StatusOK, "application/json", healthBody)
	return nil
}

// writeChecker is a store that can tell whether writes pass again.
type writeChecker interface {
	CheckWrite(ctx context.Context) error
}

// readyz reports whether the store answers, for load balancers; while the
// store refuses writes for lack of space it answers 503 naming that, until
// a write passes again (contract §8).
func (s *Server) readyz(w http.ResponseWriter, r *http.Request, _ *input) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.storageFull.Load() {
		wc, ok := s.store.(writeChecker)
		if !ok || wc.CheckWrite(ctx) != nil {
			w.Header().Set("Retry-After", "5")
			writeRaw(w, http.StatusServiceUnavailable, "text/plain; charset=utf-8",
				[]byte("storage_full: the store has no space left; writes are refused until space is freed\n"))
			return nil
		}
		s.storageFull.Store(false)
	}
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("not ready", "err", err)
		w.Header().Set("Retry-After", "1")
		writeRaw(w, http.StatusServiceUnavailable, "text/plain; charset=utf-8", []byte("store unavailable\n"))
		return nil
	}
	writeRaw(w, http.StatusOK, "text/plain; charset=utf-8", []byte("ready\n"))
	return nil
}
