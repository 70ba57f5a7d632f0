// Package config holds Vigie's settings, read once in main from flags, then
// VIGIE_* environment variables, then defaults. No globals.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/vigie-project/vigie/internal/secret"
)

// Config is the effective configuration.
type Config struct {
	Addr        string // HTTP listen address
	Data        string // folder for the embedded database and files
	DatabaseURL string // postgres://… to use PostgreSQL instead of SQLite
	LogLevel    string // debug, info, warn, error
	// AllowPrivateFetch lets sources fetch from private and loopback
	// addresses (an admin's choice; off by default against SSRF).
	AllowPrivateFetch bool
	// SecureCookies marks the web app's cookies Secure: set it when users
	// reach Vigie over HTTPS through a proxy (Vigie itself serves HTTP).
	SecureCookies bool
	// TrustedProxies are reverse proxies (addresses or CIDR prefixes) whose
	// X-Forwarded-For header names the client.
	TrustedProxies []netip.Prefix
	// RecentWindow is how long the posts that matched no monitor are kept
	// (internal/recent), for tests of queries and backfills; 0 keeps none
	// and purges those kept.
	RecentWindow time.Duration
	// RecentMaxBytes caps the space the kept posts take (compressed); past
	// it the oldest go first.
	RecentMaxBytes int64
	// SecretKey (VIGIE_SECRET_KEY) is the key that encrypts sources'
	// credentials in the database, as base64 or hex (package secret), or
	// SecretKeyFile (VIGIE_SECRET_KEY_FILE) a file holding it; with
	// neither, the key is the data folder's secret.key, made at first
	// start. Never printed.
	SecretKey     string
	SecretKeyFile string
	// PublicURL (VIGIE_PUBLIC_URL) is where people reach Vigie
	// (https://vigie.example.org), for the links alerts carry; empty,
	// the listen address.
	PublicURL string
	// SMTPURL (VIGIE_SMTP_URL) is the mail server alerts are sent through:
	// smtp://user:password@host:587?from=vigie@example.org (STARTTLS), or
	// smtps://… (TLS from the start). Its password is never printed.
	SMTPURL string
	// NATSURL (--nats-url, VIGIE_NATS_URL) is the NATS JetStream server
	// the roles talk through when they run in several processes; empty,
	// the in-process bus. NATSPrefix names its stream and subjects.
	NATSURL    string
	NATSPrefix string
	// Roles (--roles, VIGIE_ROLES) are what vigie serve runs: web,
	// ingest, match, scheduler; all by default.
	Roles []string
}

// DefaultNATSPrefix names the NATS stream and subjects when no prefix is given.
const DefaultNATSPrefix = "vigie"

var validNATSPrefix = regexp.MustCompile(`^[A-Za-z0-9_-]{1,32}$`)

// CheckNATSPrefix says whether p can name NATS streams and subjects.
func CheckNATSPrefix(p string) error {
	if !validNATSPrefix.MatchString(p) {
		return fmt.Errorf("NATS prefix %q: use 1 to 32 letters, digits, '-' or '_' (it names the stream %s_posts and the subjects %s.posts.*)", p, p, p)
	}
	return nil
}

// The roles a Vigie process can run (architecture.md, "Scale-out").
const (
	RoleWeb       = "web"       // the web app, the API, webhooks
	RoleIngest    = "ingest"    // the sources
	RoleMatch     = "match"     // matching, enrichment, storing
	RoleScheduler = "scheduler" // publishing, inboxes, alerts, backfills, purges
)

// AllRoles are the roles in the order they are listed.
var AllRoles = []string{RoleWeb, RoleIngest, RoleMatch, RoleScheduler}

// Has says whether the process runs role.
func (c *Config) Has(role string) bool {
	for _, r := range c.Roles {
		if r == role {
			return true
		}
	}
	return false
}

// AllRolesHere says whether the process runs every role (the default).
func (c *Config) AllRolesHere() bool {
	for _, r := range AllRoles {
		if !c.Has(r) {
			return false
		}
	}
	return true
}

