package chart

import (
	"math"
	"sort"
	"time"
)

// frame is the plot area of a time chart and its axes.
type frame struct {
	w, h           float64 // viewBox size (h excludes the legend)
	x0, x1, y0, y1 float64 // plot area
	from, to       time.Time
	step           time.Duration
	lo, hi         float64
	yticks         []float64
	ylabels        []string
}

func (f *frame) x(t time.Time) float64 {
	span := f.to.Sub(f.from)
	if span <= 0 {
		return (f.x0 + f.x1) / 2
	}
	return f.x0 + float64(t.Sub(f.from))/float64(span)*(f.x1-f.x0)
}

func (f *frame) y(v float64) float64 {
	return f.y1 - (v-f.lo)/(f.hi-f.lo)*(f.y1-f.y0)
}

// newFrame lays out the axes for values in [lo, hi].
func newFrame(width, height int, from, to time.Time, step time.Duration, lo, hi float64, integer bool, yLabel, xLabel string, fmtTick func(float64) string) *frame {
	f := &frame{w: float64(width), h: float64(height), from: from, to: to, step: step}
	if f.w <= 0 {
		f.w = 400
	}
	if f.h <= 0 {
		f.h = 220
	}
	f.w = math.Max(f.w, 160)
	f.h = math.Max(f.h, 100)
	f.y0 = 10
	if yLabel != "" {
		f.y0 = 26
	}
	f.y1 = f.h - 22
	if xLabel != "" {
		f.y1 -= 16
	}
	if lo == hi && lo == 0 {
		hi = 4
	}
	n := int(math.Max(2, math.Min(6, (f.y1-f.y0)/36)))
	f.yticks = niceTicks(lo, hi, n, integer)
	f.lo, f.hi = f.yticks[0], f.yticks[len(f.yticks)-1]
	maxW := 0.0
	for _, v := range f.yticks {
		s := fmtTick(v)
		f.ylabels = append(f.ylabels, s)
		maxW = math.Max(maxW, textWidth(s))
	}
	f.x0 = math.Min(maxW, f.w/4) + 8
	f.x1 = f.w - 12
	return f
}

// draw writes grid lines, tick labels, axis labels and the time axis.
func (f *frame) draw(w *buf, yLabel, xLabel string, fmtTime func(time.Time) string) {
	// Horizontal grid, one path.
	w.raw(`<path class="chart-grid" fill="none" stroke="` + colGrid + `" d="`)
	for _, v := range f.yticks {
		if v == 0 {
			continue
		}
		w.raw("M")
		w.num(f.x0)
		w.raw(" ")
		w.num(f.y(v))
		w.raw("H")
		w.num(f.x1)
	}
	w.raw(`"/>`)
	// Baseline at zero (or at the bottom).
	base := f.y1
	if f.lo < 0 && f.hi > 0 {
		base = f.y(0)
	}
	w.raw(`<path class="chart-baseline" stroke="` + colMuted + `" d="M`)
	w.num(f.x0)
	w.raw(" ")
	w.num(base)
	w.raw("H")
	w.num(f.x1)
	w.raw(`"/>`)

	w.raw(`<g class="chart-axis chart-axis-y" fill="` + colMuted + `" text-anchor="end">`)
	for i, v := range f.yticks {
		w.text(f.x0-6, f.y(v)+4, "", "", "", f.ylabels[i])
	}
	w.raw("</g>")
	if yLabel != "" {
		w.text(0, 12, "", "chart-axis-label", colText, truncate(yLabel, f.w))
	}

	// Time axis. Hourly (or finer) buckets: ticks on boundaries. Daily or
	// coarser: the label names the bucket, so it is centred on it.
	ticks, labels := pickTimeTicks(f.from, f.to, f.step, f.x1-f.x0, fmtTime)
	centre := f.step >= 24*time.Hour
	w.raw(`<path class="chart-ticks" stroke="` + colMuted + `" d="`)
	for _, t := range ticks {
		w.raw("M")
		w.num(f.x(t))
		w.raw(" ")
		w.num(f.y1)
		w.raw("v4")
	}
	w.raw(`"/><g class="chart-axis chart-axis-x" fill="` + colMuted + `" text-anchor="middle">`)
	for i, t := range ticks {
		x := f.x(t)
		if centre {
			x = f.x(t.Add(f.step / 2))
		}
		if t.Equal(f.to) && centre {
			continue
		}
		half := textWidth(labels[i]) / 2
		x = math.Max(half+1, math.Min(f.w-half-1, x))
		w.text(x, f.y1+17, "", "", "", labels[i])
	}
	w.raw("</g>")
	if xLabel != "" {
		w.text((f.x0+f.x1)/2, f.y1+33, "middle", "chart-axis-label", colText, truncate(xLabel, f.w))
	}
}

// ---------------------------------------------------------------------------
// Legend

type legendItem struct {
	name   string
	color  string
	class  string
	line   bool // line swatch (else square)
	dashed bool
	marker int // marker shape, -1 for none
	href   string
	title  string
}

type legendPos struct{ x, y float64 }

const legendRow = 20.0

