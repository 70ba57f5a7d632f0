// Package chart draws the dashboard's charts as self-contained, server-side
// SVG: time series lines, stacked columns, horizontal bar lists, share-of-voice
// bars and donuts.
//
// Every function returns a template.HTML fragment (a single <svg> element,
// well-formed XML) that can be placed directly in an html/template page or
// saved as a standalone .svg file. All caller-supplied text — series names,
// labels, titles, formatted values — is escaped by this package, invalid XML
// characters are dropped, and URLs are restricted to http, https and relative
// references (anything else becomes "#"). The output contains no scripts, no
// event handlers and no <style> element: colours are presentation attributes
// that a page stylesheet can override through the CSS classes documented on
// each chart (see also the CSS constant).
//
// Sizes: Width and Height are the viewBox size in user units; text is drawn at
// 12 units. The root element has width="100%", so the chart scales to its
// container and text renders at 12px × (displayed width / Width). The default
// width (400) keeps text around 10px on a 360px phone; give wide dashboard
// slots a larger Width (e.g. 720) rather than letting a small chart scale up.
package chart

import (
	"html/template"
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Palette is the fixed series palette: Okabe–Ito hues darkened where needed so
// that every colour has a contrast ratio of at least 4.5:1 against white
// (usable for text and for white text drawn on top of it). Series are told
// apart by colour and by marker shape; colour slot i is also exposed as the
// CSS class "s<i>" so a stylesheet can re-theme it.
var Palette = []string{
	"#0072B2", // s0 blue
	"#B84A00", // s1 vermillion
	"#007A5E", // s2 bluish green
	"#AA3377", // s3 reddish purple
	"#7A6200", // s4 ochre
	"#5E4FA2", // s5 violet
	"#545454", // s6 grey
	"#8C564B", // s7 brown
}

// Sentiment colours (orange / grey / blue: safe for red–green colour
// blindness). Use them as Layer.Color for negative, neutral and positive.
const (
	ColorNegative = "#B84A00"
	ColorNeutral  = "#8A8A8A" // 3.4:1, graphics only (WCAG 1.4.11)
	ColorPositive = "#0072B2"
)

const (
	colText  = "#333333" // 12.6:1 on white
	colMuted = "#595959" // 7:1 on white
	colGrid  = "#E0E0E0"
	fontSize = 12.0
	fontAttr = `font-family="system-ui,-apple-system,'Segoe UI',Roboto,sans-serif" font-size="12"`
)

// CSS is an optional stylesheet snippet for pages embedding the charts: focus
// and hover feedback for the links. The charts render correctly without it.
const CSS = `.chart{display:block;max-width:100%;height:auto}
.chart a:focus{outline:2px solid #1a1a1a;outline-offset:1px}
.chart .chart-dots a:hover path,.chart .chart-dots a:focus path{stroke-opacity:.3}
.chart .chart-strips a:hover path,.chart .chart-strips a:focus path{fill-opacity:.1;fill:#000}
.chart a:hover .chart-seg,.chart a:focus .chart-seg,.chart a:hover .chart-bar,.chart a:focus .chart-bar{opacity:.8}
.chart a:hover text,.chart a:focus text{text-decoration:underline}
`

// ---------------------------------------------------------------------------
// Escaping and sanitising

// cleanText removes what cannot appear in XML 1.0 (control characters other
// than tab/newline, U+FFFE/U+FFFF, invalid UTF-8) and collapses newlines.
func cleanText(s string) string {
	ok := true
	for _, r := range s {
		if r == utf8.RuneError || r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r >= 0x7F && r < 0xA0) {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(s, "\uFFFD") {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			b.WriteByte(' ')
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF || (r >= 0x7F && r < 0xA0):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// appendEsc appends s escaped for both XML and HTML text and double- or
// single-quoted attribute values.
func appendEsc(b []byte, s string) []byte {
	s = cleanText(s)
	last := 0
	for i := 0; i < len(s); i++ {
		var rep string
		switch s[i] {
		case '&':
			rep = "&amp;"
		case '<':
			rep = "&lt;"
		case '>':
			rep = "&gt;"
		case '"':
			rep = "&#34;"
		case '\'':
			rep = "&#39;"
		default:
			continue
		}
		b = append(b, s[last:i]...)
		b = append(b, rep...)
		last = i + 1
	}
	return append(b, s[last:]...)
}

// SafeURL returns u if it is an http(s) URL or a relative reference, and "#"
// otherwise (javascript:, data:, vbscript:, malformed or control characters).
func SafeURL(u string) string {
	u = strings.TrimSpace(u)
	if u == "" {
		return "#"
	}
	for _, r := range u {
		if r < 0x20 || r == 0x7F || r == '\\' || unicode.IsSpace(r) && r != ' ' {
			return "#"
		}
	}
	p, err := url.Parse(u)
	if err != nil {
		return "#"
	}
	switch strings.ToLower(p.Scheme) {
	case "":
		// Relative reference. url.Parse already refuses "x:y" without a
		// slash before the colon, so no scheme can hide here.
		if p.Opaque != "" {
			return "#"
		}
		return u
	case "http", "https":
		if p.Host == "" {
			return "#"
		}
		return u
	}
	return "#"
}

// cleanClass keeps the CSS class tokens made of [A-Za-z0-9_-].
func cleanClass(s string) string {
	if s == "" {
		return ""
	}
	var out []string
	for _, f := range strings.Fields(s) {
		good := true
		for _, r := range f {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				good = false
				break
			}
		}
		if good {
			out = append(out, f)
		}
	}
	return strings.Join(out, " ")
}

// cleanColor accepts "#rgb", "#rrggbb" (and with alpha); anything else is "".
func cleanColor(s string) string {
	if len(s) != 4 && len(s) != 5 && len(s) != 7 && len(s) != 9 || s[0] != '#' {
		return ""
	}
	for _, c := range s[1:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return ""
		}
	}
	return s
}

// slotColor returns the palette colour and class for a 0-based slot.
func slotColor(i int) (string, string) {
	if i < 0 {
		i = 0
	}
	return Palette[i%len(Palette)], "s" + strconv.Itoa(i%len(Palette))
}

// ---------------------------------------------------------------------------
// Output buffer

type buf struct{ b []byte }

func (w *buf) raw(s string) { w.b = append(w.b, s...) }
func (w *buf) esc(s string) { w.b = appendEsc(w.b, s) }

// num writes v rounded to one decimal, without trailing zeros.
func (w *buf) num(v float64) { w.b = appendNum(w.b, v) }

func appendNum(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		v = 0
	}
	v = math.Round(v*10) / 10
	if v == 0 {
		v = 0 // no "-0"
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}

// attr writes ` name="escaped value"`.
func (w *buf) attr(name, val string) {
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, '=', '"')
	w.b = appendEsc(w.b, val)
	w.b = append(w.b, '"')
}

// nattr writes ` name="number"`.
func (w *buf) nattr(name string, v float64) {
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, '=', '"')
	w.b = appendNum(w.b, v)
	w.b = append(w.b, '"')
}

