// Package app assembles a running server from a config.Config: the store,
// the signing keys, the authenticator, the HTTP server and its listener.
// The serve command, the end-to-end tests, clienttest and the bench all
// start the server through it, so they run the very same program.
package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/ordermgmt/ordermgmt/internal/auth"
	"github.com/ordermgmt/ordermgmt/internal/config"
	"github.com/ordermgmt/ordermgmt/internal/console"
	"github.com/ordermgmt/ordermgmt/internal/sandbox"
	"github.com/ordermgmt/ordermgmt/internal/server"
	"github.com/ordermgmt/ordermgmt/internal/store"
	"github.com/ordermgmt/ordermgmt/internal/store/sqlite"
)

// App is a started server.
type App struct {
	// URL is where the server listens, such as http://127.0.0.1:8080.
	URL string
	// Store is the open store; the App closes it on Shutdown.
	Store store.Store
	// DataLocation names where data is kept, for the start-up banner.
	DataLocation string
	// Server is the HTTP surface, for its limits' counters (metrics).
	Server *server.Server
	// Listener is the connection-bounded listener the server serves.
	Listener *server.Listener
	// Deployment is what the store records of this deployment.
	Deployment store.Deployment

	cfg     config.Config
	log     *slog.Logger
	httpSrv *http.Server
	served  chan error
	// consoleKey is the subscription key of the console's own tokens.
	consoleKey string
	// sandbox is nil in configured mode.
	sandbox *sandbox.Sandbox
}

// Sandbox returns the sandbox's tools, or nil in configured mode.
func (a *App) Sandbox() *sandbox.Sandbox { return a.sandbox }

func (a *App) closeSandbox() {
	if a.sandbox != nil {
		a.sandbox.Close()
	}
}

// Start binds the listen address, opens the store, loads or creates the
// signing key and serves in the background until Shutdown.
func Start(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	return StartWith(ctx, cfg, log, Extension{})
}

// Extension is what a program built on the server (the relay) adds to it.
type Extension struct {
	// Outbox opens the store with its relay outbox on (store.Outbox), and
	// has the console show each order's deliveries.
	Outbox bool
	// Setup, if set, is given the opened store; it returns the store the
	// server is to use, routes to add and a wrapper of the server's handler
	// (either may be nil).
	Setup func(st store.Store) (store.Store, []server.Route, func(http.Handler) http.Handler, error)
}

