// Package config holds the server's configuration: one struct, filled from
// defaults, then the environment, then flags, and passed down explicitly.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Config is everything `ordermgmt serve` can be told.
type Config struct {
	// Addr is the listen address; port 0 picks a free port.
	Addr string
	// DataDir holds the embedded SQLite database and the signing key.
	DataDir string
	// DatabaseURL selects the PostgreSQL store when set (postgres://...).
	DatabaseURL string
	// ConfigFile lists the sales units of configured mode; empty means
	// sandbox mode, where any credentials get a token.
	ConfigFile string
	// SigningKeyFile is a PEM Ed25519 key to sign tokens with; empty means
	// a key kept in the data folder (or, on PostgreSQL, in the database).
	SigningKeyFile string
	// TokenTTL is how long access tokens live.
	TokenTTL time.Duration
	// LogFormat is "text" or "json".
	LogFormat string
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// ShutdownTimeout bounds how long in-flight requests may finish.
	ShutdownTimeout time.Duration
	// Pprof serves net/http/pprof under /debug/pprof/ when set.
	Pprof bool
	// CommitPerRequest turns group commit off, for comparison.
	CommitPerRequest bool
	// JournalSize is how many requests the sandbox's journal keeps per
	// merchant; 0 turns the journal off.
	JournalSize int

	// Limits (contract §8); README "Limits" lists each with its default.
	// MaxConns bounds open connections.
	MaxConns int
	// MaxBodyMemory bounds the bytes of request bodies in memory at once.
	MaxBodyMemory int64
	// LoadWait is how long a request waits for room under those bounds
	// before 503.
	LoadWait time.Duration
	// BodyTimeout is how long a request may take to arrive; then 408.
	BodyTimeout time.Duration
	// DrainBytes and DrainTimeout bound the reading of an oversize body
	// before its 413.
	DrainBytes   int64
	DrainTimeout time.Duration
	// RateLimit and RateBurst are the token bucket of each client and
	// merchant (requests per second; 0 turns it off); TokenRateLimit and
	// TokenRateBurst the same for token requests.
	RateLimit      float64
	RateBurst      int
	TokenRateLimit float64
	TokenRateBurst int
}

// Default returns the configuration used when nothing is set.
func Default() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		DataDir:         "./ordermgmt-data",
		TokenTTL:        time.Hour,
		LogFormat:       "text",
		LogLevel:        "info",
		ShutdownTimeout: 15 * time.Second,
		JournalSize:     10_000,
		MaxConns:        10000,
		MaxBodyMemory:   256 << 20,
		LoadWait:        time.Second,
		BodyTimeout:     60 * time.Second,
		DrainBytes:      8 << 20,
		DrainTimeout:    10 * time.Second,
		RateLimit:       50000,
		RateBurst:       100000,
		TokenRateLimit:  100,
		TokenRateBurst:  200,
	}
}

// Env names the environment variable of each setting.
var Env = struct {
	Addr, Data, Database, Config, SigningKey, TokenTTL, LogFormat, LogLevel string
	JournalSize                                                             string
}{
	"ORDERMGMT_ADDR", "ORDERMGMT_DATA", "ORDERMGMT_DATABASE_URL", "ORDERMGMT_CONFIG",
	"ORDERMGMT_SIGNING_KEY", "ORDERMGMT_TOKEN_TTL", "ORDERMGMT_LOG_FORMAT", "ORDERMGMT_LOG_LEVEL",
	"ORDERMGMT_JOURNAL_SIZE",
}

// Load builds the configuration of `serve` from its arguments and the
// environment: flags win over the environment, which wins over defaults.
// A usage problem is returned as an error wrapping ErrUsage.
func Load(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	c := Default()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.Register(fs)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("%w: unexpected argument %q", ErrUsage, fs.Arg(0))
	}
	return c, c.Complete(fs, getenv)
}

// Register adds serve's flags to fs, bound to c's fields. Flags are
// registered with the built-in defaults, not the environment's values, so
// `serve -h` never prints a database password from the environment.
func (c *Config) Register(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (env "+Env.Addr+")")
	fs.StringVar(&c.DataDir, "data", c.DataDir, "data folder of the embedded store and the signing key (env "+Env.Data+")")
	fs.StringVar(&c.DatabaseURL, "database", c.DatabaseURL, "PostgreSQL URL; the embedded SQLite store is used when empty (env "+Env.Database+")")
	fs.StringVar(&c.ConfigFile, "config", c.ConfigFile, "sales units file for configured mode; sandbox mode when empty (env "+Env.Config+")")
	fs.StringVar(&c.SigningKeyFile, "signing-key", c.SigningKeyFile, "PEM Ed25519 token signing key (env "+Env.SigningKey+")")
	fs.DurationVar(&c.TokenTTL, "token-ttl", c.TokenTTL, "access token lifetime (env "+Env.TokenTTL+")")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "log format: text or json (env "+Env.LogFormat+")")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "log level: debug, info, warn or error (env "+Env.LogLevel+")")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long in-flight requests may finish on shutdown")
	fs.BoolVar(&c.Pprof, "pprof", false, "serve net/http/pprof under /debug/pprof/")
	fs.BoolVar(&c.CommitPerRequest, "commit-per-request", false, "commit each write on its own instead of grouping concurrent commits")
	fs.IntVar(&c.JournalSize, "journal-size", c.JournalSize, "requests the sandbox journal keeps per merchant; 0 turns the journal off (env "+Env.JournalSize+")")
	fs.IntVar(&c.MaxConns, "max-conns", c.MaxConns, "most connections open at once")
	fs.Int64Var(&c.MaxBodyMemory, "max-body-memory", c.MaxBodyMemory, "most bytes of request bodies held in memory at once")
	fs.DurationVar(&c.LoadWait, "load-wait", c.LoadWait, "how long a request waits for a connection slot or body memory before 503")
	fs.DurationVar(&c.BodyTimeout, "body-timeout", c.BodyTimeout, "how long a request may take to arrive before 408")
	fs.Int64Var(&c.DrainBytes, "drain-bytes", c.DrainBytes, "most bytes of an oversize body read and discarded before its 413")
	fs.DurationVar(&c.DrainTimeout, "drain-timeout", c.DrainTimeout, "most time spent discarding an oversize body before its 413")
	fs.Float64Var(&c.RateLimit, "rate-limit", c.RateLimit, "requests per second per client and merchant (0: no limit)")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "requests a client and merchant may send at once above --rate-limit")
	fs.Float64Var(&c.TokenRateLimit, "token-rate-limit", c.TokenRateLimit, "token requests per second per client_id and merchant (0: no limit)")
	fs.IntVar(&c.TokenRateBurst, "token-rate-burst", c.TokenRateBurst, "token requests at once above --token-rate-limit")
}