// roleList is --roles: a comma-separated list.
type roleList []string

func (r *roleList) String() string { return strings.Join(*r, ",") }

func (r *roleList) Set(v string) error {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(v, func(c rune) bool { return c == ',' || c == ' ' }) {
		f = strings.ToLower(f)
		ok := false
		for _, known := range AllRoles {
			ok = ok || f == known
		}
		if f == "all" {
			for _, known := range AllRoles {
				if !seen[known] {
					seen[known] = true
					out = append(out, known)
				}
			}
			continue
		}
		if !ok {
			return fmt.Errorf("unknown role %q: the roles are %s (or all)", f, strings.Join(AllRoles, ", "))
		}
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		return fmt.Errorf("no role in %q: give some of %s, comma-separated", v, strings.Join(AllRoles, ","))
	}
	*r = out
	return nil
}

// SecretKeyName is the file in the data folder that keeps the secret key
// when no other is given.
const SecretKeyName = "secret.key"

// Defaults give a working local install with zero configuration.
func Defaults() Config {
	return Config{Addr: "127.0.0.1:8080", Data: "./vigie-data", LogLevel: "info", RecentWindow: DefaultRecentWindow, RecentMaxBytes: DefaultRecentMaxBytes,
		NATSPrefix: DefaultNATSPrefix, Roles: append([]string(nil), AllRoles...)}
}

// The recent window's defaults: a week of posts, at most 2 GB of them
// (about 5 million posts of the benchmark's kind; docs/operations.md).
const (
	DefaultRecentWindow         = 7 * 24 * time.Hour
	DefaultRecentMaxBytes int64 = 2 << 30
)

// Flags registers the settings on fs; call Resolve after fs.Parse.
func (c *Config) Flags(fs *flag.FlagSet, server bool) {
	if server {
		fs.StringVar(&c.Addr, "addr", c.Addr, "HTTP listen address (env VIGIE_ADDR)")
		fs.Var((*roleList)(&c.Roles), "roles", "what this process runs, comma-separated: web, ingest, match, scheduler, or all; other than all needs --nats-url (env VIGIE_ROLES)")
	}
	fs.StringVar(&c.NATSURL, "nats-url", c.NATSURL, "NATS JetStream server the roles talk through, nats://host:4222; empty: one process (env VIGIE_NATS_URL)")
	fs.StringVar(&c.NATSPrefix, "nats-prefix", c.NATSPrefix, "prefix of the NATS stream and subjects, to share a NATS server between deployments (env VIGIE_NATS_PREFIX)")
	fs.StringVar(&c.Data, "data", c.Data, "data folder for the embedded SQLite database (env VIGIE_DATA)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL (postgres://…) instead of SQLite (env VIGIE_DATABASE_URL)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (env VIGIE_LOG_LEVEL)")
	fs.Var((*days)(&c.RecentWindow), "recent-window", "how long posts that matched no monitor are kept for tests and backfills, e.g. 7d or 36h; 0 keeps none (env VIGIE_RECENT_WINDOW)")
	fs.Var((*byteSize)(&c.RecentMaxBytes), "recent-max-size", "most space those posts take, e.g. 2GB or 500MB; the oldest go first (env VIGIE_RECENT_MAX_SIZE)")
}

// days is a duration that may also be written in days ("7d").
type days time.Duration

func (d *days) String() string {
	if *d != 0 && time.Duration(*d)%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(time.Duration(*d)/(24*time.Hour)), 10) + "d"
	}
	return time.Duration(*d).String()
}

func (d *days) Set(v string) error {
	v = strings.TrimSpace(v)
	var t time.Duration
	if n, ok := strings.CutSuffix(v, "d"); ok {
		x, err := strconv.ParseFloat(n, 64)
		switch {
		case err != nil && !errors.Is(err, strconv.ErrRange) || x < 0:
			return fmt.Errorf("%q is not a number of days such as 7d", v)
		case err != nil || x > 3650:
			return fmt.Errorf("%q is more than 3650 days (ten years)", v)
		}
		t = time.Duration(x * float64(24*time.Hour))
	} else {
		var err error
		if t, err = time.ParseDuration(v); err != nil || t < 0 {
			return fmt.Errorf("%q is not a duration such as 7d, 36h or 0", v)
		}
	}
	*d = days(t)
	return nil
}