func (w *buf) html() template.HTML { return template.HTML(w.b) } // all content escaped on the way in

// open writes the root element. It is a labelled group, not an image: an
// image's contents are hidden from screen readers, and the links to the
// mentions behind each point must stay reachable.
func (w *buf) open(kind string, width, height float64, label string) {
	w.raw(`<svg xmlns="http://www.w3.org/2000/svg" class="chart `)
	w.raw(kind)
	w.raw(`" viewBox="0 0 `)
	w.num(width)
	w.raw(" ")
	w.num(height)
	w.raw(`" width="100%" role="group"`)
	w.attr("aria-label", label)
	w.raw(" " + fontAttr + ` fill="` + colText + `">`)
}

func (w *buf) close() { w.raw("</svg>") }

// text writes a <text> element.
func (w *buf) text(x, y float64, anchor, class, fill, s string) {
	w.raw("<text")
	w.nattr("x", x)
	w.nattr("y", y)
	if anchor != "" {
		w.raw(` text-anchor="` + anchor + `"`)
	}
	if class != "" {
		w.raw(` class="` + class + `"`)
	}
	if fill != "" {
		w.raw(` fill="` + fill + `"`)
	}
	w.raw(">")
	w.esc(s)
	w.raw("</text>")
}

// link opens <a href="…"><title>…</title>; close with "</a>".
func (w *buf) link(href, title string) {
	w.raw(`<a href="`)
	w.esc(SafeURL(href))
	w.raw(`"><title>`)
	w.esc(title)
	w.raw("</title>")
}

