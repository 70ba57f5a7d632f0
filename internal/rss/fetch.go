// Package rss reads RSS (0.9x, 1.0/RDF, 2.0), Atom and JSON Feed sources and
// turns their items into vigie.Post values. It knows nothing of the store:
// the caller passes the source's saved state (ETag, Last-Modified, error
// count) in and saves what comes out.
package rss

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/netguard"
)

// Defaults of Options.
const (
	DefaultMaxBodyBytes = 10 << 20
	DefaultUserAgent    = "Vigie/0.1 (+https://github.com/vigie-project/vigie)"
	DefaultPerHostLimit = 2
	DefaultTimeout      = 30 * time.Second
)

// Errors a fetch can be matched against with errors.Is. The error returned
// by Fetch carries a message in plain words for the team; these say what
// kind of failure it was.
var (
	ErrNotFeed   = errors.New("not an RSS, Atom or JSON feed")
	ErrTooLarge  = errors.New("feed too large")
	ErrTimeout   = errors.New("no answer in time")
	ErrBlocked   = errors.New("address not allowed")
	ErrRedirects = netguard.ErrTooManyRedirects
	ErrNetwork   = errors.New("network failure")
)

// StatusError is a non-2xx answer from the server.
type StatusError struct {
	Code   int
	Status string // as the server sent it: "500 Internal Server Error"
}

func (e *StatusError) Error() string {
	status := e.Status
	if status == "" {
		status = fmt.Sprintf("%d %s", e.Code, http.StatusText(e.Code))
	}
	msg := "the server answered " + strings.TrimSpace(status)
	switch e.Code {
	case http.StatusNotFound, http.StatusGone:
		msg += " (the feed is not at this address any more)"
	case http.StatusUnauthorized, http.StatusForbidden:
		msg += " (the server does not let Vigie read this feed)"
	case http.StatusTooManyRequests:
		msg += " (Vigie asked too often; it will slow down)"
	}
	return msg
}

// Options configure a Fetcher. Zero fields take the defaults.
type Options struct {
	// Client makes the requests; it should come from netguard.Policy.Client.
	// Nil means netguard.Policy{}.Client(DefaultTimeout): public addresses only.
	Client *http.Client
	// MaxBodyBytes is the largest feed read (DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// UserAgent is sent with every request (DefaultUserAgent).
	UserAgent string
	// PerHostLimit caps concurrent requests to one host (DefaultPerHostLimit).
	PerHostLimit int
}

// Fetcher fetches feeds. It is safe for concurrent use.
type Fetcher struct {
	client   *http.Client
	maxBody  int64
	ua       string
	perHost  int
	now      func() time.Time
	mu       sync.Mutex
	hostSems map[string]chan struct{}
}

// NewFetcher returns a Fetcher with opts, defaults filled in.
func NewFetcher(opts Options) *Fetcher {
	f := &Fetcher{
		client:   opts.Client,
		maxBody:  opts.MaxBodyBytes,
		ua:       opts.UserAgent,
		perHost:  opts.PerHostLimit,
		now:      time.Now,
		hostSems: make(map[string]chan struct{}),
	}
	if f.client == nil {
		f.client = netguard.Policy{}.Client(DefaultTimeout)
	}
	if f.maxBody <= 0 {
		f.maxBody = DefaultMaxBodyBytes
	}
	if f.ua == "" {
		f.ua = DefaultUserAgent
	}
	if f.perHost <= 0 {
		f.perHost = DefaultPerHostLimit
	}
	return f
}

// Result is what one fetch of a feed gives.
type Result struct {
	Posts []vigie.Post
	// ETag and LastModified are the validators to save in the source state
	// for the next conditional request (unchanged ones on a 304).
	ETag         string
	LastModified string
	// NotModified is true when the server answered 304: no posts.
	NotModified bool
	FeedTitle   string
}

// Fetch gets feedURL, conditionally on the validators in st, and parses it.
// The error, if any, is in plain words for the team (see the Err* values
// and *StatusError for its kind). A cancelled ctx gives ctx's error.
func (f *Fetcher) Fetch(ctx context.Context, feedURL string, st vigie.SourceState) (Result, error) {
	u, err := url.Parse(strings.TrimSpace(feedURL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return Result{}, fmt.Errorf("%q is not a web address of a feed (it should start with https://)", feedURL)
	}

	release, err := f.acquire(ctx, strings.ToLower(u.Host))
	if err != nil {
		return Result{}, err
	}
	defer release() // the slot is given back as soon as the body is read

	start := f.now()
	timeout := f.client.Timeout
	if d, ok := ctx.Deadline(); ok && (timeout <= 0 || time.Until(d) < timeout) {
		timeout = time.Until(d)
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Result{}, fmt.Errorf("%q is not a web address of a feed: %w", feedURL, err)
	}
	req.Header.Set("User-Agent", f.ua)
	req.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5")
	if st.ETag != "" {
		req.Header.Set("If-None-Match", st.ETag)
	}
	if st.LastModified != "" {
		req.Header.Set("If-Modified-Since", st.LastModified)
	}

	resp, err := f.client.Do(req)
	if err != nil {
		return Result{}, explain(ctx, err, timeout)
	}
	defer resp.Body.Close()

	res := Result{ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}
	if resp.StatusCode == http.StatusNotModified {
		if res.ETag == "" {
			res.ETag = st.ETag
		}
		if res.LastModified == "" {
			res.LastModified = st.LastModified
		}
		res.NotModified = true
		return res, nil
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return Result{}, &StatusError{Code: resp.StatusCode, Status: resp.Status}
	}

	if resp.ContentLength > f.maxBody {
		return Result{}, f.tooLarge()
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, f.maxBody+1))
	if err != nil {
		return Result{}, explainRead(ctx, err, timeout)
	}
	if int64(len(body)) > f.maxBody {
		return Result{}, f.tooLarge()
	}
	release()

	parsed, err := parse(body, resp.Request.URL, start)
	if err != nil {
		return Result{}, err
	}
	parsed.ETag, parsed.LastModified = res.ETag, res.LastModified
	qualifyIDs(parsed.Posts, u.Host)
	return parsed, nil
}

