package web

import (
	"cmp"
	"fmt"
	"html/template"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/chart"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/store"
)

// dashPeriod is the dashboard's period: a preset (1h, 6h, 24h, 7d, 30d) or custom
// dates, cut into hours (up to two days) or days.
type dashPeriod struct {
	Name     string // 1h, 6h, 24h, 7d, 30d, custom
	From, To time.Time
	Bucket   time.Duration
	// FromDate, ToDate fill the custom form (inclusive dates).
	FromDate, ToDate string
	Error            string
}

// readPeriod reads ?period= and, for custom, ?from= and ?to= (dates,
// inclusive). Periods end at the current hour (hourly) or day (daily), UTC.
func readPeriod(r *http.Request, now time.Time) dashPeriod {
	q := r.URL.Query()
	now = now.UTC()
	p := dashPeriod{Name: q.Get("period")}
	day := 24 * time.Hour
	switch p.Name {
	case "1h", "6h":
		// A crisis is read by the hour: the hours up to the current one
		// (which is still filling), against the hours before.
		n := 1
		if p.Name == "6h" {
			n = 6
		}
		p.To = now.Truncate(time.Hour).Add(time.Hour)
		p.From, p.Bucket = p.To.Add(-time.Duration(n)*time.Hour), time.Hour
	case "7d", "30d":
		n := 7
		if p.Name == "30d" {
			n = 30
		}
		p.To = now.Truncate(day).Add(day)
		p.From, p.Bucket = p.To.Add(-time.Duration(n)*day), day
	case "custom":
		from, err1 := time.Parse("2006-01-02", q.Get("from"))
		to, err2 := time.Parse("2006-01-02", q.Get("to"))
		switch {
		case err1 != nil || err2 != nil:
			p.Error = "dashboard.baddates"
		case to.Before(from):
			p.Error = "dashboard.reversed"
		case to.Sub(from) > 365*day:
			p.Error = "dashboard.toolong"
		}
		if p.Error == "" {
			p.From, p.To = from, to.Add(day)
			p.Bucket = day
			if p.To.Sub(p.From) <= 2*day {
				p.Bucket = time.Hour
			}
			break
		}
		fallthrough
	default:
		if p.Error == "" {
			p.Name = "24h"
		}
		p.To = now.Truncate(time.Hour).Add(time.Hour)
		p.From, p.Bucket = p.To.Add(-day), time.Hour
	}
	p.FromDate, p.ToDate = p.From.Format("2006-01-02"), p.To.Add(-day).Format("2006-01-02")
	if p.Bucket == time.Hour && p.Name != "custom" {
		p.ToDate = p.From.Add(day - time.Hour).Format("2006-01-02")
	}
	return p
}

// kpi is one headline figure with its change against the previous period.
type kpi struct {
	Label, Value, Change, URL string
	Up, Down                  bool // the change's direction, for colour
	Hint                      string
}

