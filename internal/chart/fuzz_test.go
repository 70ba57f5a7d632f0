package chart

import (
	"html/template"
	neturl "net/url"
	"strings"
	"testing"
	"time"
)

// FuzzCharts: outside names, URLs and classes never make a chart malformed
// or live: the output parses as XML, holds no script or event handler, and
// links only to http(s) or relative addresses.
func FuzzCharts(f *testing.F) {
	f.Add("Valmont", "/w/demo/mentions?monitor=a", "neg", 12.5)
	f.Add("<script>alert(1)</script>", "javascript:alert(1)", `" onload="x`, -3.0)
	f.Add("\x00\ufffe\r\n", " JaVaScRiPt:x", "a b", 1e300)
	f.Fuzz(func(t *testing.T, name, url, class string, v float64) {
		t0 := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		outs := []string{
			string(Bars([]Bar{{Label: name, Value: v, URL: url, Class: class, Note: name}}, BarOptions{Label: name, Empty: name})),
			string(Share([]Bar{{Label: name, Value: v, URL: url}, {Label: "other", Value: 1}}, BarOptions{Label: name})),
			string(Donut([]Bar{{Label: name, Value: v, URL: url}}, BarOptions{Label: name})),
			string(TimeChart{Series: []Series{{Name: name, Class: class, Points: []Point{{X: t0, Y: v, URL: url, Title: name}, {X: t0.Add(time.Hour), Y: 1}}}},
				From: t0, To: t0.Add(2 * time.Hour), Step: time.Hour, Label: name, Empty: name}.Lines()),
			string(StackChart{Layers: []Layer{{Name: name, Class: class, Color: class}}, Points: []StackPoint{{X: t0, Values: []float64{v}, URLs: []string{url}}},
				From: t0, To: t0.Add(time.Hour), Step: time.Hour, Label: name}.Columns()),
		}
		for _, out := range outs {
			d := parse(t, template.HTML(out))
			low := strings.ToLower(out)
			if strings.Contains(low, "<script") || strings.Contains(low, " onload=") || strings.Contains(low, " onclick=") || strings.Contains(low, "javascript:") {
				t.Fatalf("live content in %q", out)
			}
			for _, h := range d.hrefs {
				// A browser resolves the link: it must have no scheme but http(s).
				if u, err := neturl.Parse(h); err != nil || u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" {
					t.Fatalf("link to %q", h)
				}
			}
		}
	})
}
