package postjson

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/vigie-project/vigie"
)

// Append appends p to dst as one JSON object in the post format, the fields
// encoding/json would write for vigie.Post (its omitempty and omitzero
// left out), and returns the extended slice. Decode reads it back to the
// same post. It writes no newline.
//
// It is what the recent window (internal/recent) writes for every post
// that matched no monitor: encoding/json's reflection cost a third of it.
// Strings are escaped as JSON requires, invalid UTF-8 replaced by U+FFFD as
// encoding/json does; '<', '>' and '&' are written as they are (the output
// is never embedded in HTML).
func Append(dst []byte, p *vigie.Post) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendString(dst, p.ID)
	dst = append(dst, `,"source":`...)
	dst = appendString(dst, p.Source)
	dst = appendStr(dst, "url", p.URL)
	dst = append(dst, `,"published_at":"`...)
	dst = p.PublishedAt.AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, '"')
	if a := &p.Author; *a != (vigie.Author{}) {
		dst = append(dst, `,"author":{`...)
		n := len(dst)
		dst = appendStr(dst, "id", a.ID)
		dst = appendStr(dst, "handle", a.Handle)
		dst = appendStr(dst, "name", a.Name)
		dst = appendInt(dst, "followers", a.Followers)
		dst = appendStr(dst, "url", a.URL)
		dst = append(dst[:n], dst[n+1:]...) // the first field's comma
		dst = append(dst, '}')
	}
	dst = appendStr(dst, "title", p.Title)
	dst = appendStr(dst, "text", p.Text)
	dst = appendStr(dst, "lang", p.Lang)
	dst = appendStr(dst, "country", p.Country)
	if len(p.Links) > 0 {
		dst = append(dst, `,"links":[`...)
		for i, l := range p.Links {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendString(dst, l)
		}
		dst = append(dst, ']')
	}
	dst = appendStr(dst, "reply_to", p.ReplyTo)
	dst = appendStr(dst, "repost_of", p.RepostOf)
	if m := &p.Metrics; *m != (vigie.Metrics{}) {
		dst = append(dst, `,"metrics":{`...)
		n := len(dst)
		dst = appendInt(dst, "likes", m.Likes)
		dst = appendInt(dst, "reposts", m.Reposts)
		dst = appendInt(dst, "replies", m.Replies)
		dst = appendInt(dst, "views", m.Views)
		dst = append(dst[:n], dst[n+1:]...)
		dst = append(dst, '}')
	}
	return append(dst, '}')
}

// appendStr appends ,"key":"value" unless value is empty.
func appendStr(dst []byte, key, v string) []byte {
	if v == "" {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':')
	return appendString(dst, v)
}

// appendInt appends ,"key":n unless n is 0.
func appendInt(dst []byte, key string, n int64) []byte {
	if n == 0 {
		return dst
	}
	dst = append(dst, ',', '"')
	dst = append(dst, key...)
	dst = append(dst, '"', ':')
	return strconv.AppendInt(dst, n, 10)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
