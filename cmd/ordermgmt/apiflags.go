package main

// What the API subcommands (token, image, category, receipt, order) share:
// the flags and environment variables that say where the service is and
// who calls it, the client built from them, and how results and errors are
// written.

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/ordermgmt/ordermgmt/api"
	"github.com/ordermgmt/ordermgmt/client"
	"github.com/ordermgmt/ordermgmt/internal/buildinfo"
)

// The environment variables the API subcommands read when a flag is not given.
const (
	envBaseURL         = "VIPPS_BASE_URL"
	envClientID        = "VIPPS_CLIENT_ID"
	envClientSecret    = "VIPPS_CLIENT_SECRET"
	envSubscriptionKey = "VIPPS_SUBSCRIPTION_KEY"
	envMSN             = "VIPPS_MSN"
)

// defaultBaseURL is where `ordermgmt serve` listens by default.
const defaultBaseURL = "http://127.0.0.1:8080"

// cliSystemName is sent as Vipps-System-Name by every API subcommand.
const cliSystemName = "ordermgmt-cli"

// apiFlags holds the flags every API subcommand shares. Secrets have no
// flag default (they are read from the environment after parsing), so
// that -h never prints them.
type apiFlags struct {
	baseURL, envName                             string
	clientID, clientSecret, subscriptionKey, msn string
	paymentType                                  string
	json, verbose                                bool
}

// register adds the shared flags to fs; --payment-type only for the
// commands about an order.
func (f *apiFlags) register(fs *flag.FlagSet, order bool) {
	fs.StringVar(&f.baseURL, "base-url", "", "base URL of the service (env "+envBaseURL+", which may also be test or production; default "+defaultBaseURL+")")
	fs.StringVar(&f.envName, "env", "", "named environment instead of --base-url: test or production")
	fs.StringVar(&f.clientID, "client-id", "", "client_id of the sales unit (env "+envClientID+")")
	fs.StringVar(&f.clientSecret, "client-secret", "", "client_secret of the sales unit; prefer env "+envClientSecret+", which stays out of shell history")
	fs.StringVar(&f.subscriptionKey, "subscription-key", "", "Ocp-Apim-Subscription-Key of the sales unit (env "+envSubscriptionKey+")")
	fs.StringVar(&f.msn, "msn", "", "Merchant-Serial-Number, 4 to 7 digits (env "+envMSN+")")
	fs.BoolVar(&f.json, "json", false, "print the result as JSON, for scripts; a failure too, on standard output")
	fs.BoolVar(&f.verbose, "verbose", false, "print each HTTP exchange to standard error: method, URL, status, duration, trace id (never a secret or token)")
	if order {
		fs.StringVar(&f.paymentType, "payment-type", "ecom", "payment type of the order: ecom (eCom, ePayment) or recurring")
	}
}

// resolveBaseURL picks the base URL: --base-url, else --env, else the
// environment, else the local server.
func resolveBaseURL(flagURL, envName string, getenv func(string) string) (string, error) {
	switch {
	case flagURL != "" && envName != "":
		return "", errors.New("pass either --base-url or --env, not both")
	case envName != "":
		if n := strings.ToLower(envName); n != client.EnvTest && n != client.EnvProduction {
			return "", fmt.Errorf("--env %q: use test or production, or --base-url for any other address", envName)
		}
		return client.ResolveBaseURL(envName)
	case flagURL != "":
		u, err := client.ResolveBaseURL(flagURL)
		if err != nil {
			return "", fmt.Errorf("--base-url: %w", err)
		}
		return u, nil
	case getenv(envBaseURL) != "":
		u, err := client.ResolveBaseURL(getenv(envBaseURL))
		if err != nil {
			return "", fmt.Errorf("%s: %w", envBaseURL, err)
		}
		return u, nil
	}
	return defaultBaseURL, nil
}

// orderType parses --payment-type.
func (f *apiFlags) orderType() (api.PaymentType, error) {
	pt, ps := api.ParsePaymentType(f.paymentType)
	if len(ps) > 0 {
		return "", usagef("--payment-type %q: use ecom or recurring", f.paymentType)
	}
	return pt, nil
}

// parseOrder parses the arguments of a command that names one order: the
// flags, the ORDER argument and --payment-type.
func (f *apiFlags) parseOrder(fs *flag.FlagSet, args []string) (orderID string, pt api.PaymentType, err error) {
	pos, err := parseArgs(fs, args)
	if err != nil {
		return "", "", err
	}
	if err := wantArgs(fs, pos, "ORDER"); err != nil {
		return "", "", err
	}
	pt, err = f.orderType()
	return pos[0], pt, err
}

