package youtube

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	"github.com/vigie-project/vigie"
)

// The addresses a source reads: the Data API v3 (with a key) and the
// channels' feeds (without).
const (
	DefaultAPI   = "https://www.googleapis.com/youtube/v3"
	DefaultFeeds = "https://www.youtube.com/feeds/videos.xml"
)

// Settings of a youtube source.
const (
	SettingKey       = "key" // a secret (vigie.SecretSetting)
	SettingQuery     = "query"
	SettingChannelID = "channel_id"
	SettingQuota     = "quota"
	SettingLang      = "lang"
	SettingRegion    = "region"
)

// DefaultQuota is a Google Cloud project's daily quota of Data API units.
const DefaultQuota = 10_000

const (
	maxQuery    = 500
	maxChannels = 50
)

type config struct {
	key      string
	base     string // without a trailing slash
	query    string
	channels []string
	quota    int
	lang     string // relevanceLanguage
	region   string // regionCode
}

// Check validates a youtube source and completes it: the default address
// of its mode (the Data API with a key, the channels' feeds without),
// settings in their normal form. Errors wrap vigie.ErrInvalid and say
// what to fix; they never hold the key.
func Check(src *vigie.Source) error {
	cfg, err := configOf(src)
	if err != nil {
		return err
	}
	src.URL = cfg.base
	if len(cfg.channels) > 0 {
		src.Settings[SettingChannelID] = strings.Join(cfg.channels, ",")
	}
	if cfg.key == "" && len(cfg.channels) == 0 {
		return fmt.Errorf("%w: youtube: without an API key Vigie reads channels' feeds only: give channel_id (the channel's id, \"UC…\", from its page: Share channel → Copy channel ID), or a Data API key to search", vigie.ErrInvalid)
	}
	return nil
}

func configOf(src *vigie.Source) (config, error) {
	s := src.Settings
	cfg := config{key: strings.TrimSpace(s[SettingKey]), query: strings.Join(strings.Fields(s[SettingQuery]), " "), quota: DefaultQuota}
	if strings.IndexFunc(cfg.key, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0 || len(cfg.key) > 200 {
		return config{}, fmt.Errorf("%w: youtube: the key is not an API key (copy it again from the Google Cloud console: APIs & Services → Credentials)", vigie.ErrInvalid)
	}
	var err error
	if cfg.base, err = baseURL(src.URL, cfg.key != ""); err != nil {
		return config{}, err
	}
	switch q := cfg.query; {
	case len([]rune(q)) > maxQuery:
		return config{}, fmt.Errorf("%w: youtube: the query is %d characters long; at most %d", vigie.ErrInvalid, len([]rune(q)), maxQuery)
	case strings.IndexFunc(q, unicode.IsControl) >= 0:
		return config{}, fmt.Errorf("%w: youtube: the query holds a control character; use plain text", vigie.ErrInvalid)
	}
	if cfg.channels, err = channelIDs(s[SettingChannelID]); err != nil {
		return config{}, err
	}
	if v := strings.TrimSpace(s[SettingQuota]); v != "" {
		n, err := strconv.Atoi(strings.NewReplacer(",", "", "_", "", "'", "", " ", "").Replace(v))
		if err != nil || n < 1 || n > 100_000_000 {
			return config{}, fmt.Errorf("%w: youtube: quota %q: give the project's daily units (10000 unless Google granted more)", vigie.ErrInvalid, v)
		}
		cfg.quota = n
	}
	if v := strings.TrimSpace(s[SettingLang]); v != "" {
		if len(v) < 2 || len(v) > 8 || !letters(strings.ReplaceAll(v, "-", "")) {
			return config{}, fmt.Errorf("%w: youtube: lang %q: give a language code such as \"fr\" or \"de\" (videos in it are ranked first)", vigie.ErrInvalid, v)
		}
		cfg.lang = v
	}
	if v := strings.TrimSpace(s[SettingRegion]); v != "" {
		if len(v) != 2 || !letters(v) {
			return config{}, fmt.Errorf("%w: youtube: region %q: give a two-letter country code such as \"CH\"", vigie.ErrInvalid, v)
		}
		cfg.region = strings.ToUpper(v)
	}
	return cfg, nil
}

// baseURL is the source's address, or its mode's default; the other
// mode's default (the source gained or lost its key) becomes this mode's.
func baseURL(raw string, api bool) (string, error) {
	raw = strings.TrimRight(strings.TrimSpace(raw), "/")
	def := DefaultFeeds
	if api {
		def = DefaultAPI
	}
	if raw == "" || strings.EqualFold(raw, DefaultAPI) || strings.EqualFold(raw, DefaultFeeds) {
		return def, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("%w: youtube: the address %q is not a web address without query (leave it empty for YouTube's own)", vigie.ErrInvalid, raw)
	}
	return raw, nil
}

// channelIDs reads "UC…, https://www.youtube.com/channel/UC…" into ids,
// each once.
func channelIDs(s string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == ';' }) {
		id := f
		if u, err := url.Parse(f); err == nil && u.Host != "" {
			if c := u.Query().Get("channel_id"); c != "" {
				id = c
			} else {
				id = strings.TrimPrefix(strings.Trim(u.Path, "/"), "channel/")
			}
		}
		if !validChannelID(id) {
			hint := ""
			if strings.HasPrefix(id, "@") || strings.Contains(f, "/@") {
				hint = " (a handle such as @epfl is not the id)"
			}
			return nil, fmt.Errorf("%w: youtube: channel %q%s: give the channel's id, \"UC\" and 22 letters, digits, - or _, from its page: Share channel → Copy channel ID", vigie.ErrInvalid, f, hint)
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if len(out) > maxChannels {
		return nil, fmt.Errorf("%w: youtube: %d channels; at most %d per source", vigie.ErrInvalid, len(out), maxChannels)
	}
	return out, nil
}

func validChannelID(s string) bool {
	if len(s) != 24 || !strings.HasPrefix(s, "UC") {
		return false
	}
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

func letters(s string) bool {
	for _, c := range []byte(s) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return s != ""
}
