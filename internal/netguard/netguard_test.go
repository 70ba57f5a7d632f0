package netguard

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		addr string
		want Class
	}{
		{"public v4", "93.184.216.34", ""},
		{"public v6", "2606:4700::6810:85e5", ""},
		{"loopback", "127.0.0.1", ClassLoopback},
		{"loopback range", "127.1.2.3", ClassLoopback},
		{"loopback v6", "::1", ClassLoopback},
		{"rfc1918 10", "10.1.2.3", ClassPrivate},
		{"rfc1918 172.16", "172.16.0.1", ClassPrivate},
		{"rfc1918 172.31", "172.31.255.255", ClassPrivate},
		{"not rfc1918 172.32", "172.32.0.1", ""},
		{"rfc1918 192.168", "192.168.1.1", ClassPrivate},
		{"cgnat", "100.64.0.1", ClassPrivate},
		{"cgnat end", "100.127.255.254", ClassPrivate},
		{"not cgnat", "100.128.0.1", ""},
		{"unique local v6", "fd12:3456::1", ClassPrivate},
		{"unique local fc", "fc00::1", ClassPrivate},
		{"link-local", "169.254.1.1", ClassLinkLocal},
		{"cloud metadata", "169.254.169.254", ClassLinkLocal},
		{"link-local v6", "fe80::1", ClassLinkLocal},
		{"link-local v6 zone", "fe80::1%eth0", ClassLinkLocal},
		{"unspecified", "0.0.0.0", ClassUnspecified},
		{"this network", "0.1.2.3", ClassUnspecified},
		{"unspecified v6", "::", ClassUnspecified},
		{"multicast", "224.0.0.1", ClassMulticast},
		{"multicast high", "239.255.255.250", ClassMulticast},
		{"broadcast", "255.255.255.255", ClassMulticast},
		{"multicast v6", "ff02::1", ClassMulticast},
		{"documentation", "192.0.2.1", ClassReserved},
		{"benchmarking", "198.18.0.1", ClassReserved},
		{"class e", "240.0.0.1", ClassReserved},
		{"documentation v6", "2001:db8::1", ClassReserved},
		{"ipv4-compatible v6", "::127.0.0.1", ClassReserved},
		{"discard v6", "100::1", ClassReserved},
		{"mapped loopback", "::ffff:127.0.0.1", ClassLoopback},
		{"mapped private", "::ffff:10.0.0.1", ClassPrivate},
		{"mapped metadata", "::ffff:169.254.169.254", ClassLinkLocal},
		{"mapped unspecified", "::ffff:0.0.0.0", ClassUnspecified},
		{"mapped public", "::ffff:93.184.216.34", ""},
		{"nat64 loopback", "64:ff9b::7f00:1", ClassLoopback},
		{"nat64 public", "64:ff9b::5db8:d822", ""},
		{"6to4 private", "2002:c0a8:0101::1", ClassPrivate},
		{"6to4 public", "2002:5db8:d822::1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := netip.MustParseAddr(tt.addr)
			if got := Classify(a); got != tt.want {
				t.Errorf("Classify(%s) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

func TestPolicyCheck(t *testing.T) {
	tests := []struct {
		name   string
		policy Policy
		addr   string
		ok     bool
	}{
		{"zero denies loopback", Policy{}, "127.0.0.1", false},
		{"zero denies private", Policy{}, "192.168.0.1", false},
		{"zero allows public", Policy{}, "1.1.1.1", true},
		{"loopback allowed", Policy{AllowLoopback: true}, "127.0.0.1", true},
		{"loopback allowed v6", Policy{AllowLoopback: true}, "::1", true},
		{"loopback allowed mapped", Policy{AllowLoopback: true}, "::ffff:127.0.0.1", true},
		{"loopback does not allow private", Policy{AllowLoopback: true}, "10.0.0.1", false},
		{"private allowed", Policy{AllowPrivate: true}, "10.0.0.1", true},
		{"private allowed cgnat", Policy{AllowPrivate: true}, "100.64.1.1", true},
		{"private allowed ula", Policy{AllowPrivate: true}, "fd00::1", true},
		{"private does not allow loopback", Policy{AllowPrivate: true}, "127.0.0.1", false},
		{"metadata never", Policy{AllowPrivate: true, AllowLoopback: true}, "169.254.169.254", false},
		{"unspecified never", Policy{AllowPrivate: true, AllowLoopback: true}, "0.0.0.0", false},
		{"multicast never", Policy{AllowPrivate: true, AllowLoopback: true}, "224.0.0.251", false},
		{"reserved never", Policy{AllowPrivate: true, AllowLoopback: true}, "240.0.0.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.policy.Check(netip.MustParseAddr(tt.addr))
			if (err == nil) != tt.ok {
				t.Fatalf("Check(%s) = %v, want ok=%v", tt.addr, err, tt.ok)
			}
			if err != nil {
				var be *BlockedError
				if !errors.As(err, &be) {
					t.Fatalf("error %v is not a *BlockedError", err)
				}
			}
		})
	}
}

func TestBlockedErrorSaysHowToAllow(t *testing.T) {
	tests := []struct {
		addr string
		want string
	}{
		{"127.0.0.1", "loopback address; the administrator of this installation can allow internal addresses by starting Vigie with VIGIE_ALLOW_PRIVATE_FETCH=1"},
		{"10.0.0.1", "private network, not of the public internet; the administrator of this installation can allow internal addresses by starting Vigie with VIGIE_ALLOW_PRIVATE_FETCH=1"},
		{"169.254.169.254", "no setting allows"},
	}
	for _, tt := range tests {
		err := Policy{}.Check(netip.MustParseAddr(tt.addr))
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.addr) {
			t.Errorf("Check(%s) = %v, want a message naming the address and saying %q", tt.addr, err, tt.want)
		}
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		url string
		ok  bool
	}{
		{"https://example.com/feed.xml", true},
		{"http://93.184.216.34/feed", true},
		{"http://127.0.0.1:8080/feed", false},
		{"http://[::1]/feed", false},
		{"http://169.254.169.254/latest/meta-data/", false},
		{"ftp://example.com/feed", false},
		{"file:///etc/passwd", false},
		{"example.com/feed", false},
		{"http:///feed", false},
	}
	for _, tt := range tests {
		if err := (Policy{}).CheckURL(tt.url); (err == nil) != tt.ok {
			t.Errorf("CheckURL(%q) = %v, want ok=%v", tt.url, err, tt.ok)
		}
	}
}

func get(t *testing.T, c *http.Client, url string) (string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestClientRefusesLoopbackByDefault(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the guarded client reached the loopback server")
	}))
	defer srv.Close()

	for _, url := range []string{srv.URL, strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)} {
		_, err := get(t, Policy{}.Client(5*time.Second), url)
		var be *BlockedError
		if !errors.As(err, &be) || be.Class != ClassLoopback {
			t.Fatalf("GET %s: error %v, want a loopback *BlockedError", url, err)
		}
	}
}

func TestClientAllowsLoopbackWhenAllowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "hello")
	}))
	defer srv.Close()

	body, err := get(t, Policy{AllowLoopback: true}.Client(5*time.Second), srv.URL)
	if err != nil || body != "hello" {
		t.Fatalf("GET = %q, %v; want hello", body, err)
	}
	// Allowing private networks is not allowing loopback.
	if _, err := get(t, Policy{AllowPrivate: true}.Client(5*time.Second), srv.URL); err == nil {
		t.Fatal("AllowPrivate reached a loopback server")
	}
}

// TestClientRefusesRedirectToLoopback: a redirect is a new connection, and
// its address is checked like the first one's. The redirecting server stands
// for a public one: its own address is not checked by this test's transport.
func TestClientRefusesRedirectToLoopback(t *testing.T) {
	internal := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the redirect reached the internal server")
	}))
	defer internal.Close()
	public := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, internal.URL+"/admin", http.StatusFound)
	}))
	defer public.Close()

	c := Policy{}.Client(5 * time.Second)
	// Connections to the "public" server go through an unguarded dialer;
	// every other connection through the guarded one.
	guarded := c.Transport.(schemeGuard).rt.(*http.Transport)
	open := Policy{AllowLoopback: true}.Dialer(5 * time.Second)
	publicHost := strings.TrimPrefix(public.URL, "http://")
	guardedDial := guarded.DialContext
	guarded.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == publicHost {
			return open.DialContext(ctx, network, addr)
		}
		return guardedDial(ctx, network, addr)
	}

	_, err := get(t, c, public.URL)
	var be *BlockedError
	if !errors.As(err, &be) || be.Class != ClassLoopback {
		t.Fatalf("GET with redirect to loopback: error %v, want a loopback *BlockedError", err)
	}
}

func TestClientRedirectLimit(t *testing.T) {
	var n int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		http.Redirect(w, r, "/loop", http.StatusFound)
	}))
	defer srv.Close()

	_, err := get(t, Policy{AllowLoopback: true}.Client(5*time.Second), srv.URL)
	if !errors.Is(err, ErrTooManyRedirects) {
		t.Fatalf("error %v, want ErrTooManyRedirects", err)
	}
	if n != MaxRedirects+1 {
		t.Errorf("server saw %d requests, want %d (the first and %d redirects)", n, MaxRedirects+1, MaxRedirects)
	}
}

func TestClientFollowsFewRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/5" {
			io.WriteString(w, "end")
			return
		}
		next := map[string]string{"/": "/1", "/1": "/2", "/2": "/3", "/3": "/4", "/4": "/5"}[r.URL.Path]
		http.Redirect(w, r, next, http.StatusMovedPermanently)
	}))
	defer srv.Close()

	body, err := get(t, Policy{AllowLoopback: true}.Client(5*time.Second), srv.URL)
	if err != nil || body != "end" {
		t.Fatalf("five redirects: %q, %v; want end", body, err)
	}
}

func TestClientRefusesOtherSchemes(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
	}))
	defer srv.Close()

	c := Policy{AllowLoopback: true}.Client(5 * time.Second)
	if _, err := get(t, c, srv.URL); !errors.Is(err, ErrScheme) {
		t.Errorf("redirect to file://: error %v, want ErrScheme", err)
	}
	if _, err := get(t, c, "ftp://example.com/feed"); !errors.Is(err, ErrScheme) {
		t.Errorf("ftp://: error %v, want ErrScheme", err)
	}
}

func TestLoopbackHost(t *testing.T) {
	for host, want := range map[string]bool{"localhost": true, "127.0.0.1": true, "127.9.8.7": true, "::1": true, "[::1]": true,
		"::ffff:127.0.0.1": true, "127.example.org": false, "10.0.0.1": false, "mastodon.social": false, "": false} {
		if got := LoopbackHost(host); got != want {
			t.Errorf("LoopbackHost(%q) = %v, want %v", host, got, want)
		}
	}
}
