package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The headers of a Standard Webhooks delivery.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// Tolerance is how far a signed delivery's timestamp may be from the
// server's clock, either way (the Standard Webhooks libraries' window): an
// older delivery may be a replay.
const Tolerance = 5 * time.Minute

// maxIDBytes bounds a webhook-id: it is a key in memory.
const maxIDBytes = 256

// SignatureError is a delivery whose signature does not hold; Reason says
// why in words for the sender.
type SignatureError struct{ Reason string }

func (e *SignatureError) Error() string { return "signature refused: " + e.Reason }

// Sign returns the webhook-signature value of a delivery: "v1," and the
// base64 HMAC-SHA256, under key, of id, the timestamp in Unix seconds and
// the body, joined by dots.
func Sign(key []byte, id string, ts time.Time, body []byte) string {
	return "v1," + base64.StdEncoding.EncodeToString(mac(key, id, ts.Unix(), body))
}

func mac(key []byte, id string, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write(strconv.AppendInt(nil, unix, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// Verify checks a Standard Webhooks signature: the three headers are
// there, the timestamp is within Tolerance of now, and one of the
// space-separated "v1,<base64>" signatures is the body's under key
// (compared in constant time; other versions are skipped, as the
// reference libraries do). It returns the delivery's id.
func Verify(key []byte, h http.Header, body []byte, now time.Time) (string, error) {
	id, tsRaw, sigs := h.Get(HeaderID), h.Get(HeaderTimestamp), h.Get(HeaderSignature)
	var missing []string
	for _, x := range []struct{ name, v string }{{HeaderID, id}, {HeaderTimestamp, tsRaw}, {HeaderSignature, sigs}} {
		if strings.TrimSpace(x.v) == "" {
			missing = append(missing, x.name)
		}
	}
	if len(missing) > 0 {
		return "", &SignatureError{fmt.Sprintf("this source takes signed deliveries only (Standard Webhooks); missing header %s", strings.Join(missing, ", "))}
	}
	if err := checkID(id); err != nil {
		return "", err
	}
	unix, err := strconv.ParseInt(strings.TrimSpace(tsRaw), 10, 64)
	if err != nil {
		return "", &SignatureError{fmt.Sprintf("%s %.30q is not a Unix time in seconds", HeaderTimestamp, tsRaw)}
	}
	// Compared in seconds, without time.Duration's overflow on absurd
	// timestamps.
	skew := now.Unix() - unix
	switch tol := int64(Tolerance / time.Second); {
	case skew > tol:
		return "", &SignatureError{fmt.Sprintf("%s is %s old, over the %s allowed (a replay, or the sender's clock is wrong; Vigie's clock says %s)",
			HeaderTimestamp, ago(skew), Tolerance, now.UTC().Format(time.RFC3339))}
	case skew < -tol:
		return "", &SignatureError{fmt.Sprintf("%s is %s in the future, over the %s allowed (the sender's clock is wrong? Vigie's clock says %s)",
			HeaderTimestamp, ago(-skew), Tolerance, now.UTC().Format(time.RFC3339))}
	}
	want := mac(key, id, unix, body)
	seen := 0
	for _, s := range strings.Fields(sigs) {
		version, b64, ok := strings.Cut(s, ",")
		if !ok || version != "v1" {
			continue
		}
		seen++
		got, err := base64.StdEncoding.DecodeString(b64)
		if err == nil && hmac.Equal(got, want) {
			return id, nil
		}
	}
	if seen == 0 {
		return "", &SignatureError{fmt.Sprintf("%s holds no v1 signature (\"v1,<base64 HMAC-SHA256>\", space-separated)", HeaderSignature)}
	}
	return "", &SignatureError{"no v1 signature matches the body under this source's signing key (check the key, and that the body is sent exactly as signed)"}
}

// checkID refuses a webhook-id that cannot be a key: too long, or with
// spaces or control characters.
func checkID(id string) error {
	if len(id) > maxIDBytes {
		return &SignatureError{fmt.Sprintf("%s is %d bytes long; at most %d", HeaderID, len(id), maxIDBytes)}
	}
	for _, c := range []byte(id) {
		if c <= ' ' || c == 0x7f {
			return &SignatureError{fmt.Sprintf("%s holds a space or a control character", HeaderID)}
		}
	}
	return nil
}

func ago(sec int64) string {
	if sec > 1e9 {
		return "decades"
	}
	return (time.Duration(sec) * time.Second).String()
}

// isSignature reports whether err is a SignatureError.
func isSignature(err error) bool {
	var se *SignatureError
	return errors.As(err, &se)
}
