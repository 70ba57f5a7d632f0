// Package netguard keeps the URLs Vigie fetches on a user's behalf (feeds,
// webhooks, link previews) away from the machine itself and its private
// network: an SSRF guard.
//
// The check runs on the IP address a connection is about to be opened to,
// after name resolution, for every connection the client makes. A host name
// that resolves to a private address, a DNS answer that changes between a
// check and the connection (DNS rebinding), and a redirect to an internal
// address are therefore all refused in the same place.
package netguard

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// MaxRedirects is how many redirects a client from Policy.Client follows.
const MaxRedirects = 5

// Policy says which non-public addresses may be reached. The zero value
// allows public internet addresses only. Its fields are administrator
// settings, never a user's.
type Policy struct {
	// AllowPrivate allows private networks: RFC 1918 (10/8, 172.16/12,
	// 192.168/16), IPv6 unique local addresses (fc00::/7) and carrier-grade
	// NAT (100.64/10) — for an intranet feed server, for instance.
	AllowPrivate bool
	// AllowLoopback allows the machine Vigie runs on (127/8, ::1).
	AllowLoopback bool
}

// Errors for the checks the client applies besides the address check.
var (
	ErrTooManyRedirects = errors.New("too many redirects")
	ErrScheme           = errors.New("unsupported address scheme")
)

// Class is the kind of a non-public IP address.
type Class string

// The address classes the guard knows. Only ClassLoopback and ClassPrivate
// can be allowed by a Policy; the others are never reached.
const (
	ClassLoopback    Class = "loopback"
	ClassPrivate     Class = "private"
	ClassLinkLocal   Class = "link-local"
	ClassUnspecified Class = "unspecified"
	ClassMulticast   Class = "multicast"
	ClassReserved    Class = "reserved"
)

// BlockedError is returned (wrapped in the usual *url.Error and *net.OpError)
// when a connection to a non-public address was refused.
type BlockedError struct {
	Addr  netip.Addr
	Class Class
}

func (e *BlockedError) Error() string {
	switch e.Class {
	case ClassLoopback:
		return fmt.Sprintf("blocked the connection to %s: it is this machine's own loopback address; the administrator of this installation can allow internal addresses by starting Vigie with VIGIE_ALLOW_PRIVATE_FETCH=1", e.Addr)
	case ClassPrivate:
		return fmt.Sprintf("blocked the connection to %s: it is an address of a private network, not of the public internet; the administrator of this installation can allow internal addresses by starting Vigie with VIGIE_ALLOW_PRIVATE_FETCH=1", e.Addr)
	case ClassLinkLocal:
		return fmt.Sprintf("blocked the connection to %s: it is a link-local address (where cloud servers keep their secret metadata); such addresses are never fetched and no setting allows them", e.Addr)
	case ClassUnspecified:
		return fmt.Sprintf("blocked the connection to %s: it is the unspecified address, which reaches this machine; it is never fetched and no setting allows it", e.Addr)
	case ClassMulticast:
		return fmt.Sprintf("blocked the connection to %s: it is a multicast or broadcast address, not a single server; it is never fetched and no setting allows it", e.Addr)
	default:
		return fmt.Sprintf("blocked the connection to %s: it is a reserved address, not of the public internet; it is never fetched and no setting allows it", e.Addr)
	}
}

