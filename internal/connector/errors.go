package connector

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/vigie-project/vigie"
)

// AuthError is a network refusing a source's credentials (or asking for
// some): the team must give new ones. The source keeps being tried, slowly;
// it is never disabled for it, as a network sometimes refuses for a while.
type AuthError struct {
	Network string
	Status  int
	Detail  string // what the network said, if anything
	// Code is the machine-readable error of a JSON answer (its "error"
	// string: XRPC's "ExpiredToken", OAuth's "invalid_token"), if any.
	Code string
}

func (e *AuthError) Error() string {
	msg := fmt.Sprintf("%s refused the credentials (HTTP %d)", e.Network, e.Status)
	if e.Status == 0 {
		msg = e.Network + " refused the credentials"
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg + "; check the source's token or keys"
}

// RateLimitError is a network asking to wait: the source is tried again at
// Until, not sooner, and it does not count as a failure.
type RateLimitError struct {
	Network string
	Until   time.Time
	Detail  string
}

func (e *RateLimitError) Error() string {
	msg := e.Network + " asks to slow down (rate limit)"
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg + "; next try at " + e.Until.UTC().Format("15:04:05 UTC")
}

// IsAuth reports whether err is an AuthError.
func IsAuth(err error) bool {
	var a *AuthError
	return errors.As(err, &a)
}

// RateLimited returns the rate limit err is, if it is one.
func RateLimited(err error) (*RateLimitError, bool) {
	var r *RateLimitError
	ok := errors.As(err, &r)
	return r, ok
}

// MaxBody is the most a connector reads of one answer: a page of any API is
// far smaller, and a server that sends more is broken or hostile.
const MaxBody = 16 << 20

// UserAgent is sent with every request of a connector; some networks
// (Reddit) refuse requests without a descriptive one.
const UserAgent = "Vigie/1.0 (+https://github.com/vigie-project/vigie; self-hosted social listening)"

// Do sends req with Vigie's User-Agent (unless set) and turns the answers
// that are not 2xx into errors that say what happened: 401 and 403 an
// AuthError, 429 (and 503 with Retry-After) a RateLimitError until the time
// the network gives (Retry-After, or a reset header), others a StatusError
// with the status and the start of the body. On success the caller must
// close the body.
func Do(c *http.Client, network string, req *http.Request, now time.Time) (*http.Response, error) {
	resp, err := send(c, network, req, now)
	if err != nil {
		return nil, err
	}
	return resp, nil
}

// send is Do that also returns the answer of an HTTP error (its body
// closed), for its headers: a rate limit's error code, its limits.
func send(c *http.Client, network string, req *http.Request, now time.Time) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", UserAgent)
	}
	resp, err := c.Do(req)
	if err != nil {
		if req.Context().Err() != nil {
			return nil, req.Context().Err()
		}
		return nil, Plain(network, err)
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return resp, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	detail, code := shortDetail(body), errorCode(body)
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return resp, &AuthError{Network: network, Status: resp.StatusCode, Detail: detail, Code: code}
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Retry-After") != "":
		until := RetryAt(resp.Header, now)
		if until.IsZero() {
			until = now.Add(time.Minute)
		}
		return resp, &RateLimitError{Network: network, Until: until, Detail: detail}
	}
	return resp, &StatusError{Network: network, Status: resp.StatusCode, Detail: detail, Code: code}
}

// StatusOf returns the HTTP status of an answer Do or GetJSON turned into
// an error (0 for other errors).
func StatusOf(err error) int {
	var a *AuthError
	var s *StatusError
	switch {
	case errors.As(err, &a):
		return a.Status
	case errors.As(err, &s):
		return s.Status
	}
	if _, ok := RateLimited(err); ok {
		return http.StatusTooManyRequests
	}
	return 0
}

