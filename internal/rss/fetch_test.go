package rss

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/netguard"
)

// loopback is the policy of these tests: their servers are on 127.0.0.1,
// which the zero policy refuses.
var loopback = netguard.Policy{AllowLoopback: true}

func newServer(t *testing.T, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func newFetcher(timeout time.Duration) *Fetcher {
	return NewFetcher(Options{Client: loopback.Client(timeout)})
}

func serveFile(t *testing.T, name, contentType string) http.HandlerFunc {
	data := readTestdata(t, name)
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(data)
	}
}

func TestFetchFormats(t *testing.T) {
	tests := []struct {
		file, contentType string
		posts             int
		lang              string
	}{
		{"rss2.xml", "application/rss+xml; charset=utf-8", 4, "fr"},
		{"atom.xml", "application/atom+xml", 2, "en"},
		{"rdf.xml", "application/rdf+xml", 2, "de"},
		{"feed.json", "application/feed+json", 2, "es"},
		{"rss091.xml", "text/xml", 1, "en"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			srv := newServer(t, serveFile(t, tt.file, tt.contentType))
			res, err := newFetcher(5*time.Second).Fetch(context.Background(), srv.URL+"/feed", vigie.SourceState{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Posts) != tt.posts || res.NotModified || res.FeedTitle == "" {
				t.Fatalf("result %+v, want %d posts and a title", res, tt.posts)
			}
			for _, p := range res.Posts {
				if err := p.Validate(); err != nil {
					t.Error(err)
				}
				if p.Lang != tt.lang || !strings.HasPrefix(p.ID, "rss:") || p.Source != "rss" {
					t.Errorf("post %+v: want lang %q, an rss: id and source rss", p, tt.lang)
				}
			}
		})
	}
}

// TestFetchRelativeToDocument: without a channel link, relative item links
// resolve against the address the feed was fetched from.
func TestFetchRelativeToDocument(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<rss version="2.0"><channel><title>T</title><item><title>x</title><link>posts/1.html</link></item></channel></rss>`)
	})
	res, err := newFetcher(5*time.Second).Fetch(context.Background(), srv.URL+"/blog/feed.xml", vigie.SourceState{})
	if err != nil {
		t.Fatal(err)
	}
	if want := srv.URL + "/blog/posts/1.html"; res.Posts[0].URL != want {
		t.Fatalf("URL %q, want %q", res.Posts[0].URL, want)
	}
}

func TestFetchConditional(t *testing.T) {
	const etag = `"v1-abc"`
	const lastMod = "Fri, 20 Nov 2026 09:00:00 GMT"
	data := readTestdata(t, "rss2.xml")
	var full, notModified atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if ua := r.Header.Get("User-Agent"); ua != DefaultUserAgent {
			t.Errorf("User-Agent %q, want %q", ua, DefaultUserAgent)
		}
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == lastMod {
			notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
			t.Errorf("unexpected validators %q, %q", r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since"))
		}
		full.Add(1)
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Write(data)
	})
	f := newFetcher(5 * time.Second)

	first, err := f.Fetch(context.Background(), srv.URL, vigie.SourceState{})
	if err != nil {
		t.Fatal(err)
	}
	if first.NotModified || len(first.Posts) == 0 || first.ETag != etag || first.LastModified != lastMod {
		t.Fatalf("first fetch %+v, want posts and validators", first)
	}

	st := vigie.SourceState{ETag: first.ETag, LastModified: first.LastModified}
	second, err := f.Fetch(context.Background(), srv.URL, st)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{NotModified: true, ETag: etag, LastModified: lastMod}
	if second.NotModified != want.NotModified || second.ETag != want.ETag || second.LastModified != want.LastModified || len(second.Posts) != 0 {
		t.Fatalf("second fetch %+v, want %+v", second, want)
	}
	if full.Load() != 1 || notModified.Load() != 1 {
		t.Errorf("server answered %d full and %d 304, want 1 and 1", full.Load(), notModified.Load())
	}
}

func TestFetchServerError(t *testing.T) {
	tests := []struct {
		code int
		want string
	}{
		{500, "the server answered 500 Internal Server Error"},
		{404, "the server answered 404 Not Found"},
		{403, "the server answered 403 Forbidden"},
		{503, "the server answered 503 Service Unavailable"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.code), func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "oops", tt.code)
			})
			_, err := newFetcher(5*time.Second).Fetch(context.Background(), srv.URL, vigie.SourceState{})
			var se *StatusError
			if !errors.As(err, &se) || se.Code != tt.code {
				t.Fatalf("error %v, want a *StatusError %d", err, tt.code)
			}
			if !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want it to start with %q", err, tt.want)
			}
		})
	}
}

// TestFetchTimeout: a server that never answers. The handler waits for the
// request to be abandoned, so the test takes the client's timeout, no more.
func TestFetchTimeout(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	_, err := newFetcher(150*time.Millisecond).Fetch(context.Background(), srv.URL, vigie.SourceState{})
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("error %v, want ErrTimeout", err)
	}
	if want := "no answer within 150 ms"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

// TestFetchTimeoutMidBody: headers arrive, then the body stalls.
func TestFetchTimeoutMidBody(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `<rss version="2.0"><channel><title>slow</title>`)
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})
	_, err := newFetcher(150*time.Millisecond).Fetch(context.Background(), srv.URL, vigie.SourceState{})
	if !errors.Is(err, ErrTimeout) || !strings.HasPrefix(err.Error(), "no answer within 150 ms") {
		t.Fatalf("error %v, want ErrTimeout saying no answer within 150 ms", err)
	}
}

// TestFetchTooLarge streams 50 MB without holding them: the fetcher must
// stop reading after its limit.
func TestFetchTooLarge(t *testing.T) {
	const total = 50 << 20
	chunk := []byte(strings.Repeat("<!-- padding padding padding padding padding padding -->\n", 512))
	var sent atomic.Int64
	for _, declare := range []bool{false, true} {
		t.Run(fmt.Sprintf("content-length=%v", declare), func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if declare {
					w.Header().Set("Content-Length", fmt.Sprint(total))
				}
				w.Header().Set("Content-Type", "application/rss+xml")
				io.WriteString(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>huge</title>`)
				for n := 0; n < total; {
					m, err := w.Write(chunk[:min(len(chunk), total-n)])
					sent.Add(int64(m))
					if err != nil {
						return
					}
					n += m
				}
			})
			_, err := newFetcher(10*time.Second).Fetch(context.Background(), srv.URL, vigie.SourceState{})
			if !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v, want ErrTooLarge", err)
			}
			if want := "feed larger than 10 MB"; err.Error() != want {
				t.Errorf("error %q, want %q", err, want)
			}
		})
	}
}

