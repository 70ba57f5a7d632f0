package chart

import (
	"html/template"
	"math"
	"sort"
	"strings"
	"time"
)

// Point is one bucket of a time series. X is the start of the bucket.
type Point struct {
	X     time.Time
	Y     float64 // NaN leaves a gap in the line
	URL   string  // link to the mentions behind the point
	Title string  // accessible title; default "Name — <bucket>: <value>"
}

// Series is one line.
type Series struct {
	Name   string
	Points []Point
	// Dashed draws the line dashed with hollow markers: use it for the
	// previous period.
	Dashed bool
	// Offset is added to the points' X when plotting (not in titles): set it
	// to the period length to overlay the previous period on the current one.
	Offset time.Duration
	// Slot is the 1-based palette slot (colour, marker, CSS class s<Slot-1>);
	// 0 means the series' position in TimeChart.Series. Give the previous
	// period the same slot as its current series.
	Slot int
	// Class is appended to the line's classes (tokens of [A-Za-z0-9_-]).
	Class string
}

// TimeChart is a line chart of counts over time, rendered by Lines.
//
// CSS classes: chart chart-lines (root), chart-line sN (lines), chart-marker
// sN, chart-hits (link targets), chart-grid, chart-baseline, chart-axis,
// chart-axis-label, chart-legend, chart-key.
type TimeChart struct {
	Series []Series
	// From and To bound the period (To exclusive); Step is the bucket size.
	// Zero values are inferred from the points.
	From, To time.Time
	Step     time.Duration
	Label    string // accessible name of the chart (aria-label)
	Empty    string // empty-state text, e.g. "No mentions in this period"
	YLabel   string // e.g. "Mentions"
	XLabel   string // optional
	// FormatTime formats time-axis ticks, which fall on hour or day
	// boundaries (local midnight for day ticks). Default: "Jan 2" / "15:04".
	FormatTime func(time.Time) string
	// FormatBucket formats a bucket in titles. Default "2 Jan 15:04" for
	// sub-daily steps, "2 Jan 2006" otherwise.
	FormatBucket func(time.Time) string
	FormatValue  func(float64) string // values in titles; default Number
	FormatTick   func(float64) string // y-axis ticks; default Compact
	// BucketURL, if set, links a whole bucket (all series). It is used when
	// there are too many points for one link each (see MaxTargets).
	BucketURL func(time.Time) string
	// MaxTargets is the number of points above which per-bucket link
	// targets are used instead of per-point ones, when BucketURL is set.
	// Default 400.
	MaxTargets    int
	Width, Height int // viewBox size; default 400 × 220 (+ legend)
}

type linePt struct {
	x, y float64
	t    time.Time // bucket start, plotted (with offset)
	p    *Point
}

