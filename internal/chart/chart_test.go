package chart

import (
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
)

// ---------------------------------------------------------------------------
// Fixtures

var monitors = []string{"Valmont", "Rival A", "Rival B", "Brasserie Nord", "Café Sud", "Maison Ouest",
	"Atelier Est", "Studio Lune", "Soleil & Co", "Groupe Zéphyr", "Orbis", "Kappa"}

var t0 = time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC)

// val is a deterministic, bumpy count.
func val(si, i int) float64 {
	v := 20 + 15*math.Sin(float64(i)/3+float64(si)) + float64((si*7+i*13)%11)
	return math.Round(v * float64(12-si) / 6)
}

func mentionsURL(mon int, t time.Time, step time.Duration) string {
	// What the dashboard links look like: /w/{workspace}/mentions with the
	// API's filter names; dates for daily buckets, RFC 3339 otherwise.
	layout := time.RFC3339
	if step >= 24*time.Hour {
		layout = time.DateOnly
	}
	u := "/w/acme/mentions?"
	if mon >= 0 {
		u += "monitor=" + strconv.Itoa(mon) + "&"
	}
	return u + "from=" + t.Format(layout) + "&to=" + t.Add(step).Format(layout)
}

func series(n, buckets int, step time.Duration) []Series {
	var ss []Series
	for si := 0; si < n; si++ {
		s := Series{Name: monitors[si%len(monitors)]}
		for i := 0; i < buckets; i++ {
			t := t0.Add(time.Duration(i) * step)
			s.Points = append(s.Points, Point{X: t, Y: val(si, i), URL: mentionsURL(si, t, step)})
		}
		ss = append(ss, s)
	}
	return ss
}

func lineChart(n, buckets int, step time.Duration) TimeChart {
	return TimeChart{
		Series: series(n, buckets, step),
		From:   t0, To: t0.Add(time.Duration(buckets) * step), Step: step,
		Label: "Mention volume", YLabel: "Mentions", Empty: "No mentions in this period",
	}
}

// ---------------------------------------------------------------------------
// XML inspection

type doc struct {
	raw    string
	root   xml.StartElement
	counts map[string]int            // element name → count
	class  map[string]int            // class token → count
	hrefs  []string                  // <a href>
	titles []string                  // <title> texts
	texts  []string                  // <text> texts
	attrs  map[string]map[string]int // element → attribute → count
	nums   []string                  // numbers in d, x, y, width, height, cx, cy
}

var numRe = regexp.MustCompile(`-?\d+(\.\d+)?`)

func parse(t *testing.T, h template.HTML) *doc {
	t.Helper()
	d := &doc{raw: string(h), counts: map[string]int{}, class: map[string]int{}, attrs: map[string]map[string]int{}}
	dec := xml.NewDecoder(strings.NewReader(string(h)))
	dec.Strict = true
	var stack []string
	var cur strings.Builder
	first := true
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, trunc(string(h)))
		}
		switch e := tok.(type) {
		case xml.StartElement:
			if first {
				d.root = e.Copy()
				first = false
			} else if len(stack) == 0 {
				t.Fatalf("more than one root element")
			}
			stack = append(stack, e.Name.Local)
			cur.Reset()
			d.counts[e.Name.Local]++
			if d.attrs[e.Name.Local] == nil {
				d.attrs[e.Name.Local] = map[string]int{}
			}
			for _, a := range e.Attr {
				d.attrs[e.Name.Local][a.Name.Local]++
				switch a.Name.Local {
				case "class":
					for _, c := range strings.Fields(a.Value) {
						d.class[c]++
					}
				case "href":
					d.hrefs = append(d.hrefs, a.Value)
				case "d", "x", "y", "width", "height", "cx", "cy", "viewBox":
					d.nums = append(d.nums, numRe.FindAllString(a.Value, -1)...)
				}
			}
		case xml.CharData:
			cur.Write(e)
		case xml.EndElement:
			switch e.Name.Local {
			case "title":
				d.titles = append(d.titles, cur.String())
			case "text":
				d.texts = append(d.texts, cur.String())
			}
			cur.Reset()
			stack = stack[:len(stack)-1]
		}
	}
	if first {
		t.Fatal("empty output")
	}
	return d
}