// dashboard is the overview of a workspace for a period: volume per
// monitor, share of voice, sentiment, breakdowns, top authors, hashtags,
// domains and rising terms — each figure a link to its mentions.
func (w *Web) dashboard(rw http.ResponseWriter, r *http.Request, v *visit) error {
	p := readPeriod(r, w.Now())
	// The three reads are independent: run them at once (SQLite serves
	// readers in parallel).
	var (
		ov                vigie.Overview
		authors           []vigie.Influence
		terms             []vigie.KeyCount
		ovErr, aErr, tErr error
		wg                sync.WaitGroup
	)
	of := vigie.OverviewFilter{WorkspaceID: v.Workspace.ID, From: p.From, To: p.To, Bucket: p.Bucket, Limit: 10}
	wg.Add(2)
	go func() {
		defer wg.Done()
		authors, aErr = w.Store.TopAuthors(r.Context(), vigie.MentionFilter{WorkspaceID: v.Workspace.ID, From: p.From, To: p.To, Limit: 8})
	}()
	go func() {
		defer wg.Done()
		prev := p.From.Add(-p.To.Sub(p.From))
		terms, tErr = w.Store.RisingTerms(r.Context(), v.Workspace.ID, p.From, p.To, prev, 10, func(w string) bool { return !match.IsStopWord(w) })
	}()
	ov, ovErr = w.Store.Overview(r.Context(), of)
	wg.Wait()
	if err := cmp.Or(ovErr, aErr, tErr); err != nil {
		return err
	}
	d := &dashView{v: v, p: p, ov: &ov, base: workspacePath(v.Workspace, "mentions")}
	// An incident under way heads the overview: whoever opens Vigie in a
	// crisis lands one click from its war room.
	open, err := w.Store.FindIncidents(r.Context(), store.IncidentFilter{WorkspaceID: v.Workspace.ID, Status: vigie.IncidentOpen, Limit: 3})
	if err != nil {
		return err
	}
	return w.render(rw, v, http.StatusOK, "dashboard", map[string]any{
		"Incidents": open,
		"P":         p, "Presets": []string{"1h", "6h", "24h", "7d", "30d"}, "KPIs": d.kpis(),
		"Compare": d.compare(), "Volume": d.volume(), "Share": d.share(), "Sentiment": d.sentiment(),
		"BySource":    d.bars(ov.BySource, "source", "dashboard.bysource"),
		"ByLang":      d.bars(ov.ByLang, "lang", "dashboard.bylang"),
		"ByCountry":   d.bars(ov.ByCountry, "country", "dashboard.bycountry"),
		"Authors":     d.authors(authors),
		"RisingEmpty": risingEmpty(&ov),
		"Hashtags":    d.keys(ov.TopHashtags, "#"), "Domains": d.keys(ov.TopDomains, "site:"), "Rising": d.rising(ov.Rising), "Terms": d.keys(terms, ""),
		"Empty": ov.Total == 0 && ov.PrevTotal == 0,
	})
}

// dashView turns an overview into the page's parts.
type dashView struct {
	v    *visit
	p    dashPeriod
	ov   *vigie.Overview
	base string
}

// link is the stream filtered to the period (or a bucket of it) and more.
func (d *dashView) link(from, to time.Time, kv ...string) string {
	q := url.Values{}
	q.Set("from", from.UTC().Format(time.RFC3339))
	q.Set("to", to.UTC().Format(time.RFC3339))
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			q.Set(kv[i], kv[i+1])
		}
	}
	return d.base + "?" + q.Encode()
}

func (d *dashView) period(kv ...string) string { return d.link(d.p.From, d.p.To, kv...) }

// change formats the change from prev to cur, as a percentage.
func (d *dashView) change(cur, prev int) (string, bool, bool) {
	if prev == 0 {
		if cur == 0 {
			return "", false, false
		}
		return d.v.T("dashboard.new"), true, false
	}
	pct := 100 * float64(cur-prev) / float64(prev)
	return fmt.Sprintf("%+.0f %%", pct), pct > 0, pct < 0
}

func (d *dashView) kpis() []kpi {
	ov := d.ov
	out := []kpi{}
	ch, up, down := d.change(ov.Total, ov.PrevTotal)
	out = append(out, kpi{Label: d.v.T("dashboard.mentions"), Value: formatInt(d.v.Locale, ov.Total), Change: ch, Up: up, Down: down,
		URL: d.period(), Hint: d.v.T("dashboard.vsprev", formatInt(d.v.Locale, ov.PrevTotal))})
	share := func(n, total int) float64 {
		if total == 0 {
			return 0
		}
		return float64(n) / float64(total)
	}
	st, pst := ov.SentimentTotal, ov.PrevSentimentTotal
	for _, s := range []struct {
		label        string
		n, pn, t, pt int
	}{
		{vigie.Negative, st.Negative, pst.Negative, st.Total(), pst.Total()},
		{vigie.Positive, st.Positive, pst.Positive, st.Total(), pst.Total()},
	} {
		cur, prev := share(s.n, s.t), share(s.pn, s.pt)
		k := kpi{Label: d.v.T("dashboard.share." + s.label), Value: formatPct(d.v.Locale, cur), URL: d.period("sentiment", s.label)}
		if s.pt > 0 && s.t > 0 {
			pts := 100 * (cur - prev)
			k.Change = fmt.Sprintf("%+.0f pt", pts)
			k.Up, k.Down = pts >= 1, pts <= -1
			k.Hint = d.v.T("dashboard.prevshare", formatPct(d.v.Locale, prev))
		}
		out = append(out, k)
	}
	return out
}