// StartWith is Start for a server extended by ext.
func StartWith(ctx context.Context, cfg config.Config, log *slog.Logger, ext Extension) (*App, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	a := &App{cfg: cfg, log: log, served: make(chan error, 1), consoleKey: rand.Text()}
	// The port first: a busy one then fails before any data folder,
	// database or key file is created.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	started := false
	defer func() {
		if !started {
			ln.Close()
		}
	}()
	st, loc, err := openStore(ctx, cfg, ext.Outbox)
	if err != nil {
		return nil, err
	}
	a.Store, a.DataLocation = st, loc
	serveStore := store.Store(st)
	var (
		routes []server.Route
		wrap   func(http.Handler) http.Handler
	)
	if ext.Setup != nil {
		if serveStore, routes, wrap, err = ext.Setup(st); err != nil {
			st.Close()
			return nil, err
		}
	}
	keys, err := signingKeys(ctx, cfg, st)
	if err != nil {
		st.Close()
		return nil, err
	}

	authn, fc, err := authenticator(cfg)
	if err != nil {
		st.Close()
		return nil, err
	}
	dep, err := deployment(ctx, cfg, st)
	if err != nil {
		st.Close()
		return nil, err
	}
	a.Deployment = dep
	var sb *sandbox.Sandbox
	if cfg.ConfigFile == "" {
		if sst, ok := st.(sandbox.Store); ok {
			size := cfg.JournalSize
			if size == 0 {
				size = -1 // off
			}
			sb, err = sandbox.New(ctx, sandbox.Options{Store: sst, JournalSize: size, Logger: log})
			if err != nil {
				st.Close()
				return nil, err
			}
		}
	}
	a.sandbox = sb
	issuer := auth.NewIssuer(auth.IssuerConfig{Keys: keys, Issuer: "ordermgmt", TTL: cfg.TokenTTL,
		Mode: dep.Mode, Deployment: dep.ID})
	reg := newRegistry(serveStore, issuer)
	srv := server.New(server.Options{
		Store:         serveStore,
		Issuer:        issuer,
		Authenticator: consoleTokens{authn, a.consoleKey},
		Keys:          keys,
		Logger:        log,
		Pprof:         cfg.Pprof,
		Sandbox:       sb,
		Limits:        limits(cfg),
		Metrics:       reg,
		Routes:        routes,
	})

	// The support console shares the port: /console/ is its, the rest the API's.
	con, err := newConsole(srv, issuer, st, fc, cfg.Addr, a.consoleKey, sb != nil, ext.Outbox, log)
	if err != nil {
		a.closeSandbox()
		st.Close()
		return nil, err
	}
	var api http.Handler = srv
	if wrap != nil {
		api = wrap(srv)
	}
	// Split by prefix, not with a ServeMux: a mux would redirect unclean
	// API paths, which the API answers with 400 (contract §8).
	root := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := r.URL.Path; (p == console.Prefix || strings.HasPrefix(p, console.Prefix+"/")) && cleanPath(p) {
			con.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
	a.URL = "http://" + ln.Addr().String()
	lim := srv.Limits()
	a.httpSrv = &http.Server{
		Handler:           root,
		ReadHeaderTimeout: 10 * time.Second,
		// A body still arriving at ReadTimeout is answered 408; the
		// answer, and the drain before a 413, need the write to outlast it.
		ReadTimeout:    lim.BodyTimeout,
		WriteTimeout:   lim.BodyTimeout + lim.DrainTimeout + 30*time.Second,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	a.Server, a.Listener = srv, srv.Listen(ln)
	go func() { a.served <- a.httpSrv.Serve(a.Listener) }()
	started = true
	return a, nil
}

// Mode is the mode cfg runs in: configured with a sales units file, else
// sandbox.
func Mode(cfg config.Config) string {
	if cfg.ConfigFile != "" {
		return auth.ModeConfigured
	}
	return auth.ModeSandbox
}

// authenticator is the sandbox's, or the configured sales units' with the
// file they were read from.
func authenticator(cfg config.Config) (auth.Authenticator, *auth.FileConfig, error) {
	if cfg.ConfigFile == "" {
		return auth.Sandbox(), nil, nil
	}
	fc, err := auth.LoadConfig(cfg.ConfigFile)
	if err != nil {
		return nil, nil, err
	}
	return auth.Configured(fc), fc, nil
}

// deploymentStore is a store that records its deployment.
type deploymentStore interface {
	Deployment(ctx context.Context, proposed store.Deployment) (store.Deployment, error)
}

// deployment reads the deployment the store records, recording this
// node's on a new database, and refuses a database of another mode: a
// sandbox node on a configured deployment's database would mint tokens
// for any credentials (contract §8).
func deployment(ctx context.Context, cfg config.Config, st store.Store) (store.Deployment, error) {
	mode := Mode(cfg)
	ds, ok := st.(deploymentStore)
	if !ok {
		return store.Deployment{}, fmt.Errorf("the store does not record its deployment")
	}
	var id [16]byte
	if _, err := rand.Read(id[:]); err != nil {
		return store.Deployment{}, err
	}
	d, err := ds.Deployment(ctx, store.Deployment{ID: hex.EncodeToString(id[:]), Mode: mode})
	if err != nil {
		return store.Deployment{}, fmt.Errorf("read the deployment from the store: %w", err)
	}
	if d.Mode != mode {
		how := "start it without --config"
		if d.Mode == auth.ModeConfigured {
			how = "start it with the --config of that deployment"
		}
		return store.Deployment{}, fmt.Errorf("this database belongs to a deployment in %s mode (since %s), and this node would run in %s mode; %s, or give this node a database of its own",
			d.Mode, d.CreatedAt.Format(time.RFC3339), mode, how)
	}
	return d, nil
}

// Reload re-reads the sales units file (SIGHUP): tokens of a removed
// sales unit, or minted for a subscription key that changed, stop working
// at once. A file that does not load leaves the running configuration in
// force. In sandbox mode there is nothing to re-read.
func (a *App) Reload() error {
	if a.cfg.ConfigFile == "" {
		return nil
	}
	authn, _, err := authenticator(a.cfg)
	if err != nil {
		return fmt.Errorf("reload %s (the previous sales units stay in force): %w", a.cfg.ConfigFile, err)
	}
	a.Server.SetAuthenticator(consoleTokens{authn, a.consoleKey})
	return nil
}

// limits maps the configuration's bounds to the server's, where a rate
// of 0 means no limit and a drain of 0 bytes none.
func limits(cfg config.Config) server.Limits {
	l := server.Limits{
		MaxConns: cfg.MaxConns, BodyMemory: cfg.MaxBodyMemory, LoadWait: cfg.LoadWait,
		BodyTimeout: cfg.BodyTimeout, DrainBytes: cfg.DrainBytes, DrainTimeout: cfg.DrainTimeout,
		RateLimit: cfg.RateLimit, RateBurst: cfg.RateBurst,
		TokenRateLimit: cfg.TokenRateLimit, TokenRateBurst: cfg.TokenRateBurst,
	}
	if l.RateLimit == 0 {
		l.RateLimit = -1
	}
	if l.TokenRateLimit == 0 {
		l.TokenRateLimit = -1
	}
	if l.DrainBytes == 0 {
		l.DrainBytes = -1
	}
	return l
}

// cleanPath reports whether p has no ".", ".." or empty segment; an
// unclean path goes to the API, which refuses it, rather than being
// redirected somewhere else.
func cleanPath(p string) bool {
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// openStore opens the configured store and says where its data is.
func openStore(ctx context.Context, cfg config.Config, outbox bool) (store.Store, string, error) {
	if cfg.DatabaseURL != "" {
		// Through the registry, so that clienttest, which starts only
		// SQLite servers, does not link the PostgreSQL driver.
		st, err := store.OpenURL(ctx, cfg.DatabaseURL, store.OpenOptions{Outbox: outbox})
		if err != nil {
			return nil, "", err
		}
		loc := "database"
		if l, ok := st.(interface{ Location() string }); ok {
			loc = l.Location()
		}
		return st, loc, nil
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, "", fmt.Errorf("create data folder: %w", err)
	}
	path := filepath.Join(cfg.DataDir, "ordermgmt.db")
	st, err := sqlite.Open(ctx, path, sqlite.Options{CommitPerRequest: cfg.CommitPerRequest, Outbox: outbox})
	if err != nil {
		return nil, "", err
	}
	return st, path, nil
}

// keyStore is a store that keeps the token signing keys itself, so that
// every node on it signs with the same key and accepts the others' tokens.
type keyStore interface {
	SigningKeys(ctx context.Context) ([]ed25519.PrivateKey, error)
}

// signingKeys reads the operator's key file; or takes the keys of a store
// that keeps them (the newest signs, all verify); or keeps one in the data
// folder so tokens survive a restart.
func signingKeys(ctx context.Context, cfg config.Config, st store.Store) (*auth.KeySet, error) {
	if cfg.SigningKeyFile != "" {
		k, err := auth.ReadKeyFile(cfg.SigningKeyFile)
		if err != nil {
			return nil, err
		}
		return auth.NewKeySet(k), nil
	}
	if ks, ok := st.(keyStore); ok {
		keys, err := ks.SigningKeys(ctx)
		if err != nil {
			return nil, fmt.Errorf("load signing keys from the database: %w", err)
		}
		var verify []ed25519.PublicKey
		for _, k := range keys[1:] {
			verify = append(verify, k.Public().(ed25519.PublicKey))
		}
		return auth.NewKeySet(keys[0], verify...), nil
	}
	k, err := auth.LoadOrCreateKeyFile(filepath.Join(cfg.DataDir, "signing-key.pem"))
	if err != nil {
		return nil, err
	}
	return auth.NewKeySet(k), nil
}

// Done is closed with the serve error if the server stops by itself.
func (a *App) Done() <-chan error { return a.served }

// Shutdown stops accepting connections, lets in-flight requests finish
// within ctx, then closes the store.
func (a *App) Shutdown(ctx context.Context) error {
	err := a.httpSrv.Shutdown(ctx)
	// The journal's last entries are written before the store closes.
	a.closeSandbox()
	if cerr := a.Store.Close(); err == nil {
		err = cerr
	}
	return err
}