// acquire takes a slot of host's semaphore, created on first use. The
// returned release may be called more than once.
func (f *Fetcher) acquire(ctx context.Context, host string) (release func(), err error) {
	f.mu.Lock()
	sem, ok := f.hostSems[host]
	if !ok {
		sem = make(chan struct{}, f.perHost)
		f.hostSems[host] = sem
	}
	f.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return sync.OnceFunc(func() { <-sem }), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (f *Fetcher) tooLarge() error {
	return &fetchError{msg: "feed larger than " + formatSize(f.maxBody), kinds: []error{ErrTooLarge}}
}

// fetchError has a message in plain words and wraps the kind of failure and
// its cause.
type fetchError struct {
	msg   string
	kinds []error
}

func (e *fetchError) Error() string   { return e.msg }
func (e *fetchError) Unwrap() []error { return e.kinds }

func newError(kind, cause error, format string, args ...any) error {
	kinds := []error{kind}
	if cause != nil {
		kinds = append(kinds, cause)
	}
	return &fetchError{msg: fmt.Sprintf(format, args...), kinds: kinds}
}

// explain turns a client error into plain words.
func explain(ctx context.Context, err error, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	var blocked *netguard.BlockedError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &blocked):
		return newError(ErrBlocked, err, "%s", blocked.Error())
	case errors.Is(err, netguard.ErrTooManyRedirects):
		return newError(ErrRedirects, err, "too many redirects: the address sends to another one more than %d times in a row, probably in a loop", netguard.MaxRedirects)
	case errors.Is(err, netguard.ErrScheme):
		return newError(ErrNetwork, err, "the server redirects to an address that is not a web page (only http:// and https:// are followed)")
	case isTimeout(err):
		return newError(ErrTimeout, err, "no answer within %s", formatDuration(timeout))
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return newError(ErrNetwork, err, "the server name %s does not exist (check the address for typos)", dnsErr.Name)
		}
		return newError(ErrNetwork, err, "could not look up the server name %s; the name service did not answer", dnsErr.Name)
	case errors.Is(err, syscall.ECONNREFUSED):
		return newError(ErrNetwork, err, "the server refused the connection (it may be down)")
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return newError(ErrNetwork, err, "the server closed the connection before answering")
	case certProblem(err) != "":
		return newError(ErrNetwork, err, "the server's security certificate is not valid (%s)", certProblem(err))
	}
	return newError(ErrNetwork, err, "could not reach the server (%s)", innermost(err))
}

// explainRead is explain for an error while reading the body.
func explainRead(ctx context.Context, err error, timeout time.Duration) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		return ctx.Err()
	}
	if isTimeout(err) {
		return newError(ErrTimeout, err, "no answer within %s (the feed was still arriving)", formatDuration(timeout))
	}
	return newError(ErrNetwork, err, "the connection broke while the feed was arriving (%s)", innermost(err))
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// certProblem describes a certificate error in a few words, or "".
func certProblem(err error) string {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &unknown):
		return "signed by an unknown authority"
	case errors.As(err, &host):
		return "made for another server name"
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		return "expired or not yet valid"
	case errors.As(err, &invalid):
		return invalid.Error()
	}
	return ""
}

// innermost returns the message of the deepest wrapped error, which for
// net/http errors drops the "Get "…": dial tcp …:" prefixes.
func innermost(err error) string {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err.Error()
		}
		err = next
	}
}

// formatDuration writes a duration as people read it: "30 s", "250 ms", "2 min".
func formatDuration(d time.Duration) string {
	switch {
	case d <= 0:
		return "the time allowed"
	case d < time.Second:
		return fmt.Sprintf("%d ms", d.Round(time.Millisecond)/time.Millisecond)
	case d < time.Minute:
		return fmt.Sprintf("%d s", d.Round(time.Second)/time.Second)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d min", d/time.Minute)
	}
	return d.Round(time.Second).String()
}

// formatSize writes a byte count as "10 MB", "512 KB" or "300 bytes"
// (binary multiples, as people say them).
func formatSize(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// qualifyIDs puts the feed's host into ids that are not web addresses: two
// feeds may both number their items "42", and ids must be unique per source
// kind for de-duplication.
func qualifyIDs(posts []vigie.Post, host string) {
	prefix := Source + ":"
	for i := range posts {
		rest := strings.TrimPrefix(posts[i].ID, prefix)
		if !strings.Contains(rest, "://") {
			posts[i].ID = prefix + strings.ToLower(host) + "/" + rest
		}
	}
}