// risingEmpty is what an empty rising list says: that there is nothing to
// read, nothing to compare with, or that nothing rose.
func risingEmpty(ov *vigie.Overview) string {
	switch {
	case ov.Total == 0:
		return "dashboard.nomentions"
	case ov.PrevTotal == 0:
		return "dashboard.noprevious"
	}
	return "dashboard.norising"
}

// compare draws the period's mentions per bucket over the previous
// period's, dashed.
func (d *dashView) compare() template.HTML {
	total := func(b vigie.SentimentBucket) float64 { return float64(b.SentimentCounts.Total()) }
	cur := chart.Series{Name: d.v.T("dashboard.thisperiod"), Slot: 1}
	for _, b := range d.ov.Sentiment {
		cur.Points = append(cur.Points, chart.Point{X: b.At, Y: total(b), URL: d.link(b.At, b.At.Add(d.ov.Bucket))})
	}
	span := d.ov.To.Sub(d.ov.From)
	prev := chart.Series{Name: d.v.T("dashboard.prevperiod"), Slot: 1, Dashed: true, Offset: span}
	for _, b := range d.ov.PrevVolume {
		prev.Points = append(prev.Points, chart.Point{X: b.At, Y: float64(b.Count), URL: d.link(b.At, b.At.Add(d.ov.Bucket))})
	}
	return chart.TimeChart{Series: []chart.Series{cur, prev}, From: d.ov.From, To: d.ov.To, Step: d.ov.Bucket, Width: 560, Height: 200,
		Label: d.v.T("dashboard.compareTitle"), Empty: d.v.T("dashboard.nomentions"), YLabel: d.v.T("dashboard.mentions"),
		XLabel: d.axisZone(), FormatTime: d.timeFormat(), FormatBucket: d.bucketFormat(), FormatValue: d.num, FormatTick: chart.Compact}.Lines()
}

// volume is the mentions of each monitor per bucket (the 12 busiest).
func (d *dashView) volume() template.HTML {
	series := slices.Clone(d.ov.Volume)
	slices.SortStableFunc(series, func(a, b vigie.MonitorSeries) int { return cmp.Compare(b.Total, a.Total) })
	series = series[:min(len(series), 12)]
	var cs []chart.Series
	for _, s := range series {
		c := chart.Series{Name: cmp.Or(s.Name, s.ID)}
		for _, pt := range s.Points {
			c.Points = append(c.Points, chart.Point{X: pt.At, Y: float64(pt.Count), URL: d.link(pt.At, pt.At.Add(d.ov.Bucket), "monitor", s.ID)})
		}
		cs = append(cs, c)
	}
	return chart.TimeChart{Series: cs, From: d.ov.From, To: d.ov.To, Step: d.ov.Bucket, Width: 560, Height: 240,
		Label: d.v.T("dashboard.volume"), Empty: d.v.T("dashboard.nomentions"), YLabel: d.v.T("dashboard.mentions"),
		XLabel: d.axisZone(), FormatTime: d.timeFormat(), FormatBucket: d.bucketFormat(), FormatValue: d.num, FormatTick: chart.Compact,
		BucketURL: func(at time.Time) string { return d.link(at, at.Add(d.ov.Bucket)) }}.Lines()
}

