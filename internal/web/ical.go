package web

import (
	"bufio"
	"io"
	"strings"
	"time"
	"unicode/utf8"
)

// A hand-written iCalendar (RFC 5545) writer for the publishing
// calendar's private feed: text values escaped (3.3.11), content lines
// folded at 75 octets without splitting a character (3.1), CRLF endings.

type icalEvent struct {
	UID         string
	Stamp       time.Time
	Start       time.Time
	Summary     string
	Description string
	URL         string
}

// writeICal writes a calendar named name holding events.
func writeICal(w io.Writer, name string, events []icalEvent) error {
	b := bufio.NewWriter(w)
	line := func(s string) { b.WriteString(icalFold(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Vigie//Publishing calendar//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + icalEscape(name))
	for _, e := range events {
		line("BEGIN:VEVENT")
		line("UID:" + icalEscape(e.UID))
		line("DTSTAMP:" + icalTime(e.Stamp))
		line("DTSTART:" + icalTime(e.Start))
		line("DURATION:PT15M")
		line("SUMMARY:" + icalEscape(e.Summary))
		if e.Description != "" {
			line("DESCRIPTION:" + icalEscape(e.Description))
		}
		if e.URL != "" && !strings.ContainsAny(e.URL, "\r\n") {
			line("URL:" + e.URL)
		}
		line("END:VEVENT")
	}
	line("END:VCALENDAR")
	return b.Flush()
}

func icalTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// icalEscape writes s as a TEXT value: backslash, semicolon and comma
// escaped, line breaks as \n, other control characters and invalid UTF-8
// dropped.
func icalEscape(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r < 0x20 || r == 0x7f:
			// CONTROL characters are not allowed in a TEXT value.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// icalFold folds a content line at 75 octets (continuation lines begin
// with a space) and ends it with CRLF; a character is never split.
func icalFold(s string) string {
	var b strings.Builder
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space takes one octet
	}
	b.WriteString(s)
	b.WriteString("\r\n")
	return b.String()
}
