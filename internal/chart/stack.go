package chart

import (
	"html/template"
	"math"
	"sort"
	"strings"
	"time"
)

// Layer is one band of a stacked chart (e.g. negative, neutral, positive).
type Layer struct {
	Name  string
	Class string // extra CSS classes, e.g. "neg"
	Color string // "#rrggbb" (e.g. ColorNegative); default: palette by position
}

// StackPoint is one bucket of a stacked chart; Values, URLs and Titles are
// indexed like StackChart.Layers.
type StackPoint struct {
	X      time.Time
	Values []float64
	URLs   []string
	Titles []string // optional; default "Layer — <bucket>: <value> (<share>)"
	// URL links the whole bucket; used instead of per-segment links when
	// there are more than MaxTargets segments.
	URL string
}

// StackChart is a stacked column chart over time, rendered by Columns.
//
// CSS classes: chart chart-columns (root), chart-seg lN (segments, plus the
// layer's Class), chart-hits, and the axis/legend classes of TimeChart.
type StackChart struct {
	Layers       []Layer
	Points       []StackPoint
	From, To     time.Time
	Step         time.Duration
	Label, Empty string
	YLabel       string
	XLabel       string
	FormatTime   func(time.Time) string
	FormatBucket func(time.Time) string
	FormatValue  func(float64) string
	FormatTick   func(float64) string
	// FormatShare formats a segment's share of its column in titles
	// (default Percent); return "" to omit it.
	FormatShare   func(float64) string
	MaxTargets    int // default 400
	Width, Height int // default 400 × 220 (+ legend)
}