// Complete fills from the environment what no flag of fs (parsed, with
// Register's flags) set, then checks the result. A usage problem is
// returned as an error wrapping ErrUsage.
func (c *Config) Complete(fs *flag.FlagSet, getenv func(string) string) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var errs []error
	fromEnv := func(flagName, envName string, dst *string) {
		if v := getenv(envName); v != "" && !set[flagName] {
			*dst = v
		}
	}
	fromEnv("addr", Env.Addr, &c.Addr)
	fromEnv("data", Env.Data, &c.DataDir)
	fromEnv("database", Env.Database, &c.DatabaseURL)
	fromEnv("config", Env.Config, &c.ConfigFile)
	fromEnv("signing-key", Env.SigningKey, &c.SigningKeyFile)
	fromEnv("log-format", Env.LogFormat, &c.LogFormat)
	fromEnv("log-level", Env.LogLevel, &c.LogLevel)
	if v := getenv(Env.TokenTTL); v != "" && !set["token-ttl"] {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want a duration such as 1h or 30m", Env.TokenTTL, v))
		}
		c.TokenTTL = d
	}
	if v := getenv(Env.JournalSize); v != "" && !set["journal-size"] {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s=%q: want a whole number of entries, 0 for off", Env.JournalSize, v))
		}
		c.JournalSize = n
	}
	if len(errs) == 0 {
		errs = c.Validate()
	}
	if len(errs) > 0 {
		return fmt.Errorf("%w: %w", ErrUsage, errors.Join(errs...))
	}
	return nil
}

// ErrUsage marks a configuration the user must correct.
var ErrUsage = errors.New("usage")

// Validate lists every setting that cannot work.
func (c Config) Validate() []error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("--addr must not be empty; use host:port such as 127.0.0.1:8080"))
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		errs = append(errs, errors.New("--data must name a folder for the embedded store"))
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, errors.New("--database must be a postgres:// URL"))
	}
	if c.JournalSize < 0 || c.JournalSize > 1_000_000 {
		errs = append(errs, fmt.Errorf("--journal-size %d must be between 0 (off) and 1000000", c.JournalSize))
	}
	if c.TokenTTL < time.Minute || c.TokenTTL > 7*24*time.Hour {
		errs = append(errs, fmt.Errorf("--token-ttl %s must be between 1m and 168h", c.TokenTTL))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("--log-format %q must be text or json", c.LogFormat))
	}
	if c.MaxConns < 1 {
		errs = append(errs, fmt.Errorf("--max-conns %d must be at least 1", c.MaxConns))
	}
	// The largest body (an image, 3 MiB) must fit, or it could never be read.
	if c.MaxBodyMemory < 4<<20 {
		errs = append(errs, fmt.Errorf("--max-body-memory %d must be at least 4194304 (4 MiB), the largest body", c.MaxBodyMemory))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--load-wait", c.LoadWait}, {"--body-timeout", c.BodyTimeout}, {"--drain-timeout", c.DrainTimeout}} {
		if d.v <= 0 {
			errs = append(errs, fmt.Errorf("%s %s must be positive", d.name, d.v))
		}
	}
	if c.DrainBytes < 0 {
		errs = append(errs, fmt.Errorf("--drain-bytes %d must not be negative", c.DrainBytes))
	}
	if c.RateLimit < 0 || c.TokenRateLimit < 0 || c.RateBurst < 0 || c.TokenRateBurst < 0 {
		errs = append(errs, errors.New("--rate-limit, --rate-burst, --token-rate-limit and --token-rate-burst must not be negative"))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level %q must be debug, info, warn or error", c.LogLevel))
	}
	return errs
}

// Mode is "sandbox" or "configured", for the start-up banner and logs.
func (c Config) Mode() string {
	if c.ConfigFile != "" {
		return "configured (" + c.ConfigFile + ")"
	}
	return "sandbox (any credentials get a token)"
}