func TestFetchMaxBodyBytesOption(t *testing.T) {
	srv := newServer(t, serveFile(t, "rss2.xml", "application/rss+xml"))
	f := NewFetcher(Options{Client: loopback.Client(5 * time.Second), MaxBodyBytes: 512})
	_, err := f.Fetch(context.Background(), srv.URL, vigie.SourceState{})
	if !errors.Is(err, ErrTooLarge) || err.Error() != "feed larger than 512 bytes" {
		t.Fatalf("error %v, want feed larger than 512 bytes", err)
	}
}

func TestFetchGarbage(t *testing.T) {
	tests := []struct {
		name, body string
	}{
		{"html", string(readTestdata(t, "page.html"))},
		{"text", "Hello, I am not a feed."},
		{"binary", "\x00\x01\x02\xff\xfe garbage \x80\x81"},
		{"truncated xml", `<?xml version="1.0"?><rss version="2.0"><channel><title>cut</title><item><title>a`},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				io.WriteString(w, tt.body)
			})
			res, err := newFetcher(5*time.Second).Fetch(context.Background(), srv.URL, vigie.SourceState{})
			if tt.name == "truncated xml" && err == nil {
				// gofeed is lenient with a cut-off document; what it
				// gives must still be valid posts.
				for _, p := range res.Posts {
					if err := p.Validate(); err != nil {
						t.Error(err)
					}
				}
				return
			}
			if !errors.Is(err, ErrNotFeed) || !strings.HasPrefix(err.Error(), "not an RSS, Atom or JSON feed: ") {
				t.Fatalf("error %v, want ErrNotFeed", err)
			}
		})
	}
}

func TestFetchRedirectLoop(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		next := map[string]string{"/a": "/b", "/b": "/a"}[r.URL.Path]
		http.Redirect(w, r, next, http.StatusFound)
	})
	_, err := newFetcher(5*time.Second).Fetch(context.Background(), srv.URL+"/a", vigie.SourceState{})
	if !errors.Is(err, ErrRedirects) || !strings.HasPrefix(err.Error(), "too many redirects") {
		t.Fatalf("error %v, want too many redirects", err)
	}
}

func TestFetchFollowsRedirect(t *testing.T) {
	data := readTestdata(t, "atom.xml")
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
			return
		}
		w.Write(data)
	})
	res, err := newFetcher(5*time.Second).Fetch(context.Background(), srv.URL+"/old", vigie.SourceState{})
	if err != nil || len(res.Posts) != 2 {
		t.Fatalf("%+v, %v; want the feed after the redirect", res, err)
	}
}

// TestFetchRedirectToPrivate: a feed server redirects to an internal
// address; the fetcher refuses to follow.
func TestFetchRedirectToPrivate(t *testing.T) {
	targets := []struct {
		name, location, want string
	}{
		{"private", "http://10.0.0.1/feed", "private network"},
		{"cloud metadata", "http://169.254.169.254/latest/meta-data/", "link-local"},
		{"mapped metadata", "http://[::ffff:169.254.169.254]/latest/", "link-local"},
	}
	for _, tt := range targets {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, tt.location, http.StatusFound)
			})
			_, err := newFetcher(5*time.Second).Fetch(context.Background(), srv.URL, vigie.SourceState{})
			var be *netguard.BlockedError
			if !errors.Is(err, ErrBlocked) || !errors.As(err, &be) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want a blocked %s address", err, tt.want)
			}
		})
	}
}