// client builds a client from the flags and the environment. Everything
// missing or malformed is a usage error that names the flag and the
// variable to set, all problems at once; needMSN is false for the token,
// which may be fetched without a merchant.
func (f *apiFlags) client(e *env, needMSN bool) (*client.Client, error) {
	cfg, err := f.clientConfig(e, needMSN)
	if err != nil {
		return nil, err
	}
	c, err := client.New(cfg)
	if err != nil {
		return nil, usagef("%v", err)
	}
	return c, nil
}

// clientConfig is the client configuration of the flags and environment,
// checked as client describes.
func (f *apiFlags) clientConfig(e *env, needMSN bool) (client.Config, error) {
	var problems []string
	base, err := resolveBaseURL(f.baseURL, f.envName, e.getenv)
	if err != nil {
		problems = append(problems, err.Error())
	}
	value := func(flagValue, name string) string {
		if flagValue != "" {
			return flagValue
		}
		return e.getenv(name)
	}
	id := value(f.clientID, envClientID)
	secret := value(f.clientSecret, envClientSecret)
	key := value(f.subscriptionKey, envSubscriptionKey)
	msn := value(f.msn, envMSN)
	for _, c := range []struct{ v, what, flag, env string }{
		{id, "client id", "--client-id", envClientID},
		{secret, "client secret", "--client-secret", envClientSecret},
		{key, "subscription key", "--subscription-key", envSubscriptionKey},
	} {
		if c.v == "" {
			problems = append(problems, fmt.Sprintf("missing %s: pass %s or set %s", c.what, c.flag, c.env))
		}
	}
	switch {
	case msn == "" && needMSN:
		problems = append(problems, "missing merchant serial number: pass --msn or set "+envMSN)
	case msn != "":
		for _, p := range api.CheckMSN(msn) {
			problems = append(problems, fmt.Sprintf("--msn (or %s): %s", envMSN, p.Reason))
		}
	}
	if len(problems) > 0 {
		return client.Config{}, usagef("%s", strings.Join(problems, "\n  "))
	}
	return client.Config{
		BaseURL:         base,
		ClientID:        id,
		ClientSecret:    secret,
		SubscriptionKey: key,
		MSN:             msn,
		System:          client.System{Name: cliSystemName, Version: buildinfo.Version()},
		HTTPClient:      f.httpClient(e),
	}, nil
}

// apiError is a failed call, written for people: the client's user
// message, every invalid parameter, and the trace id that support needs.
type apiError struct {
	msg string
	err error
}

func (a *apiError) Error() string { return a.msg }
func (a *apiError) Unwrap() error { return a.err }

// failure turns an error of the client into what the CLI prints: a usage
// error for a configuration problem (exit 2), otherwise an apiError
// (exit 1).
func failure(c *client.Client, err error) error {
	var ce *client.ConfigError
	if errors.As(err, &ce) {
		return usagef("%v", err)
	}
	var b strings.Builder
	b.WriteString(client.UserMessage(err))
	var svcErr *client.Error
	errors.As(err, &svcErr)
	if cause, ok := client.Unreachable(err); ok {
		fmt.Fprintf(&b, "\n  base URL: %s", c.BaseURL())
		if cause == client.CauseRefused && c.BaseURL() == defaultBaseURL {
			b.WriteString("\n  hint: is `ordermgmt serve` running?")
		}
	}
	if svcErr != nil && len(svcErr.InvalidParams) > 3 {
		// The user message names the first few; list them all. The local
		// checks catch most problems before a request, but another
		// implementation of the API may find more.
		b.WriteString("\nAll problems:")
		writeParams(&b, svcErr.InvalidParams)
	}
	if id := client.TraceID(err); id != "" {
		fmt.Fprintf(&b, "\n  trace id: %s", id)
	}
	return &apiError{msg: b.String(), err: err}
}

// writeParams lists problems one a line, indented, with their codes.
func writeParams(w io.Writer, ps []api.InvalidParam) {
	for _, p := range ps {
		fmt.Fprintf(w, "\n  %s: %s [%s]", p.Name, p.Reason, p.Code)
	}
}

// writeJSON writes v as indented JSON, as scripts read it.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