// empty renders the empty state.
func emptySVG(kind string, width, height float64, label, msg string) template.HTML {
	if msg == "" {
		msg = "No data"
	}
	if label == "" {
		label = msg
	} else {
		label = label + ": " + msg
	}
	var w buf
	w.open(kind+" chart-empty", width, height, label)
	w.raw(`<rect x="0.5" y="0.5"`)
	w.nattr("width", width-1)
	w.nattr("height", height-1)
	w.raw(` rx="4" fill="none" stroke="` + colGrid + `" stroke-dasharray="4 4"/>`)
	w.text(width/2, height/2+4, "middle", "chart-empty-text", colMuted, truncate(msg, width-16))
	w.close()
	return w.html()
}

// ---------------------------------------------------------------------------
// Text measurement (estimated: no font metrics server-side)

func runeWidth(r rune) float64 {
	switch {
	case r >= 0x1100 && (r <= 0x115F || r >= 0x2E80 && r <= 0xA4CF || r >= 0xAC00 && r <= 0xD7A3 ||
		r >= 0xF900 && r <= 0xFAFF || r >= 0xFE30 && r <= 0xFE4F || r >= 0xFF00 && r <= 0xFF60 ||
		r >= 0xFFE0 && r <= 0xFFE6 || r >= 0x1F300 && r <= 0x1FAFF || r >= 0x20000):
		return 1.0
	case strings.ContainsRune("il.,:;|!'` ", r):
		return 0.3
	case r >= 'A' && r <= 'Z' || strings.ContainsRune("mw%@", r):
		return 0.75
	case r >= '0' && r <= '9' || r == '+' || r == '-' || r == '−':
		return 0.64 // tabular digits (DejaVu Sans is the widest common fallback)
	}
	return 0.6
}

// textWidth estimates the rendered width of s at the default font size.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		w += runeWidth(r)
	}
	return w * fontSize
}

// truncate shortens s with an ellipsis so that it fits in max units.
func truncate(s string, max float64) string {
	s = cleanText(s)
	if textWidth(s) <= max {
		return s
	}
	lim := max - 0.6*fontSize
	w := 0.0
	for i, r := range s {
		w += runeWidth(r) * fontSize
		if w > lim {
			return strings.TrimRightFunc(s[:i], unicode.IsSpace) + "…"
		}
	}
	return s
}

// ---------------------------------------------------------------------------
// Default formatters (English; callers pass their own to localise)

// Number formats v with thousands separators: 1234567 → "1,234,567",
// 2.5 → "2.5". It is the default value formatter for titles and labels.
func Number(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatFloat(math.Round(v*100)/100, 'f', -1, 64)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		b.WriteByte('.')
		b.WriteString(frac)
	}
	return b.String()
}

// Compact formats v shortly for axis ticks: 950 → "950", 12000 → "12k",
// 1500000 → "1.5M". It is the default tick formatter.
func Compact(v float64) string {
	a := math.Abs(v)
	for _, u := range []struct {
		div float64
		sfx string
	}{{1e9, "B"}, {1e6, "M"}, {1e3, "k"}} {
		if a >= u.div && (u.div > 1e3 || a >= 1e4) {
			return strconv.FormatFloat(math.Round(v/u.div*10)/10, 'f', -1, 64) + u.sfx
		}
	}
	return Number(v)
}

// Percent formats a share in [0,1] as "42%" (or "0.4%" below 1%).
func Percent(f float64) string {
	p := f * 100
	if p > 0 && p < 1 {
		return strconv.FormatFloat(math.Round(p*10)/10, 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(math.Round(p), 'f', -1, 64) + "%"
}

func defaultTick(t time.Time) string {
	if t.Hour() == 0 && t.Minute() == 0 {
		return t.Format("Jan 2")
	}
	return t.Format("15:04")
}

func defaultBucket(step time.Duration) func(time.Time) string {
	if step >= 24*time.Hour {
		return func(t time.Time) string { return t.Format("2 Jan") }
	}
	return func(t time.Time) string { return t.Format("2 Jan 15:04") }
}

func orF(f, def func(float64) string) func(float64) string {
	if f != nil {
		return f
	}
	return def
}

// summary builds a default accessible name from a chart's parts.
func summary(head string, parts []string) string {
	const max = 8
	more := len(parts) > max
	if more {
		parts = parts[:max]
	}
	s := strings.Join(parts, ", ")
	if more {
		s += ", …"
	}
	if head != "" && s != "" {
		return head + ": " + s
	}
	return head + s
}
