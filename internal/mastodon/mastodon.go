// Package mastodon is the connector of Mastodon and of the servers that
// speak its client API (GoToSocial, Pleroma, Akkoma…): sources of kind
// "mastodon".
//
// A source without a token polls hashtag timelines
// (GET /api/v1/timelines/tag/:tag), public on most instances; a source
// with a user token and a stream streams the instance's federated or local
// timeline, or hashtags, over WebSocket (Server-Sent Events when the
// upgrade is refused). Posts are known by their status URI, the same on
// every instance, not by an instance's local id.
package mastodon

import (
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/connector"
	"github.com/vigie-project/vigie/internal/netguard"
)

// Source is the vigie.Post source of every post from Mastodon.
const Source = string(vigie.SourceMastodon)

// Limits.
const (
	// MaxTags is the most hashtags a source follows: each is one request
	// per poll, and an instance allows 300 requests per 5 minutes per IP.
	MaxTags = 20
	// Interval is how often a polled source is checked by default: 20
	// tags every 2 minutes are 50 of the 300 requests per 5 minutes.
	Interval = 2 * time.Minute
	// maxTagLen bounds a hashtag (Mastodon sets no limit; real ones are
	// far shorter).
	maxTagLen = 100
)

// Streams a source may follow (settings.stream).
const (
	StreamPublic  = "public"
	StreamLocal   = "public:local"
	StreamHashtag = "hashtag"
)

func init() {
	connector.Register(vigie.SourceMastodon, connector.Kind{
		Poll:     func(d connector.Deps) connector.Runner { return NewPoller(d) },
		Stream:   func(d connector.Deps) connector.Streamer { return NewStreamer(d) },
		Streams:  Streams,
		Check:    Check,
		Settings: []string{"tags", "stream", "token"},
		Interval: Interval,
	})
}

// Streams reports whether a source is streamed (it has a token and a
// stream) rather than polled.
func Streams(src *vigie.Source) bool {
	return strings.TrimSpace(src.Settings["token"]) != "" && strings.TrimSpace(src.Settings["stream"]) != ""
}

// config is a source's address and settings, read and checked.
type config struct {
	base   *url.URL // the instance, without a trailing slash
	host   string   // its host name, for local accounts' handles and messages
	tags   []string // normal form: lower case, without '#'
	stream string
	token  string
}

// network names the instance in errors ("mastodon.social answered HTTP
// 500").
func (c *config) network() string { return c.host }

// Check validates a mastodon source and puts its address and settings in
// their normal form: https://host, tags "epfl,ethz", stream in lower case.
func Check(src *vigie.Source) error {
	c, err := readConfig(src)
	if err != nil {
		return err
	}
	src.URL = c.base.String()
	if src.Settings == nil {
		src.Settings = map[string]string{}
	}
	if len(c.tags) > 0 {
		src.Settings["tags"] = strings.Join(c.tags, ",")
	} else {
		delete(src.Settings, "tags")
	}
	if c.stream != "" {
		src.Settings["stream"] = c.stream
	} else {
		delete(src.Settings, "stream")
	}
	if c.token != "" {
		src.Settings["token"] = c.token
	} else {
		delete(src.Settings, "token")
	}
	return nil
}

// readConfig reads a source's address and settings; its errors wrap
// vigie.ErrInvalid and say what to fix. It never quotes the token.
func readConfig(src *vigie.Source) (*config, error) {
	base, err := instanceURL(src.URL)
	if err != nil {
		return nil, err
	}
	c := &config{base: base, host: base.Hostname()}
	c.tags, err = parseTags(src.Settings["tags"])
	if err != nil {
		return nil, err
	}
	c.token = strings.TrimSpace(src.Settings["token"])
	if strings.ContainsFunc(c.token, unicode.IsSpace) || strings.ContainsFunc(c.token, unicode.IsControl) {
		return nil, fmt.Errorf("%w: the token has spaces or control characters in it; paste the access token alone", vigie.ErrInvalid)
	}
	c.stream = strings.ToLower(strings.TrimSpace(src.Settings["stream"]))
	switch c.stream {
	case "", StreamPublic, StreamLocal, StreamHashtag:
	default:
		return nil, fmt.Errorf("%w: stream %q is not one Vigie follows; use public (every public post the instance knows), public:local (its own users' posts) or hashtag (the posts of the tags setting)",
			vigie.ErrInvalid, clip(src.Settings["stream"]))
	}
	switch {
	case c.token != "" && c.stream == "":
		return nil, fmt.Errorf("%w: a token is used to stream: set stream to public, public:local or hashtag, or remove the token to poll the tags", vigie.ErrInvalid)
	case c.stream != "" && c.token == "":
		return nil, fmt.Errorf("%w: streaming needs a user access token (Mastodon 4.2 and later; scope read:statuses): set token, or remove stream to poll the tags", vigie.ErrInvalid)
	case c.stream == StreamHashtag && len(c.tags) == 0:
		return nil, fmt.Errorf("%w: the hashtag stream needs the tags to follow: set tags, e.g. \"epfl,ethz\"", vigie.ErrInvalid)
	}
	return c, nil
}