var (
	// Loopback.
	loopback = []netip.Prefix{pfx("127.0.0.0/8"), pfx("::1/128")}
	// Private networks an administrator may open with AllowPrivate.
	private = []netip.Prefix{
		pfx("10.0.0.0/8"), pfx("172.16.0.0/12"), pfx("192.168.0.0/16"), // RFC 1918
		pfx("100.64.0.0/10"), // carrier-grade NAT, RFC 6598
		pfx("fc00::/7"),      // unique local, RFC 4193
	}
	linkLocal   = []netip.Prefix{pfx("169.254.0.0/16"), pfx("fe80::/10")}
	unspecified = []netip.Prefix{pfx("0.0.0.0/8"), pfx("::/128")}
	multicast   = []netip.Prefix{pfx("224.0.0.0/4"), pfx("255.255.255.255/32"), pfx("ff00::/8")}
	// Special-purpose IPv4 ranges of the IANA registry that are not global.
	reserved4 = []netip.Prefix{
		pfx("192.0.0.0/24"),    // IETF protocol assignments
		pfx("192.0.2.0/24"),    // documentation
		pfx("198.18.0.0/15"),   // benchmarking
		pfx("198.51.100.0/24"), // documentation
		pfx("203.0.113.0/24"),  // documentation
		pfx("240.0.0.0/4"),     // reserved
	}
	// IPv6: only global unicast (2000::/3) is public, minus these.
	global6   = pfx("2000::/3")
	reserved6 = []netip.Prefix{
		pfx("2001::/23"),     // IETF protocol assignments (Teredo, ORCHID, …)
		pfx("2001:db8::/32"), // documentation
		pfx("3fff::/20"),     // documentation
	}
	// IPv6 ranges that carry an IPv4 address, checked as that address.
	nat64  = []netip.Prefix{pfx("64:ff9b::/96"), pfx("64:ff9b:1::/48")}
	sixTo4 = pfx("2002::/16")
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func in(a netip.Addr, ps []netip.Prefix) bool {
	for _, p := range ps {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Classify returns the class of a non-public address, or "" for an address
// of the public internet. IPv4 addresses written as IPv6 (IPv4-mapped
// ::ffff:a.b.c.d, NAT64 and 6to4) are classified as the IPv4 address they carry.
func Classify(a netip.Addr) Class {
	a = a.WithZone("")
	if a.Is4In6() {
		a = a.Unmap()
	}
	if a.Is6() {
		switch {
		case in(a, nat64):
			b := a.As16()
			return Classify(netip.AddrFrom4([4]byte(b[12:16])))
		case sixTo4.Contains(a):
			b := a.As16()
			return Classify(netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	switch {
	case !a.IsValid():
		return ClassReserved
	case in(a, loopback):
		return ClassLoopback
	case in(a, unspecified):
		return ClassUnspecified
	case in(a, linkLocal):
		return ClassLinkLocal
	case in(a, multicast):
		return ClassMulticast
	case in(a, private):
		return ClassPrivate
	case a.Is4():
		if in(a, reserved4) {
			return ClassReserved
		}
		return ""
	case !global6.Contains(a) || in(a, reserved6):
		return ClassReserved
	}
	return ""
}

// Check reports whether a connection to a may be opened, as a *BlockedError.
func (p Policy) Check(a netip.Addr) error {
	switch c := Classify(a); c {
	case "":
		return nil
	case ClassLoopback:
		if p.AllowLoopback {
			return nil
		}
		return &BlockedError{Addr: a, Class: c}
	case ClassPrivate:
		if p.AllowPrivate {
			return nil
		}
		return &BlockedError{Addr: a, Class: c}
	default:
		return &BlockedError{Addr: a, Class: c}
	}
}

// CheckURL is a quick check of a URL typed in a form, before it is saved: an
// http, https, ws or wss scheme (a WebSocket is dialled through Client, as
// http and https), a host, and, when the host is an IP address, an
// address the policy allows. Host names are checked when a connection is
// made, since their addresses may change.
func (p Policy) CheckURL(raw string) error {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return fmt.Errorf("not a valid web address: %w", err)
	}
	if s := strings.ToLower(u.Scheme); s != "ws" && s != "wss" {
		if err := checkScheme(u); err != nil {
			return err
		}
	}
	host := u.Hostname()
	if host == "" {
		return fmt.Errorf("the web address %q has no server name", raw)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		return p.Check(a)
	}
	return nil
}

func checkScheme(u *url.URL) error {
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		return nil
	case "":
		return fmt.Errorf("%w: the address has no http:// or https:// in front", ErrScheme)
	}
	return fmt.Errorf("%w: only http:// and https:// addresses are fetched, not %s://", ErrScheme, u.Scheme)
}

// control runs after name resolution and before every connection.
func (p Policy) control(network, address string, _ syscall.RawConn) error {
	switch network {
	case "tcp", "tcp4", "tcp6":
	default:
		return fmt.Errorf("blocked a %s connection: only TCP is allowed", network)
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("blocked the connection to %q: not an IP address and port", address)
	}
	return p.Check(ap.Addr())
}

// Dialer returns a net.Dialer that refuses connections the policy does not
// allow, for clients other than HTTP (SMTP, for instance).
func (p Policy) Dialer(timeout time.Duration) *net.Dialer {
	return &net.Dialer{
		Timeout:   timeout,
		KeepAlive: 30 * time.Second,
		Control:   p.control,
	}
}

// Client returns an HTTP client that only connects to addresses the policy
// allows, follows at most MaxRedirects redirects, only to http and https
// addresses, and gives up on a request (body included) after timeout (0:
// only the caller's context limits it; connecting still times out). It
// ignores the HTTP_PROXY environment variables: through a proxy, the guard
// would only see the proxy's address.
func (p Policy) Client(timeout time.Duration) *http.Client {
	dialTimeout := timeout
	if dialTimeout <= 0 || dialTimeout > 30*time.Second {
		dialTimeout = 30 * time.Second
	}
	t := &http.Transport{
		Proxy:                  nil,
		DialContext:            p.Dialer(dialTimeout).DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  1 * time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
	return &http.Client{
		Transport:     schemeGuard{t},
		Timeout:       timeout,
		CheckRedirect: checkRedirect,
	}
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return fmt.Errorf("%w: more than %d in a row; the address probably redirects in a loop", ErrTooManyRedirects, MaxRedirects)
	}
	return checkScheme(req.URL)
}

// schemeGuard refuses non-http(s) requests with a plain error before the
// transport sees them.
type schemeGuard struct{ rt http.RoundTripper }

func (g schemeGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := checkScheme(req.URL); err != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, err
	}
	return g.rt.RoundTrip(req)
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the transport.
func (g schemeGuard) CloseIdleConnections() {
	if c, ok := g.rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// LoopbackHost reports whether a URL's host names this machine
// ("localhost", 127.0.0.0/8, ::1): the one place plain http may carry a
// credential (tests, a server on the same machine; the Policy still
// decides whether it is reached).
func LoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	return err == nil && a.Unmap().IsLoopback()
}