// share is the share of voice: brand and competitor monitors (all monitors
// when there are neither).
// share is the share of voice: the brands together against each
// competitor, each mention counted once (mentions of several apart).
func (d *dashView) share() template.HTML {
	var brands []vigie.MonitorSeries
	for _, s := range d.ov.Volume {
		if s.Kind == vigie.KindBrand {
			brands = append(brands, s)
		}
	}
	var bars []chart.Bar
	for _, v := range d.ov.ShareOfVoice {
		if v.Count == 0 {
			continue
		}
		ch, _, _ := d.change(v.Count, v.Prev)
		b := chart.Bar{Value: float64(v.Count), Note: ch}
		switch v.Key {
		case vigie.VoiceBrand:
			b.Label = d.v.T("dashboard.voice.brands")
			if len(brands) == 1 {
				b.Label, b.URL = cmp.Or(brands[0].Name, brands[0].ID), d.period("monitor", brands[0].ID)
			}
		case vigie.VoiceSeveral:
			b.Label = d.v.T("dashboard.voice.several")
		default:
			b.Label, b.URL = cmp.Or(v.Name, v.Key), d.period("monitor", v.Key)
		}
		bars = append(bars, b)
	}
	empty := d.v.T("dashboard.nomentions")
	if len(d.ov.ShareOfVoice) == 0 && len(d.ov.Volume) > 0 {
		empty = d.v.T("dashboard.voice.nokinds")
	}
	return chart.Donut(bars, chart.BarOptions{Label: d.v.T("dashboard.share"), Empty: empty, FormatValue: d.num,
		FormatShare: func(f float64) string { return formatPct(d.v.Locale, f) }})
}

func (d *dashView) sentiment() template.HTML {
	layers := []chart.Layer{
		{Name: d.v.T("sentiment.negative"), Class: "neg", Color: chart.ColorNegative},
		{Name: d.v.T("sentiment.neutral"), Class: "neu", Color: chart.ColorNeutral},
		{Name: d.v.T("sentiment.positive"), Class: "pos", Color: chart.ColorPositive},
	}
	var pts []chart.StackPoint
	for _, b := range d.ov.Sentiment {
		end := b.At.Add(d.ov.Bucket)
		pts = append(pts, chart.StackPoint{X: b.At,
			Values: []float64{float64(b.Negative), float64(b.Neutral), float64(b.Positive)},
			URLs:   []string{d.link(b.At, end, "sentiment", vigie.Negative), d.link(b.At, end, "sentiment", vigie.Neutral), d.link(b.At, end, "sentiment", vigie.Positive)},
			URL:    d.link(b.At, end)})
	}
	return chart.StackChart{Layers: layers, Points: pts, From: d.ov.From, To: d.ov.To, Step: d.ov.Bucket, Width: 560, Height: 220,
		Label: d.v.T("dashboard.sentiment"), Empty: d.v.T("dashboard.nomentions"), YLabel: d.v.T("dashboard.mentions"),
		XLabel: d.axisZone(), FormatTime: d.timeFormat(), FormatBucket: d.bucketFormat(), FormatValue: d.num,
		FormatShare: func(f float64) string { return formatPct(d.v.Locale, f) }}.Columns()
}

// bars is a breakdown as a bar list; param is the stream filter of its key.
func (d *dashView) bars(kc []vigie.KeyCount, param, label string) template.HTML {
	var bars []chart.Bar
	for i, k := range kc {
		if i == 8 {
			break
		}
		name := k.Key
		if name == "" {
			name = d.v.T("dashboard.unknown")
		}
		b := chart.Bar{Label: name, Value: float64(k.Count), URL: d.period(param, cmp.Or(k.Key, vigie.FilterNone))}
		b.Note, _, _ = d.change(k.Count, k.Prev)
		bars = append(bars, b)
	}
	return chart.Bars(bars, chart.BarOptions{Label: d.v.T(label), Empty: d.v.T("dashboard.nomentions"), FormatValue: d.num})
}

// keyLink is a top-list entry.
type keyLink struct {
	Key, URL, Count, Change string
}

// keys lists a top list; prefix is the query syntax of its key ("#" for
// hashtags, "site:" for domains), also shown before hashtags.
func (d *dashView) keys(kc []vigie.KeyCount, prefix string) []keyLink {
	var out []keyLink
	for _, k := range kc {
		ch, _, _ := d.change(k.Count, k.Prev)
		shown := k.Key
		if prefix == "#" {
			shown = "#" + k.Key
		}
		out = append(out, keyLink{Key: shown, URL: d.period("q", prefix+k.Key), Count: formatInt(d.v.Locale, k.Count), Change: ch})
	}
	return out
}