// Lines renders the chart as an SVG line chart.
func (c TimeChart) Lines() template.HTML {
	fmtTime := c.FormatTime
	if fmtTime == nil {
		fmtTime = defaultTick
	}
	fmtVal := orF(c.FormatValue, Number)
	fmtTick := orF(c.FormatTick, Compact)

	// Domain.
	var all []time.Time
	lo, hi := math.Inf(1), math.Inf(-1)
	integer := true
	n := 0
	for _, s := range c.Series {
		for _, p := range s.Points {
			all = append(all, p.X.Add(s.Offset))
			if math.IsNaN(p.Y) || math.IsInf(p.Y, 0) {
				continue
			}
			n++
			lo, hi = math.Min(lo, p.Y), math.Max(hi, p.Y)
			integer = integer && isInt(p.Y)
		}
	}
	if n == 0 {
		return emptySVG("chart-lines", orDim(c.Width, 400), orDim(c.Height, 220), c.Label, c.Empty)
	}
	from, to, step := domain(c.From, c.To, c.Step, all)
	fmtBucket := c.FormatBucket
	if fmtBucket == nil {
		fmtBucket = defaultBucket(step)
	}
	f := newFrame(c.Width, c.Height, from, to, step, math.Min(lo, 0), math.Max(hi, 0), integer, c.YLabel, c.XLabel, fmtTick)

	// Legend.
	var items []legendItem
	named := false
	slots := make([]int, len(c.Series))
	for i, s := range c.Series {
		slots[i] = i
		if s.Slot > 0 {
			slots[i] = s.Slot - 1
		}
		col, cls := slotColor(slots[i])
		items = append(items, legendItem{name: s.Name, color: col, class: cls, line: true, dashed: s.Dashed, marker: shapeOf(slots[i])})
		named = named || s.Name != ""
	}
	var lpos []legendPos
	var lnames []string
	legendH := 0.0
	if named {
		lpos, lnames, legendH = layoutLegend(items, f.w-8)
		legendH += 8
	}

	label := c.Label
	if label == "" {
		var names []string
		for _, s := range c.Series {
			names = append(names, s.Name)
		}
		label = summary(c.YLabel, names)
	}
	var w buf
	w.b = make([]byte, 0, 4096+len(all)*24)
	w.open("chart-lines", f.w, f.h+legendH, label)
	f.draw(&w, c.YLabel, c.XLabel, fmtTime)

	// Lines and markers.
	buckets := math.Max(1, float64(to.Sub(from))/float64(step))
	spacing := (f.x1 - f.x0) / buckets
	// Markers on every point unless they would crowd: the more series, the
	// sparser (they identify series; the link targets are separate).
	every := 1
	if minGap := math.Max(10, 4*float64(len(c.Series))); spacing < minGap {
		every = int(math.Ceil(minGap / spacing))
	}
	pts := make([][]linePt, len(c.Series))
	w.raw(`<g class="chart-series" fill="none" stroke-width="2" stroke-linejoin="round" stroke-linecap="round">`)
	for si, s := range c.Series {
		col, cls := slotColor(slots[si])
		cls += " " + cleanClass(s.Class)
		ps := make([]linePt, 0, len(s.Points))
		for i := range s.Points {
			p := &s.Points[i]
			t := p.X.Add(s.Offset)
			if t.Before(from) || !t.Before(to) {
				continue
			}
			y := math.NaN()
			if !math.IsNaN(p.Y) && !math.IsInf(p.Y, 0) {
				y = f.y(p.Y)
			}
			ps = append(ps, linePt{x: f.x(t.Add(step / 2)), y: y, t: t, p: p})
		}
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].t.Before(ps[j].t) })
		pts[si] = ps

		w.raw(`<path class="chart-line ` + strings.TrimSpace(cls) + `" stroke="` + col + `"`)
		if s.Dashed {
			w.raw(` stroke-dasharray="6 4"`)
		}
		w.raw(` d="`)
		// After "M x y", further pairs are implicit linetos.
		pen := false
		for _, lp := range ps {
			if math.IsNaN(lp.y) {
				pen = false
				continue
			}
			if pen {
				w.raw(" ")
			} else {
				w.raw("M")
			}
			pen = true
			w.num(lp.x)
			w.raw(" ")
			w.num(lp.y)
		}
		w.raw(`"/>`)

		var mk [][2]float64
		off := 0
		if every > 1 {
			off = (si * every / max(1, len(c.Series))) % every
		}
		for i, lp := range ps {
			if !math.IsNaN(lp.y) && (every == 1 || i%every == off) {
				mk = append(mk, [2]float64{lp.x, lp.y})
			}
		}
		markerPath(&w, shapeOf(slots[si]), col, s.Dashed, "chart-marker "+strings.TrimSpace(cls), mk)
	}

	w.raw("</g>")

	// Link targets.
	maxT := c.MaxTargets
	if maxT <= 0 {
		maxT = 400
	}
	if len(c.Series) == 1 || (c.BucketURL != nil && n > maxT) {
		c.bucketTargets(&w, f, pts, fmtBucket, fmtVal)
	} else {
		// Invisible round dots (zero-length strokes, 14 units wide).
		w.raw(`<g class="chart-hits chart-dots" fill="none" stroke="#fff" stroke-opacity="0" stroke-width="14" stroke-linecap="round">`)
		for si, ps := range pts {
			for _, lp := range ps {
				if math.IsNaN(lp.y) {
					continue
				}
				w.link(lp.p.URL, pointTitle(c.Series[si].Name, lp.p, fmtBucket, fmtVal))
				// Whole units are precise enough for a 14-unit target.
				w.raw(`<path d="M`)
				w.num(math.Round(lp.x))
				w.raw(" ")
				w.num(math.Round(lp.y))
				w.raw(`h0"/></a>`)
			}
		}
		w.raw("</g>")
	}

	if named {
		drawLegend(&w, items, lpos, lnames, 4, f.h+4)
	}
	w.close()
	return w.html()
}