// TestFetchRedirectToLoopbackRefused runs with the zero policy: a feed on a
// "public" host (the test server, reached through a dialer that knows it)
// redirects to a loopback address, and the guarded client refuses it.
func TestFetchRedirectToLoopbackRefused(t *testing.T) {
	internal := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		t.Error("the fetcher reached the loopback server")
	})
	public := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, internal.URL+"/admin/feed", http.StatusFound)
	})

	client := netguard.Policy{}.Client(5 * time.Second)
	publicAddr := public.Listener.Addr().String()
	client.Transport = hostRouter{
		host: "feeds.example.com",
		to: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, publicAddr)
		}},
		others: client.Transport,
	}
	f := NewFetcher(Options{Client: client})
	_, err := f.Fetch(context.Background(), "http://feeds.example.com/feed", vigie.SourceState{})
	var be *netguard.BlockedError
	if !errors.As(err, &be) || be.Class != netguard.ClassLoopback {
		t.Fatalf("error %v, want a blocked loopback address", err)
	}
	if !strings.Contains(err.Error(), "can allow internal addresses by starting Vigie with VIGIE_ALLOW_PRIVATE_FETCH=1") {
		t.Errorf("error %q does not say how to allow it", err)
	}
}

// hostRouter sends requests for host to one transport and the rest to another.
type hostRouter struct {
	host       string
	to, others http.RoundTripper
}

func (h hostRouter) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Hostname() == h.host {
		return h.to.RoundTrip(r)
	}
	return h.others.RoundTrip(r)
}

func TestFetchDefaultClientRefusesLoopback(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		t.Error("the default fetcher reached a loopback server")
	})
	_, err := NewFetcher(Options{}).Fetch(context.Background(), srv.URL, vigie.SourceState{})
	if !errors.Is(err, ErrBlocked) || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("error %v, want loopback blocked", err)
	}
}

func TestFetchBadAddress(t *testing.T) {
	for _, u := range []string{"", "feeds.example.com/rss", "ftp://example.com/feed", "file:///etc/passwd", "http://"} {
		if _, err := newFetcher(time.Second).Fetch(context.Background(), u, vigie.SourceState{}); err == nil || !strings.Contains(err.Error(), "not a web address") {
			t.Errorf("Fetch(%q): error %v, want not a web address", u, err)
		}
	}
}

func TestFetchConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	addr := srv.URL
	srv.Close()
	_, err := newFetcher(5*time.Second).Fetch(context.Background(), addr, vigie.SourceState{})
	if !errors.Is(err, ErrNetwork) || !strings.Contains(err.Error(), "refused the connection") {
		t.Fatalf("error %v, want the server refused the connection", err)
	}
}

func TestFetchCancelled(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := newFetcher(5*time.Second).Fetch(ctx, srv.URL, vigie.SourceState{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// TestFetchPerHostLimit holds requests in the handler and checks that no
// more than PerHostLimit reach one host at once, while another host name
// is not held up by them.
func TestFetchPerHostLimit(t *testing.T) {
	const limit, n = 2, 6
	var inflight, most atomic.Int32
	arrived := make(chan string, n+1)
	release := make(chan struct{})
	data := readTestdata(t, "rss091.xml")
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		cur := inflight.Add(1)
		defer inflight.Add(-1)
		for {
			m := most.Load()
			if cur <= m || most.CompareAndSwap(m, cur) {
				break
			}
		}
		arrived <- r.Host
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Write(data)
	})

	f := NewFetcher(Options{Client: loopback.Client(10 * time.Second), PerHostLimit: limit})
	var wg sync.WaitGroup
	errs := make(chan error, n+1)
	for range n {
		wg.Go(func() {
			_, err := f.Fetch(context.Background(), srv.URL, vigie.SourceState{})
			errs <- err
		})
	}
	for range limit {
		<-arrived
	}

	// The host's slots are taken: a fetch that must wait gives up with its context.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := f.Fetch(ctx, srv.URL, vigie.SourceState{}); !errors.Is(err, context.Canceled) {
		t.Errorf("waiting fetch with a cancelled context: %v", err)
	}

	// Another host name has its own slots.
	u, _ := url.Parse(srv.URL)
	other := "http://localhost:" + u.Port()
	wg.Go(func() {
		_, err := f.Fetch(context.Background(), other, vigie.SourceState{})
		errs <- err
	})
	for host := <-arrived; !strings.HasPrefix(host, "localhost:"); host = <-arrived {
		t.Fatalf("a request to %s passed the limit while the other host was held", host)
	}

	close(release)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if got := most.Load(); got != limit+1 {
		t.Errorf("at most %d requests at once, want %d (%d per host, plus one to the other host)", got, limit+1, limit)
	}
}

func TestFormatDuration(t *testing.T) {
	tests := map[time.Duration]string{
		30 * time.Second:        "30 s",
		150 * time.Millisecond:  "150 ms",
		2 * time.Minute:         "2 min",
		90 * time.Second:        "1m30s",
		0:                       "the time allowed",
		1500 * time.Millisecond: "2 s",
	}
	for d, want := range tests {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