// byteSize is a size in bytes that may be written with a unit (KB, MB, GB,
// TB: powers of 1024).
type byteSize int64

func (b *byteSize) String() string {
	for _, u := range []struct {
		name string
		n    int64
	}{{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}} {
		if *b != 0 && int64(*b)%u.n == 0 {
			return strconv.FormatInt(int64(*b)/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(*b), 10)
}

func (b *byteSize) Set(v string) error {
	s := strings.ToUpper(strings.TrimSpace(v))
	mult := int64(1)
	for _, u := range []struct {
		name string
		n    int64
	}{{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}} {
		if n, ok := strings.CutSuffix(s, u.name); ok {
			s, mult = strings.TrimSpace(n), u.n
			break
		}
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x <= 0 || x*float64(mult) > 1<<62 {
		return fmt.Errorf("%q is not a size such as 2GB or 500MB (to keep nothing, set the recent window to 0)", v)
	}
	*b = byteSize(x * float64(mult))
	return nil
}

// Resolve fills what no flag set from the environment, and checks values.
func (c *Config) Resolve(fs *flag.FlagSet) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	env := func(flagName, key string, dst *string) {
		if !set[flagName] {
			if v, ok := os.LookupEnv(key); ok && v != "" {
				*dst = v
			}
		}
	}
	env("addr", "VIGIE_ADDR", &c.Addr)
	env("data", "VIGIE_DATA", &c.Data)
	env("database-url", "VIGIE_DATABASE_URL", &c.DatabaseURL)
	env("log-level", "VIGIE_LOG_LEVEL", &c.LogLevel)
	env("nats-url", "VIGIE_NATS_URL", &c.NATSURL)
	env("nats-prefix", "VIGIE_NATS_PREFIX", &c.NATSPrefix)
	if v, ok := os.LookupEnv("VIGIE_ROLES"); ok && v != "" && !set["roles"] {
		if err := (*roleList)(&c.Roles).Set(v); err != nil {
			return fmt.Errorf("VIGIE_ROLES: %w", err)
		}
	}
	if c.NATSURL != "" {
		for _, u := range strings.Split(c.NATSURL, ",") {
			pu, err := url.Parse(strings.TrimSpace(u))
			if err != nil || (pu.Scheme != "nats" && pu.Scheme != "tls") || pu.Host == "" {
				return fmt.Errorf("NATS URL %s: want an address such as nats://127.0.0.1:4222 (several: comma-separated)", RedactNATS(u))
			}
		}
	}
	if err := CheckNATSPrefix(c.NATSPrefix); err != nil {
		return err
	}
	if !c.AllRolesHere() && c.NATSURL == "" {
		return fmt.Errorf("--roles %s runs only part of Vigie: the other roles run in other processes, which talk through NATS JetStream; give --nats-url (or VIGIE_NATS_URL) and a shared --database-url", strings.Join(c.Roles, ","))
	}
	for _, e := range []struct {
		flag, key string
		v         flag.Value
	}{{"recent-window", "VIGIE_RECENT_WINDOW", (*days)(&c.RecentWindow)}, {"recent-max-size", "VIGIE_RECENT_MAX_SIZE", (*byteSize)(&c.RecentMaxBytes)}} {
		if v, ok := os.LookupEnv(e.key); ok && v != "" && !set[e.flag] {
			if err := e.v.Set(v); err != nil {
				return fmt.Errorf("%s: %w", e.key, err)
			}
		}
	}
	if v := os.Getenv("VIGIE_ALLOW_PRIVATE_FETCH"); v == "1" || strings.EqualFold(v, "true") {
		c.AllowPrivateFetch = true
	}
	if v := os.Getenv("VIGIE_SECURE_COOKIES"); v == "1" || strings.EqualFold(v, "true") {
		c.SecureCookies = true
	}
	if v := os.Getenv("VIGIE_TRUSTED_PROXIES"); v != "" {
		c.TrustedProxies = nil
		for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
			p, err := netip.ParsePrefix(f)
			if err != nil {
				a, err2 := netip.ParseAddr(f)
				if err2 != nil {
					return fmt.Errorf("VIGIE_TRUSTED_PROXIES: %q is neither an address nor a prefix like 10.0.0.0/8", f)
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			c.TrustedProxies = append(c.TrustedProxies, p.Masked())
		}
	}
	env("", "VIGIE_PUBLIC_URL", &c.PublicURL)
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("VIGIE_PUBLIC_URL: %q is not an address such as https://vigie.example.org (where people reach Vigie)", c.PublicURL)
		}
		c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	}
	env("", "VIGIE_SMTP_URL", &c.SMTPURL)
	if c.SMTPURL != "" {
		u, err := url.Parse(c.SMTPURL)
		if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
			return fmt.Errorf("VIGIE_SMTP_URL: %s is not a mail server address such as smtp://user:password@mail.example.org:587?from=vigie@example.org", redact(c.SMTPURL))
		}
	}
	env("", "VIGIE_SECRET_KEY", &c.SecretKey)
	env("", "VIGIE_SECRET_KEY_FILE", &c.SecretKeyFile)
	if c.SecretKey != "" {
		if c.SecretKeyFile != "" {
			return errors.New("VIGIE_SECRET_KEY and VIGIE_SECRET_KEY_FILE are both set: set one")
		}
		if _, err := secret.ParseKey(c.SecretKey); err != nil {
			return fmt.Errorf("VIGIE_SECRET_KEY: %w", err)
		}
	}
	if _, err := c.Level(); err != nil {
		return err
	}
	if c.DatabaseURL != "" && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		return fmt.Errorf("database URL must start with postgres:// (got %q); leave it empty for the embedded SQLite database", redact(c.DatabaseURL))
	}
	return nil
}

