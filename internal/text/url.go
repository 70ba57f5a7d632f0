package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// urlLen returns the length of the URL at the start of s ("http://", "https://"
// or "www."), or 0. Trailing punctuation that ends a sentence is not part of it.
func urlLen(s string) int {
	// Most words that start with h or w are no URL: their second letter says so.
	if len(s) < 4 || s[1]|0x20 != 't' && s[1]|0x20 != 'w' {
		return 0
	}
	var n int
	switch {
	case hasPrefixFold(s, "https://"):
		n = 8
	case hasPrefixFold(s, "http://"):
		n = 7
	case hasPrefixFold(s, "www."):
		n = 4
	default:
		return 0
	}
	start := n
	for n < len(s) {
		c := s[n]
		if c < utf8.RuneSelf {
			if c <= ' ' || c == '<' || c == '>' || c == '"' || c == '`' || c == '{' || c == '}' || c == '|' || c == '\\' || c == '^' {
				break
			}
			n++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[n:])
		if unicode.IsSpace(r) || r == utf8.RuneError {
			break
		}
		n += size
	}
	// Trim what usually closes the sentence around a link.
	for n > start {
		r, size := utf8.DecodeLastRuneInString(s[:n])
		switch r {
		case '.', ',', ';', ':', '!', '?', '\'', '"', '*', '…', '»', '”', '’', '“':
			n -= size
			continue
		case ')':
			if strings.Count(s[:n], "(") < strings.Count(s[:n], ")") {
				n -= size
				continue
			}
		case ']':
			if strings.Count(s[:n], "[") < strings.Count(s[:n], "]") {
				n -= size
				continue
			}
		}
		break
	}
	if n == start || !isHostByte(s[start]) {
		return 0
	}
	return n
}

func isHostByte(c byte) bool {
	return isASCIIAlnum(c) || c == '[' || c >= utf8.RuneSelf
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// Host returns the lower-case host of a URL (with or without scheme), without
// user info, port or trailing dot; "" if there is none.
func Host(u string) string {
	// Most links are http(s) with a lower-case ASCII host: no folding,
	// nothing to trim, the host is a slice of the link.
	if rest, ok := strings.CutPrefix(u, "https://"); ok || strings.HasPrefix(u, "http://") {
		if !ok {
			rest = u[len("http://"):]
		}
		for i := 0; i < len(rest); i++ {
			switch c := rest[i]; {
			case 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.':
				continue
			case c == '/' || c == '?' || c == '#':
				if i > 0 && rest[i-1] != '.' {
					return rest[:i]
				}
			}
			return hostOf(u)
		}
		if rest != "" && rest[len(rest)-1] != '.' {
			return rest
		}
	}
	return hostOf(u)
}

// hostOf is Host for any link.
func hostOf(u string) string {
	u = trimSpace(u)
	if i := strings.Index(u, "://"); i > 0 && isScheme(u[:i]) {
		u = u[i+3:]
	} else {
		u = strings.TrimPrefix(u, "//")
	}
	if i := strings.IndexAny(u, "/?#"); i >= 0 {
		u = u[:i]
	}
	if i := strings.LastIndexByte(u, '@'); i >= 0 {
		u = u[i+1:]
	}
	if strings.HasPrefix(u, "[") {
		if i := strings.IndexByte(u, ']'); i >= 0 {
			return strings.ToLower(u[:i+1])
		}
		return ""
	}
	if i := strings.LastIndexByte(u, ':'); i >= 0 {
		u = u[:i]
	}
	u = strings.TrimSuffix(u, ".")
	return Fold(u)
}

// isScheme reports whether s is a URL scheme (RFC 3986: a letter, then letters,
// digits, '+', '-' or '.'), so that a "://" later in a link without one
// ("www.a.ch/http://b.ch") is not taken for the end of a scheme.
func isScheme(s string) bool {
	if len(s) > 16 || !isASCIILetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isASCIIAlnum(c) && c != '+' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}