// layoutLegend flows items in rows across width; it returns the positions
// relative to the legend's top-left corner and the total height.
func layoutLegend(items []legendItem, width float64) ([]legendPos, []string, float64) {
	pos := make([]legendPos, len(items))
	names := make([]string, len(items))
	x, y := 0.0, 0.0
	for i, it := range items {
		sw := 16.0
		if it.line {
			sw = 24
		}
		names[i] = truncate(it.name, math.Min(width-sw-6, 22*fontSize*0.58))
		iw := sw + 6 + textWidth(names[i])
		if x > 0 && x+iw > width {
			x, y = 0, y+legendRow
		}
		pos[i] = legendPos{x, y}
		x += iw + 14
	}
	if len(items) == 0 {
		return pos, names, 0
	}
	return pos, names, y + legendRow
}

func drawLegend(w *buf, items []legendItem, pos []legendPos, names []string, ox, oy float64) {
	w.raw(`<g class="chart-legend">`)
	if len(items) > 0 && items[0].line {
		// Line keys (no links): all swatches in one group, then the names.
		w.raw(`<g fill="none" stroke-width="2">`)
		for i, it := range items {
			x, y := ox+pos[i].x, oy+pos[i].y+legendRow/2
			w.raw(`<path class="chart-key ` + it.class + `" stroke="` + it.color + `"`)
			if it.dashed {
				w.raw(` stroke-dasharray="6 4"`)
			}
			w.raw(` d="M`)
			w.num(x)
			w.raw(" ")
			w.num(y)
			w.raw(`h24"/>`)
			if it.marker >= 0 {
				markerPath(w, it.marker, it.color, it.dashed, "chart-key-marker "+it.class, [][2]float64{{x + 12, y}})
			}
		}
		w.raw("</g>")
		for i := range items {
			w.text(ox+pos[i].x+30, oy+pos[i].y+legendRow/2+4, "", "", "", names[i])
		}
		w.raw("</g>")
		return
	}
	for i, it := range items {
		x, y := ox+pos[i].x, oy+pos[i].y+legendRow/2
		if it.href != "" {
			w.link(it.href, it.title)
		}
		w.raw(`<rect class="chart-key ` + it.class + `"`)
		w.nattr("x", x)
		w.nattr("y", y-6)
		w.raw(` width="12" height="12" rx="2" fill="` + it.color + `"/>`)
		w.text(x+22, y+4, "", "", "", names[i])
		if it.href != "" {
			w.raw("</a>")
		}
	}
	w.raw("</g>")
}

// ---------------------------------------------------------------------------
// Markers: circle, square, triangle, diamond.

const markerShapes = 4

// appendMarker writes a filled triangle (2) or diamond (3); circles and
// squares are drawn as capped strokes by markerPath.
func appendMarker(w *buf, shape int, x, y float64) {
	switch shape % markerShapes {
	case 2:
		w.raw("M")
		w.num(x)
		w.raw(" ")
		w.num(y - 4.3)
		w.raw("l4.3 7.4h-8.6z")
	case 3:
		w.raw("M")
		w.num(x)
		w.raw(" ")
		w.num(y - 4.5)
		w.raw("l4.5 4.5-4.5 4.5-4.5-4.5z")
	}
}

// markerPath writes all markers of a series as one path. Circles and
// squares are zero-length round/square-capped strokes (about 13 bytes each);
// hollow markers (dashed, previous-period series) have a white centre.
func markerPath(w *buf, shape int, color string, hollow bool, class string, pts [][2]float64) {
	if len(pts) == 0 {
		return
	}
	shape %= markerShapes
	if shape < 2 {
		cap, width := "round", "8"
		if shape == 1 {
			cap, width = "square", "7"
		}
		dots := func(stroke, width string) {
			// fill="none" comes from the enclosing group.
			w.raw(`<path class="` + class + `" stroke="` + stroke + `" stroke-width="` + width + `" stroke-linecap="` + cap + `" d="`)
			for _, p := range pts {
				w.raw("M")
				w.num(p[0])
				w.raw(" ")
				w.num(p[1])
				w.raw("h0")
			}
			w.raw(`"/>`)
		}
		dots(color, width)
		if hollow {
			dots("#fff", "4")
		}
		return
	}
	w.raw(`<path class="` + class + `"`)
	if hollow {
		w.raw(` fill="#fff" stroke="` + color + `" stroke-width="1.5"`)
	} else {
		w.raw(` fill="` + color + `"`)
	}
	w.raw(` d="`)
	for _, p := range pts {
		appendMarker(w, shape, p[0], p[1])
	}
	w.raw(`"/>`)
}

// inferStep returns the smallest positive gap between sorted times.
func inferStep(ts []time.Time) time.Duration {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Before(ts[j]) })
	var step time.Duration
	for i := 1; i < len(ts); i++ {
		if d := ts[i].Sub(ts[i-1]); d > 0 && (step == 0 || d < step) {
			step = d
		}
	}
	return step
}

// isInt reports whether v is a whole number.
func isInt(v float64) bool { return v == math.Trunc(v) }