// StatusError is an answer that is neither a success, a refusal of the
// credentials nor a rate limit: its HTTP status and what the network said,
// for a connector that reads one of them as an answer (an older server's
// 404 for an empty list, say).
type StatusError struct {
	Network string
	Status  int
	Detail  string
	// Code is the machine-readable error of a JSON answer (its "error"
	// string, as XRPC's "RecordNotFound"), if any.
	Code string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s answered HTTP %d", e.Network, e.Status)
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// shortDetail is what an error answer says, in one line: the "error" or
// "message" of a JSON body, else its first words.
func shortDetail(body []byte) string {
	var j struct {
		Error            any    `json:"error"`
		Message          string `json:"message"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(body, &j) == nil {
		for _, s := range []string{j.ErrorDescription, j.Message, fmt.Sprint(j.Error)} {
			if s != "" && s != "<nil>" {
				return clip(s)
			}
		}
	}
	s := strings.Join(strings.Fields(string(body)), " ")
	if strings.HasPrefix(s, "<") {
		return "" // an HTML error page says nothing useful in one line
	}
	return clip(s)
}

// errorCode is the "error" string of a JSON error answer (XRPC's
// {"error":"ExpiredToken","message":…}), "" if it has none.
func errorCode(body []byte) string {
	var j struct {
		Error any `json:"error"`
	}
	if json.Unmarshal(body, &j) != nil {
		return ""
	}
	s, _ := j.Error.(string)
	return clip(s)
}

// ErrorCode returns the machine-readable code of an answer Do or GetJSON
// turned into an AuthError or a StatusError ("" for other errors).
func ErrorCode(err error) string {
	var a *AuthError
	var s *StatusError
	switch {
	case errors.As(err, &a):
		return a.Code
	case errors.As(err, &s):
		return s.Code
	}
	return ""
}

// Permanent reports whether err is an answer that sending the same
// request again cannot change: an HTTP 4xx other than 401 and 403 (an
// AuthError: the credentials may be renewed), 408 (a timeout) and 429 (a
// RateLimitError); or a request the client refused to send, wrapping
// vigie.ErrInvalid (a post over the network's limits). Every other error
// (5xx, the network, a timeout) is transient, and a nil error is not
// permanent.
func Permanent(err error) bool {
	if err == nil || IsAuth(err) {
		return false
	}
	if errors.Is(err, vigie.ErrInvalid) {
		return true
	}
	if _, ok := RateLimited(err); ok {
		return false
	}
	var s *StatusError
	if !errors.As(err, &s) {
		return false
	}
	return s.Status >= 400 && s.Status < 500 && s.Status != http.StatusRequestTimeout && s.Status != http.StatusTooManyRequests
}

func clip(s string) string {
	if r := []rune(s); len(r) > 160 {
		return string(r[:160]) + "…"
	}
	return s
}

// MaxRetryWait bounds the wait a network's answer may ask for: a server
// that says "come back in a thousand years" (broken or hostile) is tried
// again tomorrow.
const MaxRetryWait = 24 * time.Hour

// RetryAt reads when a network says to try again: Retry-After (seconds or
// a date), else a rate-limit reset header (X-RateLimit-Reset and
// X-Ratelimit-Reset as seconds from now or a Unix time, RateLimit-Reset as
// seconds), within [now, now+MaxRetryWait]. Zero: it says nothing.
func RetryAt(h http.Header, now time.Time) time.Time {
	t := retryAt(h, now)
	switch {
	case t.IsZero():
		return t
	case t.Before(now):
		return now
	case t.After(now.Add(MaxRetryWait)):
		return now.Add(MaxRetryWait)
	}
	return t
}

func retryAt(h http.Header, now time.Time) time.Time {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
			return now.Add(time.Duration(min(n, 86400) * float64(time.Second)))
		}
		if t, err := http.ParseTime(v); err == nil {
			return t
		}
	}
	for _, k := range []string{"X-RateLimit-Reset", "RateLimit-Reset"} {
		v := strings.TrimSpace(h.Get(k))
		if v == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil { // Mastodon
			return t
		}
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
			if n > 1e9 { // a Unix time
				if n > 1e11 {
					return now.Add(MaxRetryWait) // beyond year 5000: nonsense
				}
				return time.Unix(int64(n), 0)
			}
			return now.Add(time.Duration(min(n, 86400) * float64(time.Second)))
		}
	}
	return time.Time{}
}

// RateLimitState describes a network's rate-limit headers in plain words
// for the source's health ("287 of 300 requests left until 14:05 UTC"),
// or "" when it sends none.
func RateLimitState(h http.Header, now time.Time) string {
	remaining := firstHeader(h, "X-RateLimit-Remaining", "X-Ratelimit-Remaining", "RateLimit-Remaining")
	if remaining == "" {
		return ""
	}
	if f, err := strconv.ParseFloat(remaining, 64); err == nil {
		remaining = strconv.FormatFloat(f, 'f', 0, 64)
	}
	s := remaining + " requests left"
	if limit := firstHeader(h, "X-RateLimit-Limit", "RateLimit-Limit"); limit != "" {
		s = remaining + " of " + limit + " requests left"
	} else if used := firstHeader(h, "X-Ratelimit-Used"); used != "" {
		s += " (" + used + " used)"
	}
	if h.Get("Retry-After") == "" {
		if t := RetryAt(h, now); !t.IsZero() {
			s += " until " + t.UTC().Format("15:04 UTC")
		}
	}
	return s
}

func firstHeader(h http.Header, keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(h.Get(k)); v != "" {
			return v
		}
	}
	return ""
}

// GetJSON fetches u and decodes its JSON answer into v, reading at most
// MaxBody, with Do's errors. It returns the answer's headers (rate limits,
// Link), those of an HTTP error too.
func GetJSON(ctx context.Context, c *http.Client, network, u string, header http.Header, now time.Time, v any) (http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", network, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", "application/json")
	}
	resp, err := send(c, network, req, now)
	if err != nil {
		if resp != nil {
			return resp.Header, err
		}
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxBody+1))
	if err != nil {
		return resp.Header, fmt.Errorf("%s: reading the answer: %w", network, err)
	}
	if len(body) > MaxBody {
		return resp.Header, fmt.Errorf("%s: the answer is over %d MB; not read", network, MaxBody>>20)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return resp.Header, fmt.Errorf("%s: the answer is not the JSON expected (%v); the API may have changed", network, err)
	}
	return resp.Header, nil
}

// Plain says in plain words why a connection to a network failed (the
// cause stays wrapped, for errors.Is): the server refused it or closed it,
// its name does not exist, no answer in time, its certificate is not
// valid, the fetch policy blocked it. Other errors come back as they are.
func Plain(network string, err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	var dnsErr *net.DNSError
	var ne net.Error
	var cert *tls.CertificateVerificationError
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var msg string
	switch {
	case strings.Contains(err.Error(), "blocked the connection"), strings.Contains(err.Error(), "blocked a "):
		return fmt.Errorf("%s: %w", network, err) // the fetch policy's words already
	case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		msg = "the server name " + dnsErr.Name + " does not exist (check the address for typos)"
	case errors.As(err, &dnsErr):
		msg = "could not look up the server name " + dnsErr.Name + "; the name service did not answer"
	case errors.Is(err, syscall.ECONNREFUSED):
		msg = "the server refused the connection (it may be down)"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		msg = "no answer in time"
	case errors.As(err, &cert), errors.As(err, &unknown), errors.As(err, &host):
		msg = "the server's security certificate is not valid"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), strings.Contains(err.Error(), "close frame"):
		msg = "the server closed the connection"
	default:
		return fmt.Errorf("%s: %w", network, err)
	}
	return &plainError{msg: network + ": " + msg, err: err}
}

type plainError struct {
	msg string
	err error
}

func (e *plainError) Error() string { return e.msg }
func (e *plainError) Unwrap() error { return e.err }