// instanceURL reads an instance's address: https://host (a bare host is
// taken as one), without a path; http only for this machine (a test, a
// development server), as a token must not travel in clear.
func instanceURL(raw string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return nil, fmt.Errorf("%w: a Mastodon source needs its instance's address, e.g. https://mastodon.social", vigie.ErrInvalid)
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	norm, err := vigie.NormalSourceURL(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %q is not an instance's address; give one like https://mastodon.social", vigie.ErrInvalid, clip(raw))
	}
	u, err := url.Parse(norm)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("%w: %q is not an instance's address; give one like https://mastodon.social", vigie.ErrInvalid, clip(raw))
	}
	switch {
	case u.User != nil:
		return nil, fmt.Errorf("%w: the instance's address must not hold a user name or password; give the token in the token setting", vigie.ErrInvalid)
	case u.Scheme == "http" && !netguard.LoopbackHost(u.Hostname()):
		return nil, fmt.Errorf("%w: %q: Mastodon is reached over https (https://%s)", vigie.ErrInvalid, clip(raw), u.Host)
	case u.Scheme != "https" && u.Scheme != "http":
		return nil, fmt.Errorf("%w: %q: give the instance's https address, e.g. https://mastodon.social", vigie.ErrInvalid, clip(raw))
	case strings.Trim(u.Path, "/") != "" || u.RawQuery != "" || u.ForceQuery:
		return nil, fmt.Errorf("%w: %q is a page of the instance; give its address only, e.g. https://%s (the hashtags go in the tags setting)", vigie.ErrInvalid, clip(raw), u.Host)
	}
	u.Path, u.RawPath = "", ""
	return u, nil
}

// parseTags reads hashtags separated by commas or spaces, '#' optional,
// into their normal form (lower case, without '#'), each once.
func parseTags(s string) ([]string, error) {
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	var out []string
	seen := map[string]bool{}
	for _, f := range fields {
		tag, err := normalTag(f)
		if err != nil {
			return nil, err
		}
		if tag == "" || seen[tag] {
			continue
		}
		seen[tag] = true
		out = append(out, tag)
	}
	if len(out) > MaxTags {
		return nil, fmt.Errorf("%w: %d tags; a source follows at most %d (one request each per poll, within the instance's 300 requests per 5 minutes): split them over two sources",
			vigie.ErrInvalid, len(out), MaxTags)
	}
	return out, nil
}

// normalTag checks one hashtag as Mastodon writes them (letters, digits,
// '_', '·', not digits alone) and returns it in lower case without '#';
// "" for a lone '#'.
func normalTag(f string) (string, error) {
	tag := strings.TrimPrefix(f, "#")
	if tag == "" {
		return "", nil
	}
	if !utf8.ValidString(tag) || utf8.RuneCountInString(tag) > maxTagLen {
		return "", fmt.Errorf("%w: tag %q is not a hashtag (at most %d letters)", vigie.ErrInvalid, clip(f), maxTagLen)
	}
	letter := false
	for _, r := range tag {
		switch {
		case unicode.IsLetter(r) || unicode.IsMark(r) || r == '_' || r == '·' || r == '\u200c':
			letter = true
		case unicode.IsDigit(r) || unicode.IsNumber(r):
		default:
			return "", fmt.Errorf("%w: tag %q is not a hashtag: a hashtag is letters, digits and _ only (e.g. epfl, ichbinhanna), separated by commas or spaces", vigie.ErrInvalid, clip(f))
		}
	}
	if !letter {
		return "", fmt.Errorf("%w: tag %q is only digits, which Mastodon does not take as a hashtag", vigie.ErrInvalid, clip(f))
	}
	return strings.ToLower(tag), nil
}

// clip shortens what a user typed, for an error message.
func clip(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}
