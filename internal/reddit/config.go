package reddit

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
)

// The addresses of Reddit's API: the OAuth API (with credentials), the
// public JSON listings of the web site (without), and where app-only
// tokens are issued.
const (
	DefaultAPI    = "https://oauth.reddit.com"
	DefaultPublic = "https://www.reddit.com"
	DefaultAuth   = "https://www.reddit.com"
)

// Settings of a reddit source.
const (
	SettingClientID     = "client_id"
	SettingClientSecret = "client_secret" // a secret (vigie.SecretSetting)
	SettingSubreddits   = "subreddits"
	SettingQuery        = "query"
	SettingUserAgent    = "user_agent"
	SettingUsername     = "username"
	SettingAuthURL      = "auth_url"
)

// Bounds on the settings.
const (
	maxQuery         = 512 // Reddit's own limit on q
	maxUserAgent     = 256
	maxSubreddits    = 100
	subredditsPerURL = 25 // r/a+b+…: one listing for many subreddits
)

// config is a source's settings, checked.
type config struct {
	oauth            bool
	clientID, secret string
	api, auth        string // without a trailing slash
	subs             []string
	query            string
	ua               string
}

// Check validates a reddit source and completes it: the default address
// for its mode (the OAuth API with credentials, the public listings
// without), settings in their normal form. Errors wrap vigie.ErrInvalid
// and say what to fix; they never hold the secret.
func Check(src *vigie.Source) error {
	cfg, err := configOf(src)
	if err != nil {
		return err
	}
	src.URL = cfg.api
	if src.Settings == nil && (len(cfg.subs) > 0 || cfg.query != "") {
		src.Settings = map[string]string{}
	}
	if len(cfg.subs) > 0 {
		src.Settings[SettingSubreddits] = strings.Join(cfg.subs, ",")
	}
	if cfg.query != "" {
		src.Settings[SettingQuery] = cfg.query
	}
	return nil
}

func configOf(src *vigie.Source) (config, error) {
	s := src.Settings
	get := func(k string) string { return strings.TrimSpace(s[k]) }
	cfg := config{clientID: get(SettingClientID), secret: get(SettingClientSecret), query: strings.Join(strings.Fields(s[SettingQuery]), " ")}
	switch {
	case cfg.clientID != "" && cfg.secret == "":
		return config{}, fmt.Errorf("%w: reddit: a client_id without its client_secret; give both (from reddit.com/prefs/apps) or neither", vigie.ErrInvalid)
	case cfg.clientID == "" && cfg.secret != "":
		return config{}, fmt.Errorf("%w: reddit: a client_secret without its client_id; give both (from reddit.com/prefs/apps) or neither", vigie.ErrInvalid)
	case strings.ContainsAny(cfg.clientID, ": \t\r\n") || len(cfg.clientID) > 100:
		return config{}, fmt.Errorf("%w: reddit: the client_id is not one (it is the short code under the app's name at reddit.com/prefs/apps)", vigie.ErrInvalid)
	case strings.IndexFunc(cfg.secret, unicode.IsControl) >= 0 || len(cfg.secret) > 200:
		return config{}, fmt.Errorf("%w: reddit: the client_secret is not one (copy it again from reddit.com/prefs/apps)", vigie.ErrInvalid)
	}
	cfg.oauth = cfg.clientID != ""

	var err error
	if cfg.api, err = baseURL(src.URL, cfg.oauth); err != nil {
		return config{}, err
	}
	cfg.auth = DefaultAuth
	if a := get(SettingAuthURL); a != "" {
		if cfg.auth, err = checkURL(a, "auth_url"); err != nil {
			return config{}, err
		}
	} else if u, _ := url.Parse(cfg.api); u != nil && !strings.EqualFold(u.Host, "oauth.reddit.com") {
		cfg.auth = cfg.api // a test server, or a proxy: tokens from the same place
	}

	if cfg.subs, err = subreddits(s[SettingSubreddits]); err != nil {
		return config{}, err
	}
	switch q := cfg.query; {
	case len(q) > maxQuery:
		return config{}, fmt.Errorf("%w: reddit: the query is %d bytes long; Reddit takes at most %d", vigie.ErrInvalid, len(q), maxQuery)
	case strings.IndexFunc(q, unicode.IsControl) >= 0:
		return config{}, fmt.Errorf("%w: reddit: the query holds a control character; use plain text", vigie.ErrInvalid)
	}

	cfg.ua = get(SettingUserAgent)
	user := strings.TrimPrefix(strings.TrimPrefix(get(SettingUsername), "/"), "u/")
	if user != "" && !validName(user, 3, 20, true) {
		return config{}, fmt.Errorf("%w: reddit: username %q: give the Reddit account that runs the app, without /u/ (letters, digits, - and _)", vigie.ErrInvalid, user)
	}
	if cfg.ua == "" {
		cfg.ua = DefaultUserAgent(user)
	} else if err := checkUserAgent(cfg.ua); err != nil {
		return config{}, err
	}
	return cfg, nil
}