func trunc(s string) string {
	if len(s) > 2000 {
		return s[:2000] + "…"
	}
	return s
}

func (d *doc) rootAttr(name string) string {
	for _, a := range d.root.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// checkCommon asserts what every chart must satisfy.
func checkCommon(t *testing.T, d *doc) {
	t.Helper()
	if d.root.Name.Local != "svg" || d.root.Name.Space != "http://www.w3.org/2000/svg" {
		t.Errorf("root = %v", d.root.Name)
	}
	if d.rootAttr("role") != "group" || d.rootAttr("aria-label") == "" || d.rootAttr("width") != "100%" || d.rootAttr("viewBox") == "" {
		t.Errorf("root attributes: %v", d.root.Attr)
	}
	for _, bad := range []string{"script", "foreignObject", "style", "iframe", "use", "image"} {
		if d.counts[bad] > 0 {
			t.Errorf("<%s> in output", bad)
		}
	}
	for el, as := range d.attrs {
		for a := range as {
			if strings.HasPrefix(strings.ToLower(a), "on") || a == "style" {
				t.Errorf("attribute %s on <%s>", a, el)
			}
		}
	}
	for _, h := range d.hrefs {
		if h != "#" && !strings.HasPrefix(h, "/") && !strings.HasPrefix(h, "http://") && !strings.HasPrefix(h, "https://") {
			t.Errorf("unsafe href %q", h)
		}
	}
	if d.counts["a"] != d.counts["title"] {
		t.Errorf("%d links but %d titles", d.counts["a"], d.counts["title"])
	}
	for _, n := range d.nums {
		if i := strings.IndexByte(n, '.'); i >= 0 && len(n)-i-1 > 1 {
			t.Errorf("coordinate %s has more than one decimal", n)
			break
		}
	}
}

// ---------------------------------------------------------------------------
// Tests

func TestLinesStructure(t *testing.T) {
	c := lineChart(3, 24, time.Hour)
	d := parse(t, c.Lines())
	checkCommon(t, d)
	if got := d.class["chart-line"]; got != 3 {
		t.Errorf("chart-line paths = %d, want 3", got)
	}
	if got := d.counts["a"]; got != 72 {
		t.Errorf("links = %d, want 72 (one per point)", got)
	}
	if got := strings.Count(d.raw, `h0"/></a>`); got != 72 || d.class["chart-dots"] != 1 {
		t.Errorf("hit targets = %d, want 72", got)
	}
	if d.class["chart-legend"] != 1 || d.class["chart-key"] != 3 {
		t.Errorf("legend: %d groups, %d keys", d.class["chart-legend"], d.class["chart-key"])
	}
	if !contains(d.titles, "Valmont — 1 Nov 00:00: "+Number(val(0, 0))) {
		t.Errorf("default title missing; titles[0:3] = %q", d.titles[:3])
	}
	for i := 0; i < 3; i++ {
		if d.class["s"+strconv.Itoa(i)] == 0 {
			t.Errorf("class s%d missing", i)
		}
	}
	if !contains(d.texts, "Mentions") {
		t.Error("y-axis label missing")
	}
	// Hourly ticks on hour boundaries formatted by the caller.
	c.FormatTime = func(t time.Time) string { return "T" + t.Format("15") }
	d = parse(t, c.Lines())
	var ticks []int
	for _, s := range d.texts {
		if strings.HasPrefix(s, "T") {
			h, _ := strconv.Atoi(s[1:])
			ticks = append(ticks, h)
		}
	}
	if len(ticks) < 3 {
		t.Fatalf("time ticks = %v", ticks)
	}
	for i := 1; i < len(ticks); i++ {
		if (ticks[i]-ticks[i-1]+24)%24 != ticks[1]-ticks[0] {
			t.Errorf("time ticks not evenly spaced and increasing: %v", ticks)
		}
	}
	if step := ticks[1] - ticks[0]; 24%step != 0 || ticks[0]%step != 0 {
		t.Errorf("hour ticks not aligned: %v", ticks)
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestPreviousPeriodAndSlots(t *testing.T) {
	cur := series(1, 7, 24*time.Hour)[0]
	prev := Series{Name: "Valmont (previous)", Dashed: true, Offset: 7 * 24 * time.Hour, Slot: 1}
	for i, p := range cur.Points {
		prev.Points = append(prev.Points, Point{X: p.X.Add(-7 * 24 * time.Hour), Y: float64(i * 3), URL: "/prev"})
	}
	c := TimeChart{Series: []Series{cur, prev}, From: t0, To: t0.Add(7 * 24 * time.Hour), Step: 24 * time.Hour, Label: "x"}
	d := parse(t, c.Lines())
	checkCommon(t, d)
	if d.counts["a"] != 14 {
		t.Errorf("links = %d, want 14", d.counts["a"])
	}
	if !strings.Contains(d.raw, `stroke-dasharray="6 4"`) {
		t.Error("previous period not dashed")
	}
	if d.class["s1"] != 0 {
		t.Error("previous period should reuse slot s0")
	}
	if !contains(d.titles, "Valmont (previous) — 25 Oct: 0") {
		t.Errorf("previous-period titles should show their own dates: %q", d.titles[7:9])
	}
}

func TestDenseUsesBucketTargets(t *testing.T) {
	c := lineChart(12, 720, time.Hour)
	c.BucketURL = func(t time.Time) string { return mentionsURL(-1, t, time.Hour) }
	d := parse(t, c.Lines())
	checkCommon(t, d)
	if d.counts["a"] != 720 {
		t.Errorf("links = %d, want one per bucket (720)", d.counts["a"])
	}
	if d.class["chart-line"] != 12 {
		t.Errorf("lines = %d", d.class["chart-line"])
	}
	if !strings.Contains(d.titles[0], "Valmont: ") || !strings.Contains(d.titles[0], "Kappa: ") {
		t.Errorf("bucket title should list all series: %q", d.titles[0])
	}
	// Markers are thinned out.
	if n := strings.Count(d.raw, "h0M"); n > 300 {
		t.Errorf("%d round/square markers for 720 buckets", n)
	}
}

func TestSingleSeriesUsesBucketStrips(t *testing.T) {
	c := lineChart(1, 720, time.Hour)
	d := parse(t, c.Lines())
	checkCommon(t, d)
	if d.counts["a"] != 720 || d.class["chart-strips"] != 1 {
		t.Errorf("links = %d, strips = %d", d.counts["a"], d.class["chart-strips"])
	}
	if d.titles[5] != "Valmont — 1 Nov 05:00: "+Number(val(0, 5)) {
		t.Errorf("title = %q", d.titles[5])
	}
}

var hostileNames = []string{`<script>alert(1)</script>`, `"onload="x`, `'><svg onload=alert(1)>`, "a\x00b\x1bc\uFFFE", "]]><!--", "&amp; &lt;"}

var hostileURLs = []string{"javascript:alert(1)", "JaVaScRiPt:alert(1)", " javascript:alert(1)", "java\tscript:alert(1)",
	"java\nscript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x", "\x01javascript:x", "http:alert(1)", `"onmouseover="x`}

func TestEscaping(t *testing.T) {
	var ss []Series
	for i, n := range hostileNames {
		s := Series{Name: n, Class: `x" onclick="y`}
		for j := 0; j < 3; j++ {
			s.Points = append(s.Points, Point{X: t0.Add(time.Duration(j) * time.Hour), Y: float64(j + i), URL: hostileURLs[(i+j)%len(hostileURLs)]})
		}
		ss = append(ss, s)
	}
	ss[0].Points[0].Title = `</title><script>alert(1)</script>`
	fmtEvil := func(time.Time) string { return `<b onmouseover="x">` }
	var bars []Bar
	for i, n := range hostileNames {
		bars = append(bars, Bar{Label: n, Value: float64(i + 1), URL: hostileURLs[i], Note: `<i>"+1"</i>`, Class: "<x>"})
	}
	outs := map[string]template.HTML{
		"lines":   TimeChart{Series: ss, Label: `"><script>`, YLabel: "<y>", FormatTime: fmtEvil}.Lines(),
		"columns": StackChart{Layers: []Layer{{Name: hostileNames[0], Color: `red" onload="x`}, {Name: hostileNames[1], Class: `"a`}}, Points: []StackPoint{{X: t0, Values: []float64{1, 2}, URLs: hostileURLs[:2]}}, Label: "<l>", FormatTime: fmtEvil}.Columns(),
		"bars":    Bars(bars, BarOptions{Label: "<l>", FormatValue: func(float64) string { return "<v>" }}),
		"share":   Share(bars, BarOptions{Label: "<l>"}),
		"donut":   Donut(bars, BarOptions{Label: "<l>", Center: "<c>"}),
		"empty":   Bars(nil, BarOptions{Label: "<l>", Empty: `<script>alert(1)</script>`}),
	}
	for name, h := range outs {
		t.Run(name, func(t *testing.T) {
			d := parse(t, h)
			checkCommon(t, d)
			low := strings.ToLower(d.raw)
			for _, bad := range []string{"<script", "javascript:", "vbscript:", "data:", "<svg onload", `onload="`, `onclick="`, `onmouseover="`, "<b ", "<i>", "<x>", "\x00", "\x1b"} {
				if strings.Contains(low, bad) {
					t.Errorf("output contains %q", bad)
				}
			}
			if name != "empty" && !strings.Contains(d.raw, "&lt;script&gt;") {
				t.Error("hostile name not present in escaped form")
			}
			if name == "empty" {
				return
			}
			if len(d.hrefs) == 0 {
				t.Fatal("no links")
			}
			for _, h := range d.hrefs {
				if h != "#" {
					t.Errorf("hostile URL came out as %q", h)
				}
			}
		})
	}
	// The decoded text still says what the user wrote (escaped, not mangled).
	d := parse(t, outs["bars"])
	if !contains(d.texts, `"onload="x`) {
		t.Errorf("texts = %q", d.texts)
	}
}

func TestSafeURL(t *testing.T) {
	for in, want := range map[string]string{
		"/w/acme/mentions?m=1&d=2": "/w/acme/mentions?m=1&d=2",
		"mentions?x=1":             "mentions?x=1",
		"?page=2":                  "?page=2",
		"#top":                     "#top",
		"https://example.org/a?b":  "https://example.org/a?b",
		"HTTP://example.org/":      "HTTP://example.org/",
		"//example.org/x":          "//example.org/x",
		"":                         "#",
		"javascript:alert(1)":      "#",
		"  JAVASCRIPT:alert(1)":    "#",
		"java\tscript:alert(1)":    "#",
		"javascript&colon;x":       "javascript&colon;x", // relative path, inert
		"data:text/html,x":         "#",
		"mailto:a@b.c":             "#",
		"ftp://x/":                 "#",
		"https:/x":                 "#",
		"/\\evil.example":          "#",
		"a:b/c":                    "#",
	} {
		if got := SafeURL(in); got != want {
			t.Errorf("SafeURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNiceTicks(t *testing.T) {
	cases := []struct {
		lo, hi float64
		n      int
		int    bool
		want   string
	}{
		{0, 37, 5, true, "0 10 20 30 40"},
		{0, 18, 4, true, "0 5 10 15 20"},
		{0, 900, 5, true, "0 200 400 600 800 1000"},
		{0, 1234567, 5, true, "0 500000 1e+06 1.5e+06"},
		{0, 1, 5, true, "0 1"},
		{0, 3, 5, true, "0 1 2 3"},
		{0, 0.3, 3, false, "0 0.1 0.2 0.3"},
		{0, 0.7, 5, false, "0 0.2 0.4 0.6 0.8"},
		{-12, 30, 5, true, "-20 -10 0 10 20 30"},
		{-12, 30, 4, true, "-20 0 20 40"},
	}
	for _, c := range cases {
		got := fmt.Sprint(niceTicks(c.lo, c.hi, c.n, c.int))
		if got != "["+c.want+"]" {
			t.Errorf("niceTicks(%v, %v, %d) = %s, want [%s]", c.lo, c.hi, c.n, got, c.want)
		}
	}
	// Properties over many ranges.
	for hi := 0.5; hi < 1e9; hi *= 1.37 {
		for n := 2; n <= 6; n++ {
			ts := niceTicks(0, hi, n, false)
			if ts[0] != 0 || ts[len(ts)-1] < hi || len(ts) > 2*n+2 || len(ts) < 2 {
				t.Fatalf("hi=%v n=%d: %v", hi, n, ts)
			}
			step := ts[1] - ts[0]
			m := step / math.Pow(10, math.Floor(math.Log10(step)+1e-9))
			if r := math.Round(m*1e6) / 1e6; r != 1 && r != 2 && r != 5 {
				t.Fatalf("hi=%v: step %v not nice", hi, step)
			}
			for i := 1; i < len(ts); i++ {
				if !(ts[i] > ts[i-1]) || math.Abs((ts[i]-ts[i-1])-step) > step*1e-9 {
					t.Fatalf("hi=%v: not monotonic/even: %v", hi, ts)
				}
			}
		}
	}
}

func TestCompactAndNumber(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 950: "950", 1234: "1,234", 12000: "12k", 12500: "12.5k", 1e6: "1M", 1234567: "1.2M", 2.5e9: "2.5B", 0.25: "0.25"} {
		if got := Compact(v); got != want {
			t.Errorf("Compact(%v) = %q, want %q", v, got, want)
		}
	}
	if got := Number(1234567); got != "1,234,567" {
		t.Errorf("Number = %q", got)
	}
	if got := Number(-1234.5); got != "-1,234.5" {
		t.Errorf("Number = %q", got)
	}
}

func TestHugeValuesTicks(t *testing.T) {
	c := lineChart(2, 30, 24*time.Hour)
	for i := range c.Series[0].Points {
		c.Series[0].Points[i].Y = 1234567 * float64(i%5) / 4
	}
	d := parse(t, c.Lines())
	checkCommon(t, d)
	for _, want := range []string{"0", "500k", "1M", "1.5M"} {
		if !contains(d.texts, want) {
			t.Errorf("tick %q missing in %q", want, d.texts)
		}
	}
	c.FormatTick = func(v float64) string { return strconv.FormatFloat(v/1e6, 'f', -1, 64) + " M" }
	d = parse(t, c.Lines())
	if !contains(d.texts, "1.5 M") {
		t.Error("caller tick formatter not used")
	}
}

func TestSinglePointAndZeros(t *testing.T) {
	c := TimeChart{Series: []Series{{Name: "Valmont", Points: []Point{{X: t0, Y: 5, URL: "/m"}}}}, Label: "x"}
	d := parse(t, c.Lines())
	checkCommon(t, d)
	if d.counts["a"] != 1 || d.class["chart-marker"] != 1 {
		t.Errorf("single point: %d links, %d marker paths", d.counts["a"], d.class["chart-marker"])
	}
	if strings.Contains(d.raw, "NaN") || strings.Contains(d.raw, "Inf") {
		t.Error("NaN/Inf in output")
	}

	z := lineChart(2, 10, 24*time.Hour)
	for _, s := range z.Series {
		for i := range s.Points {
			s.Points[i].Y = 0
		}
	}
	d = parse(t, z.Lines())
	checkCommon(t, d)
	if d.class["chart-empty"] != 0 || d.counts["a"] != 20 {
		t.Errorf("all-zero chart should render normally with links: %d links", d.counts["a"])
	}
	if !contains(d.texts, "0") || !contains(d.texts, "4") {
		t.Errorf("all-zero y ticks: %q", d.texts)
	}

	// Gaps (NaN) break the line.
	g := lineChart(1, 10, time.Hour)
	g.Series[0].Points[4].Y = math.NaN()
	d = parse(t, g.Lines())
	if d.counts["a"] != 9 || strings.Count(d.raw, `d="M`) < 2 {
		t.Errorf("gap: %d links", d.counts["a"])
	}
}

func TestEmptyStates(t *testing.T) {
	const msg = "Aucune mention sur cette période"
	for name, h := range map[string]template.HTML{
		"lines":        TimeChart{Label: "Volume", Empty: msg}.Lines(),
		"lines-nopts":  TimeChart{Series: []Series{{Name: "a"}}, Empty: msg}.Lines(),
		"columns":      StackChart{Layers: []Layer{{Name: "neg"}}, Points: []StackPoint{{X: t0, Values: []float64{0}}}, Empty: msg}.Columns(),
		"bars":         Bars(nil, BarOptions{Empty: msg}),
		"share":        Share([]Bar{{Label: "a"}, {Label: "b"}}, BarOptions{Empty: msg}),
		"donut":        Donut(nil, BarOptions{Empty: msg}),
		"lines-defmsg": TimeChart{}.Lines(),
	} {
		d := parse(t, h)
		checkCommon(t, d)
		if d.class["chart-empty"] != 1 || d.counts["a"] != 0 {
			t.Errorf("%s: not an empty state", name)
		}
		if name != "lines-defmsg" && !contains(d.texts, msg) {
			t.Errorf("%s: texts = %q", name, d.texts)
		}
	}
}

func TestColumns(t *testing.T) {
	c := sentimentChart(30, 24*time.Hour)
	d := parse(t, c.Columns())
	checkCommon(t, d)
	want := 0
	for _, p := range c.Points {
		for _, v := range p.Values {
			if v > 0 {
				want++
			}
		}
	}
	if d.counts["a"] != want || d.class["chart-seg"] != want {
		t.Errorf("links = %d, segs = %d, want %d", d.counts["a"], d.class["chart-seg"], want)
	}
	if d.class["neg"] == 0 || !strings.Contains(d.raw, ColorNegative) {
		t.Error("layer class/colour missing")
	}
	if !strings.Contains(strings.Join(d.titles, "\n"), "Positive — 3 Nov: ") {
		t.Errorf("titles: %q", d.titles[:3])
	}

	// Dense: one path per layer, one link per bucket.
	c = sentimentChart(720, time.Hour)
	d = parse(t, c.Columns())
	checkCommon(t, d)
	if d.counts["a"] != 720 || d.class["chart-seg"] != 3 {
		t.Errorf("dense: links = %d, segs = %d", d.counts["a"], d.class["chart-seg"])
	}
}

func sentimentChart(n int, step time.Duration) StackChart {
	c := StackChart{
		Layers: []Layer{{Name: "Negative", Class: "neg", Color: ColorNegative}, {Name: "Neutral", Class: "neu", Color: ColorNeutral}, {Name: "Positive", Class: "pos", Color: ColorPositive}},
		From:   t0, To: t0.Add(time.Duration(n) * step), Step: step,
		Label: "Sentiment", YLabel: "Mentions",
	}
	for i := 0; i < n; i++ {
		x := t0.Add(time.Duration(i) * step)
		p := StackPoint{X: x, URL: mentionsURL(-1, x, step)}
		for l := 0; l < 3; l++ {
			v := val(l+3, i)
			if (i+l)%9 == 0 {
				v = 0
			}
			p.Values = append(p.Values, v)
			p.URLs = append(p.URLs, mentionsURL(-1, x, step)+"&sentiment="+strconv.Itoa(l))
		}
		c.Points = append(c.Points, p)
	}
	return c
}

func sourceBars() []Bar {
	var bars []Bar
	for i, s := range []string{"rss", "mastodon", "bluesky", "reddit", "hackernews", "youtube"} {
		bars = append(bars, Bar{Label: s, Value: float64(1200 / (i + 1)), URL: "/w/acme/mentions?source=" + s, Note: fmt.Sprintf("%+d%%", 12-5*i)})
	}
	return bars
}

func sovParts() []Bar {
	return []Bar{{Label: "Valmont", Value: 1234, URL: "/m?mon=1"}, {Label: "Rival A", Value: 800, URL: "/m?mon=2"},
		{Label: "Rival B", Value: 420, URL: "/m?mon=3"}, {Label: "Others", Value: 12, URL: "/m?mon=4"}}
}

func TestBarsShareDonut(t *testing.T) {
	d := parse(t, Bars(sourceBars(), BarOptions{Label: "Sources"}))
	checkCommon(t, d)
	if d.counts["a"] != 6 || d.class["chart-bar"] != 6 || !contains(d.texts, "+12%") || !contains(d.texts, "1,200") {
		t.Errorf("bars: %d links, texts %q", d.counts["a"], d.texts)
	}
	d = parse(t, Share(sovParts(), BarOptions{Label: "Share of voice"}))
	checkCommon(t, d)
	// Segments and legend entries are both links.
	if d.counts["a"] != 8 || d.class["chart-seg"] != 4 || !contains(d.titles, "Valmont: 50% (1,234)") {
		t.Errorf("share: %d links, titles %q", d.counts["a"], d.titles)
	}
	d = parse(t, Donut(sovParts(), BarOptions{Label: "Share of voice", Center: "mentions"}))
	checkCommon(t, d)
	if d.counts["a"] != 8 || d.class["chart-seg"] != 4 || !contains(d.texts, "2,466") {
		t.Errorf("donut: %d links, texts %q", d.counts["a"], d.texts)
	}
	d = parse(t, Donut([]Bar{{Label: "Only", Value: 3, URL: "/x"}}, BarOptions{}))
	checkCommon(t, d)
	if d.class["chart-seg"] != 1 {
		t.Error("full donut")
	}
	// Narrow: legend goes below.
	d = parse(t, Donut(sovParts(), BarOptions{Width: 200}))
	checkCommon(t, d)
}

func TestTimeTicksCalendar(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip(err)
	}
	// 30 daily buckets across the end of DST (27 Oct 2024).
	from := time.Date(2024, 10, 10, 0, 0, 0, 0, paris)
	to := from.AddDate(0, 0, 30)
	for _, width := range []float64{250, 400, 800} {
		ts, labels := pickTimeTicks(from, to, 24*time.Hour, width, func(t time.Time) string { return t.Format("2 Jan") })
		if len(ts) < 2 {
			t.Fatalf("width %v: %d ticks", width, len(ts))
		}
		for i, tk := range ts {
			if tk.Hour() != 0 || tk.Minute() != 0 || tk.Before(from) || tk.After(to) {
				t.Errorf("width %v: tick %v not at local midnight within period", width, tk)
			}
			if i > 0 && !tk.After(ts[i-1]) {
				t.Errorf("ticks not increasing")
			}
		}
		if float64(len(labels))*(textWidth("30 Oct")+fontSize) > width {
			t.Errorf("width %v: %d labels overlap", width, len(labels))
		}
	}
	// French formatter for the caller.
	fr := func(t time.Time) string {
		mois := []string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}
		return strconv.Itoa(t.Day()) + " " + mois[t.Month()-1]
	}
	c := lineChart(2, 30, 24*time.Hour)
	c.FormatTime = fr
	d := parse(t, c.Lines())
	if !contains(d.texts, "4 nov.") {
		t.Errorf("French tick labels missing: %q", d.texts)
	}
}

func TestSizes(t *testing.T) {
	sz := func(h template.HTML) int { return len(h) }
	small := sz(lineChart(12, 30, 24*time.Hour).Lines())
	if small > 60<<10 {
		t.Errorf("12×30 line chart = %d bytes, want < 60 KB", small)
	}
	dense := lineChart(12, 720, time.Hour)
	dense.BucketURL = func(t time.Time) string { return mentionsURL(-1, t, time.Hour) }
	big := sz(dense.Lines())
	if big > 400<<10 {
		t.Errorf("12×720 line chart = %d bytes, want < 400 KB", big)
	}
	one := sz(lineChart(1, 720, time.Hour).Lines())
	if one > 150<<10 {
		t.Errorf("1×720 line chart = %d bytes", one)
	}
	t.Logf("sizes: lines 12×30 %d B, 12×720 %d B, 1×720 %d B, columns 30×3 %d B, bars %d B, share %d B, donut %d B",
		small, big, one, sz(sentimentChart(30, 24*time.Hour).Columns()), sz(Bars(sourceBars(), BarOptions{})),
		sz(Share(sovParts(), BarOptions{})), sz(Donut(sovParts(), BarOptions{})))
}

func TestPaletteContrast(t *testing.T) {
	lum := func(h string) float64 {
		var rgb [3]float64
		for i := range rgb {
			v, _ := strconv.ParseUint(h[1+2*i:3+2*i], 16, 8)
			c := float64(v) / 255
			if c <= 0.03928 {
				rgb[i] = c / 12.92
			} else {
				rgb[i] = math.Pow((c+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*rgb[0] + 0.7152*rgb[1] + 0.0722*rgb[2]
	}
	ratio := func(h string) float64 { return 1.05 / (lum(h) + 0.05) }
	for _, c := range append(append([]string{}, Palette...), colText, colMuted, ColorNegative, ColorPositive) {
		if r := ratio(c); r < 4.5 {
			t.Errorf("%s: contrast %.2f < 4.5", c, r)
		}
	}
	if r := ratio(ColorNeutral); r < 3 {
		t.Errorf("neutral: %.2f < 3", r)
	}
	seen := map[string]bool{}
	for _, c := range Palette {
		if seen[c] {
			t.Errorf("duplicate colour %s", c)
		}
		seen[c] = true
	}
	// Series sharing a colour get different markers.
	for i := 0; i < 12; i++ {
		if j := i + len(Palette); j < 16 && shapeOf(i) == shapeOf(j) {
			t.Errorf("slots %d and %d share colour and marker", i, j)
		}
	}
}

func TestInHTMLTemplate(t *testing.T) {
	tpl := template.Must(template.New("").Parse(`<div class="card">{{.}}</div>`))
	var sb strings.Builder
	if err := tpl.Execute(&sb, Bars(sourceBars(), BarOptions{Label: "Sources"})); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sb.String(), `<svg xmlns=`) {
		t.Error("chart was re-escaped by html/template")
	}
}

func BenchmarkLines(b *testing.B) {
	c := lineChart(12, 720, time.Hour)
	c.BucketURL = func(t time.Time) string { return mentionsURL(-1, t, time.Hour) }
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(c.Lines())
	}
	b.ReportMetric(float64(n), "bytes/op-output")
}

func BenchmarkLinesPerPoint(b *testing.B) {
	c := lineChart(12, 720, time.Hour) // no BucketURL: one link per point
	b.ReportAllocs()
	var n int
	for b.Loop() {
		n = len(c.Lines())
	}
	b.ReportMetric(float64(n), "bytes/op-output")
}

func TestSparkline(t *testing.T) {
	svg := string(Sparkline([]int{0, 2, 4, 1}, `7 days <by> "6 hours"`))
	for _, want := range []string{`viewBox="0 0 100 20"`, `aria-label="7 days &lt;by&gt; &#34;6 hours&#34;"`,
		`points="1.5,18.5 33.8,10 66.2,1.5 98.5,14.3"`, `role="img"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("sparkline lacks %s:\n%s", want, svg)
		}
	}
	if flat := string(Sparkline([]int{0, 0}, "none")); !strings.Contains(flat, `points="1.5,18.5 98.5,18.5"`) {
		t.Errorf("all zero: %s", flat)
	}
	if empty := string(Sparkline(nil, "none")); strings.Contains(empty, "polyline") {
		t.Errorf("no counts: %s", empty)
	}
	parse(t, template.HTML(svg)) // well-formed
}
