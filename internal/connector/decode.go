package connector

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
)

// Helpers for decoding what networks send: tolerant field types, so that
// one field of an unexpected type does not lose a whole page, and the
// bounds of a post.

// Str is a JSON string that also takes null (""), a number (its digits)
// and anything else ("").
type Str string

func (s *Str) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		*s = ""
	case b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = Str(v)
	case b[0] == '-' || b[0] >= '0' && b[0] <= '9':
		*s = Str(b)
	default:
		*s = ""
	}
	return nil
}

// Num is a JSON integer that also takes null (0), a float (its integer
// part), a number in a string, and anything else (0).
type Num int64

func (n *Num) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		b = []byte(strings.TrimSpace(v))
	}
	*n = 0
	if i, err := strconv.ParseInt(string(b), 10, 64); err == nil {
		*n = Num(i)
	} else if f, err := strconv.ParseFloat(string(b), 64); err == nil && f > -9e18 && f < 9e18 {
		*n = Num(f)
	}
	return nil
}

// ClipText cuts s to vigie.MaxTextBytes, at a character boundary.
func ClipText(s string) string {
	if len(s) <= vigie.MaxTextBytes {
		return s
	}
	i := vigie.MaxTextBytes
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// WebAddress reports whether u is an http or https address with more than
// its scheme.
func WebAddress(u string) bool {
	l := strings.ToLower(u)
	return (strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://")) && len(u) > len("https://")
}