// Columns renders the chart as SVG stacked columns.
func (c StackChart) Columns() template.HTML {
	fmtTime := c.FormatTime
	if fmtTime == nil {
		fmtTime = defaultTick
	}
	fmtVal := orF(c.FormatValue, Number)
	fmtTick := orF(c.FormatTick, Compact)
	fmtShare := orF(c.FormatShare, Percent)

	var ts []time.Time
	hi := 0.0
	integer := true
	segs := 0
	for _, p := range c.Points {
		ts = append(ts, p.X)
		sum := 0.0
		for i, v := range p.Values {
			if i < len(c.Layers) && v > 0 && !math.IsInf(v, 0) {
				sum += v
				segs++
				integer = integer && isInt(v)
			}
		}
		hi = math.Max(hi, sum)
	}
	if segs == 0 || len(c.Layers) == 0 {
		return emptySVG("chart-columns", orDim(c.Width, 400), orDim(c.Height, 220), c.Label, c.Empty)
	}
	from, to, step := domain(c.From, c.To, c.Step, ts)
	fmtBucket := c.FormatBucket
	if fmtBucket == nil {
		fmtBucket = defaultBucket(step)
	}
	f := newFrame(c.Width, c.Height, from, to, step, 0, hi, integer, c.YLabel, c.XLabel, fmtTick)

	colors := make([]string, len(c.Layers))
	classes := make([]string, len(c.Layers))
	items := make([]legendItem, len(c.Layers))
	for i, l := range c.Layers {
		col, _ := slotColor(i)
		if cc := cleanColor(l.Color); cc != "" {
			col = cc
		}
		colors[i] = col
		classes[i] = strings.TrimSpace("l" + itoa(i) + " " + cleanClass(l.Class))
		items[i] = legendItem{name: l.Name, color: col, class: classes[i], marker: -1}
	}
	lpos, lnames, legendH := layoutLegend(items, f.w-8)
	legendH += 8

	label := c.Label
	if label == "" {
		var names []string
		for _, l := range c.Layers {
			names = append(names, l.Name)
		}
		label = summary(c.YLabel, names)
	}
	var w buf
	w.b = make([]byte, 0, 4096+segs*120)
	w.open("chart-columns", f.w, f.h+legendH, label)
	f.draw(&w, c.YLabel, c.XLabel, fmtTime)

	pts := append([]StackPoint(nil), c.Points...)
	sort.SliceStable(pts, func(i, j int) bool { return pts[i].X.Before(pts[j].X) })
	geom := func(p StackPoint) (x, cw float64, ok bool) {
		if p.X.Before(from) || !p.X.Before(to) {
			return 0, 0, false
		}
		x0, x1 := f.x(p.X), f.x(p.X.Add(step))
		bw := x1 - x0
		gap := 0.0
		if bw >= 4 {
			gap = math.Min(bw*0.2, 12)
		}
		return x0 + gap/2, bw - gap, true
	}

	maxT := c.MaxTargets
	if maxT <= 0 {
		maxT = 400
	}
	dense := segs > maxT
	for _, p := range pts {
		if p.URL == "" {
			dense = false
			break
		}
	}

	if !dense {
		for _, p := range pts {
			x, cw, ok := geom(p)
			if !ok {
				continue
			}
			total := 0.0
			for i, v := range p.Values {
				if i < len(c.Layers) && v > 0 {
					total += v
				}
			}
			acc := 0.0
			for i, v := range p.Values {
				if i >= len(c.Layers) || !(v > 0) || math.IsInf(v, 0) {
					continue
				}
				y0, y1 := f.y(acc+v), f.y(acc)
				acc += v
				w.link(at(p.URLs, i), c.segTitle(p, i, v, total, fmtBucket, fmtVal, fmtShare))
				w.raw(`<rect class="chart-seg ` + classes[i] + `"`)
				w.nattr("x", x)
				w.nattr("y", y0)
				w.nattr("width", cw)
				w.nattr("height", math.Max(y1-y0, 0.5))
				w.raw(` fill="` + colors[i] + `"/></a>`)
			}
		}
	} else {
		// One path per layer, then one transparent link per bucket.
		for li := range c.Layers {
			w.raw(`<path class="chart-seg ` + classes[li] + `" fill="` + colors[li] + `" d="`)
			for _, p := range pts {
				x, cw, ok := geom(p)
				if !ok || li >= len(p.Values) || !(p.Values[li] > 0) {
					continue
				}
				acc := 0.0
				for i := 0; i < li; i++ {
					if p.Values[i] > 0 {
						acc += p.Values[i]
					}
				}
				y0, y1 := f.y(acc+p.Values[li]), f.y(acc)
				w.raw("M")
				w.num(x)
				w.raw(" ")
				w.num(y0)
				w.raw("h")
				w.num(cw)
				w.raw("V")
				w.num(y1)
				w.raw("H")
				w.num(x)
				w.raw("z")
			}
			w.raw(`"/>`)
		}
		w.raw(`<g class="chart-hits chart-strips" fill="#fff" fill-opacity="0">`)
		for _, p := range pts {
			x0, x1 := f.x(p.X), f.x(p.X.Add(step))
			if p.X.Before(from) || !p.X.Before(to) {
				continue
			}
			var parts []string
			for i, v := range p.Values {
				if i < len(c.Layers) {
					parts = append(parts, c.Layers[i].Name+": "+fmtVal(v))
				}
			}
			w.link(p.URL, fmtBucket(p.X)+" — "+strings.Join(parts, "; "))
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
	drawLegend(&w, items, lpos, lnames, 4, f.h+4)
	w.close()
	return w.html()
}

func (c StackChart) segTitle(p StackPoint, i int, v, total float64, fmtBucket func(time.Time) string, fmtVal, fmtShare func(float64) string) string {
	if t := at(p.Titles, i); t != "" {
		return t
	}
	s := c.Layers[i].Name + " — " + fmtBucket(p.X) + ": " + fmtVal(v)
	if len(c.Layers) > 1 && total > 0 {
		if sh := fmtShare(v / total); sh != "" {
			s += " (" + sh + ")"
		}
	}
	return s
}

func at(ss []string, i int) string {
	if i < len(ss) {
		return ss[i]
	}
	return ""
}

func itoa(i int) string {
	return string(appendNum(nil, float64(i)))
}