// bucketTargets writes one full-height transparent link per bucket.
func (c TimeChart) bucketTargets(w *buf, f *frame, pts [][]linePt, fmtBucket func(time.Time) string, fmtVal func(float64) string) {
	type bucket struct {
		t     time.Time
		url   string
		parts []string
	}
	idx := map[int64]int{}
	var bs []bucket
	for si, ps := range pts {
		for _, lp := range ps {
			if math.IsNaN(lp.y) {
				continue
			}
			k := lp.t.UnixNano()
			i, ok := idx[k]
			if !ok {
				i = len(bs)
				idx[k] = i
				bs = append(bs, bucket{t: lp.t})
			}
			b := &bs[i]
			if len(pts) == 1 {
				b.url = lp.p.URL
				b.parts = append(b.parts, pointTitle(c.Series[si].Name, lp.p, fmtBucket, fmtVal))
				continue
			}
			name := c.Series[si].Name
			if c.Series[si].Offset != 0 {
				name += " (" + fmtBucket(lp.p.X) + ")"
			}
			b.parts = append(b.parts, name+": "+fmtVal(lp.p.Y))
		}
	}
	sort.Slice(bs, func(i, j int) bool { return bs[i].t.Before(bs[j].t) })
	w.raw(`<g class="chart-hits chart-strips" fill="#fff" fill-opacity="0">`)
	for _, b := range bs {
		url, title := b.url, strings.Join(b.parts, "; ")
		if len(pts) > 1 {
			url = c.BucketURL(b.t)
			title = fmtBucket(b.t) + " — " + title
		}
		x0, x1 := f.x(b.t), f.x(b.t.Add(f.step))
		w.link(url, title)
		w.raw(`<path d="M`)
		w.num(x0)
		w.raw(" ")
		w.num(f.y0)
		w.raw("h")
		w.num(x1 - x0)
		w.raw("V")
		w.num(f.y1)
		w.raw("H")
		w.num(x0)
		w.raw(`z"/></a>`)
	}
	w.raw("</g>")
}

func pointTitle(name string, p *Point, fmtBucket func(time.Time) string, fmtVal func(float64) string) string {
	if p.Title != "" {
		return p.Title
	}
	s := fmtBucket(p.X) + ": " + fmtVal(p.Y)
	if name != "" {
		s = name + " — " + s
	}
	return s
}

// shapeOf picks the marker for a palette slot so that two series sharing a
// colour (slots i and i+8) get different markers.
func shapeOf(slot int) int { return (slot + slot/len(Palette)) % markerShapes }

// domain fills in From, To and Step from the data when they are zero.
func domain(from, to time.Time, step time.Duration, ts []time.Time) (time.Time, time.Time, time.Duration) {
	if step <= 0 {
		cp := append([]time.Time(nil), ts...)
		step = inferStep(cp)
	}
	var min, max time.Time
	for i, t := range ts {
		if i == 0 || t.Before(min) {
			min = t
		}
		if i == 0 || t.After(max) {
			max = t
		}
	}
	if step <= 0 {
		if !from.IsZero() && to.After(from) {
			step = to.Sub(from)
		} else {
			step = time.Hour
		}
	}
	if from.IsZero() {
		from = min
	}
	if to.IsZero() || !to.After(from) {
		to = max.Add(step)
	}
	if !to.After(from) {
		to = from.Add(step)
	}
	return from, to, step
}

func orDim(v, def int) float64 {
	if v <= 0 {
		return float64(def)
	}
	return math.Max(float64(v), 160)
}