// StoreURL is what store.Open takes: PostgreSQL if configured, else the
// SQLite file in the data folder (created if needed).
func (c *Config) StoreURL() (string, error) {
	if c.DatabaseURL != "" {
		return c.DatabaseURL, nil
	}
	if err := os.MkdirAll(c.Data, 0o750); err != nil {
		return "", fmt.Errorf("creating the data folder: %w", err)
	}
	return "sqlite:" + filepath.Join(c.Data, "vigie.db"), nil
}

// SecretBox returns the box that seals sources' credentials, with the key
// of VIGIE_SECRET_KEY, else of VIGIE_SECRET_KEY_FILE, else of the data
// folder's secret.key (made, mode 0600, if there is none). It says where
// the key came from, and whether it was just made.
func (c *Config) SecretBox() (box *secret.Box, from string, created bool, err error) {
	var key []byte
	switch {
	case c.SecretKey != "":
		from = "VIGIE_SECRET_KEY"
		if key, err = secret.ParseKey(c.SecretKey); err != nil {
			return nil, "", false, fmt.Errorf("VIGIE_SECRET_KEY: %w", err)
		}
	case c.SecretKeyFile != "":
		from = c.SecretKeyFile
		if key, err = secret.ReadKeyFile(c.SecretKeyFile); err != nil {
			return nil, "", false, fmt.Errorf("VIGIE_SECRET_KEY_FILE: %w", err)
		}
	default:
		from = filepath.Join(c.Data, SecretKeyName)
		if key, created, err = secret.LoadKeyFile(from); err != nil {
			return nil, "", false, err
		}
	}
	box, err = secret.New(key)
	return box, from, created, err
}