// baseURL is the API address: the source's, or the default of its mode. A
// default of the other mode (the source gained or lost its credentials)
// becomes this mode's.
func baseURL(raw string, oauth bool) (string, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	def := DefaultPublic
	if oauth {
		def = DefaultAPI
	}
	if raw == "" || strings.EqualFold(raw, DefaultAPI) || strings.EqualFold(raw, DefaultPublic) || strings.EqualFold(raw, "https://reddit.com") {
		return def, nil
	}
	return checkURL(raw, "address")
}

func checkURL(raw, what string) (string, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%w: reddit: the %s %q is not a web address without query (leave it empty for Reddit's own)", vigie.ErrInvalid, what, raw)
	}
	return raw, nil
}

// subreddits reads "a, r/b, /r/c/, https://www.reddit.com/r/d" into
// ["a", "b", "c", "d"], each once.
func subreddits(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == ';' }) {
		name := f
		if u, err := url.Parse(f); err == nil && u.Host != "" {
			name = u.Path
		}
		name = strings.Trim(name, "/")
		name = strings.TrimPrefix(strings.TrimPrefix(name, "r/"), "R/")
		name = strings.Trim(name, "/")
		if !validName(name, 2, 21, false) {
			return nil, fmt.Errorf("%w: reddit: subreddit %q: give names such as \"epfl\" or \"r/switzerland\" (2 to 21 letters, digits or _), separated by commas", vigie.ErrInvalid, f)
		}
		if k := strings.ToLower(name); !seen[k] {
			seen[k] = true
			out = append(out, name)
		}
	}
	if len(out) > maxSubreddits {
		return nil, fmt.Errorf("%w: reddit: %d subreddits; at most %d per source", vigie.ErrInvalid, len(out), maxSubreddits)
	}
	return out, nil
}

func validName(s string, lo, hi int, dash bool) bool {
	if len(s) < lo || len(s) > hi {
		return false
	}
	for _, c := range []byte(s) {
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || dash && c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// checkUserAgent holds a user agent to Reddit's rule:
// "<platform>:<app id>:<version> (by /u/<name>)".
func checkUserAgent(ua string) error {
	bad := func(why string) error {
		return fmt.Errorf("%w: reddit: user_agent %q %s; Reddit asks for \"<platform>:<app id>:<version> (by /u/<your Reddit name>)\", e.g. \"server:ch.example.vigie:1.0 (by /u/example)\"", vigie.ErrInvalid, clip(ua), why)
	}
	if len(ua) > maxUserAgent {
		return bad(fmt.Sprintf("is longer than %d bytes", maxUserAgent))
	}
	for _, r := range ua {
		if r < 0x20 || r > 0x7e {
			return bad("holds characters other than printable ASCII")
		}
	}
	head, _, _ := strings.Cut(ua, " ")
	if parts := strings.Split(head, ":"); len(parts) < 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return bad("does not start with platform:app:version")
	}
	return nil
}

// DefaultUserAgent is the User-Agent of a source without its own, in
// Reddit's form, built from Vigie's: "server:vigie:1.0 (by /u/<username>)"
// when the source names the Reddit account that runs it, else with Vigie's
// address in place of the account.
func DefaultUserAgent(username string) string {
	version := "1.0"
	if _, rest, ok := strings.Cut(connector.UserAgent, "/"); ok {
		if v, _, _ := strings.Cut(rest, " "); v != "" {
			version = v
		}
	}
	ua := "server:vigie:" + version
	if username != "" {
		return ua + " (by /u/" + username + ")"
	}
	return ua + " (+https://github.com/vigie-project/vigie; self-hosted social listening)"
}