type authorRow struct {
	Name, Handle, Source, URL, Score, Followers, Mentions, Engagement, Parts string
}

func (d *dashView) authors(in []vigie.Influence) []authorRow {
	var out []authorRow
	for _, a := range in {
		handle := strings.TrimPrefix(a.Author.Handle, "@")
		r := authorRow{Name: cmp.Or(a.Author.Name, a.Author.Handle, a.Author.ID), Handle: a.Author.Handle, Source: a.Source,
			Score:     strconv.FormatFloat(a.Score, 'f', 1, 64),
			Followers: formatInt(d.v.Locale, int(a.Inputs.Followers)), Mentions: formatInt(d.v.Locale, a.Inputs.Mentions),
			Engagement: formatInt(d.v.Locale, int(a.Inputs.Engagement)),
			Parts:      d.v.T("dashboard.parts", formatPct(d.v.Locale, a.Parts.Reach), formatPct(d.v.Locale, a.Parts.Engagement), formatPct(d.v.Locale, a.Parts.Activity))}
		if handle != "" && !strings.ContainsAny(handle, " \"") {
			// Authors are per network: the same handle elsewhere is someone else.
			r.URL = d.period("q", "author:"+handle, "source", a.Source)
		}
		out = append(out, r)
	}
	return out
}

func (d *dashView) num(f float64) string { return formatInt(d.v.Locale, int(math.Round(f))) }

// timeFormat labels the time axis in the visit's language.
// Hours are shown in the workspace's time zone, named under the time axis;
// days are UTC days (the periods' days), said so there.
func (d *dashView) timeFormat() func(time.Time) string {
	if d.ov.Bucket < 24*time.Hour {
		loc := workspaceZone(d.v.Workspace)
		return func(t time.Time) string { return t.In(loc).Format("15:04") }
	}
	return func(t time.Time) string { return shortDate(d.v.Locale, t) }
}

func (d *dashView) bucketFormat() func(time.Time) string {
	if d.ov.Bucket < 24*time.Hour {
		loc := workspaceZone(d.v.Workspace)
		return func(t time.Time) string {
			return shortDate(d.v.Locale, t.In(loc)) + " " + t.In(loc).Format("15:04 MST")
		}
	}
	return func(t time.Time) string { return shortDate(d.v.Locale, t) + " (UTC)" }
}

// axisZone names the time axis' zone.
func (d *dashView) axisZone() string {
	if d.ov.Bucket < 24*time.Hour {
		return d.v.T("dashboard.axiszone", workspaceZone(d.v.Workspace).String())
	}
	return d.v.T("dashboard.axisdays")
}

var frMonths = []string{"janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."}

// shortDate is "Nov 12" in English, "12 nov." in French.
func shortDate(locale string, t time.Time) string {
	if locale == "fr" {
		return strconv.Itoa(t.Day()) + " " + frMonths[t.Month()-1]
	}
	return t.Format("Jan 2")
}

// formatInt groups thousands: 12,345 in English, 12 345 in French.
func formatInt(locale string, n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if locale == "fr" {
		sep = "\u202f"
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// formatPct is "42%" in English, "42 %" in French.
func formatPct(locale string, f float64) string {
	n := strconv.Itoa(int(math.Round(100 * f)))
	if locale == "fr" {
		return n + "\u202f%"
	}
	return n + "%"
}

// formatFloat is f with one decimal (1.4 in English, 1,4 in French), or
// none from 100 up, its digits grouped as formatInt's (1,862; 1 862).
func formatFloat(locale string, f float64) string {
	if math.Abs(f) >= 99.95 {
		return formatInt(locale, int(math.Round(f)))
	}
	s := strconv.FormatFloat(f, 'f', 1, 64)
	if locale == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// rising is the rising hashtags, none without a previous period to rise
// from (every hashtag of a first period would "rise", repeating the top).
func (d *dashView) rising(kc []vigie.KeyCount) []keyLink {
	if d.ov.PrevTotal == 0 {
		return nil
	}
	return d.keys(kc, "#")
}