// ExistingSecretKey returns the key SecretBox would use, without making
// one: a backup must carry the key the database was sealed with, never a
// new one. With no key configured and no secret.key in the data folder,
// the error wraps fs.ErrNotExist.
func (c *Config) ExistingSecretKey() (key []byte, from string, err error) {
	switch {
	case c.SecretKey != "":
		key, err = secret.ParseKey(c.SecretKey)
		if err != nil {
			return nil, "", fmt.Errorf("VIGIE_SECRET_KEY: %w", err)
		}
		return key, "VIGIE_SECRET_KEY", nil
	case c.SecretKeyFile != "":
		key, err = secret.ReadKeyFile(c.SecretKeyFile)
		if err != nil {
			return nil, "", fmt.Errorf("VIGIE_SECRET_KEY_FILE: %w", err)
		}
		return key, c.SecretKeyFile, nil
	}
	from = filepath.Join(c.Data, SecretKeyName)
	key, err = secret.ReadKeyFile(from)
	return key, from, err
}

// Level returns the slog level.
func (c *Config) Level() (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return 0, fmt.Errorf("invalid log level %q: use debug, info, warn or error", c.LogLevel)
	}
	return l, nil
}

// String prints the configuration with secrets redacted.
func (c Config) String() string {
	key := "secret_key_file=" + filepath.Join(c.Data, SecretKeyName)
	switch {
	case c.SecretKey != "":
		key = "secret_key=***"
	case c.SecretKeyFile != "":
		key = "secret_key_file=" + c.SecretKeyFile
	}
	return fmt.Sprintf("addr=%s data=%s database_url=%s log_level=%s allow_private_fetch=%v secure_cookies=%v trusted_proxies=%v recent_window=%s recent_max_size=%s public_url=%s smtp_url=%s roles=%s nats_url=%s nats_prefix=%s %s",
		c.Addr, c.Data, redact(c.DatabaseURL), c.LogLevel, c.AllowPrivateFetch, c.SecureCookies, c.TrustedProxies,
		(*days)(&c.RecentWindow), (*byteSize)(&c.RecentMaxBytes), c.PublicURL, redact(c.SMTPURL), strings.Join(c.Roles, ","), RedactNATS(c.NATSURL), c.NATSPrefix, key)
}

// RedactNATS hides the passwords and tokens of NATS URLs (nats://user:pass@host,
// nats://token@host), for logs and errors.
func RedactNATS(urls string) string {
	parts := strings.Split(urls, ",")
	for i, p := range parts {
		u, err := url.Parse(strings.TrimSpace(p))
		if err != nil {
			parts[i] = "(an unreadable URL)"
			continue
		}
		who := ""
		if u.User != nil {
			who = "***@"
			if _, ok := u.User.Password(); ok {
				who = u.User.Username() + ":***@"
			}
			u.User = nil
		}
		scheme, rest, _ := strings.Cut(u.String(), "://")
		parts[i] = scheme + "://" + who + rest
	}
	return strings.Join(parts, ",")
}

// redact hides the passwords of a database URL: its user information's,
// a password (or sslpassword) in its query, and a key=value connection
// string's password.
func redact(u string) string {
	if !strings.Contains(u, "://") {
		// host=db user=u password=secret …
		fields := strings.Fields(u)
		for i, f := range fields {
			if k, _, ok := strings.Cut(f, "="); ok && strings.Contains(strings.ToLower(k), "password") {
				fields[i] = k + "=***"
			}
		}
		return strings.Join(fields, " ")
	}
	scheme := strings.Index(u, "://")
	// The user information ends at the authority's last "@" (a query may
	// hold others: ?from=vigie@example.org).
	authority := u[scheme+3:]
	if end := strings.IndexAny(authority, "/?#"); end >= 0 {
		authority = authority[:end]
	}
	if at := scheme + 3 + strings.LastIndex(authority, "@"); at > scheme+3 {
		userinfo := u[scheme+3 : at]
		if user, _, ok := strings.Cut(userinfo, ":"); ok {
			u = u[:scheme+3] + user + ":***" + u[at:]
		}
	}
	if base, query, ok := strings.Cut(u, "?"); ok {
		parts := strings.Split(query, "&")
		for i, p := range parts {
			if k, _, ok := strings.Cut(p, "="); ok && strings.Contains(strings.ToLower(k), "password") {
				parts[i] = k + "=***"
			}
		}
		u = base + "?" + strings.Join(parts, "&")
	}
	return u
}
