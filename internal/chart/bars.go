package chart

import (
	"html/template"
	"math"
	"strings"
)

// Bar is one row of a bar list, or one part of a share-of-voice chart.
type Bar struct {
	Label string
	Value float64 // negative values count as 0
	URL   string
	Title string // optional accessible title; default "Label: value"
	Note  string // shown after the value, e.g. "+12 %" vs the previous period
	Slot  int    // 1-based palette slot; 0 = default (Bars: s0, Share: position)
	Class string // extra CSS classes
}

// BarOptions configures Bars, Share and Donut.
type BarOptions struct {
	Label       string               // accessible name (aria-label)
	Empty       string               // empty-state text
	Width       int                  // viewBox width; default 400
	FormatValue func(float64) string // default Number
	FormatShare func(float64) string // share in [0,1]; default Percent
	// Max fixes the scale of Bars (e.g. to compare several lists); 0 means
	// the largest value.
	Max float64
	// Center is the caption under the total in the middle of a Donut, e.g.
	// "mentions".
	Center string
}

func (o BarOptions) width() float64 { return orDim(o.Width, 400) }

func barColor(b Bar, def int) (string, string) {
	slot := def
	if b.Slot > 0 {
		slot = b.Slot - 1
	}
	col, cls := slotColor(slot)
	if x := cleanClass(b.Class); x != "" {
		cls += " " + x
	}
	return col, cls
}

func clampV(v float64) float64 {
	if !(v > 0) || math.IsInf(v, 0) {
		return 0
	}
	return v
}

const barRow = 28.0

// Bars renders a horizontal bar list: one linked row per bar with its label,
// bar, value and note, in the given order.
//
// CSS classes: chart chart-bars (root), chart-row, chart-bar sN,
// chart-value, chart-note.
func Bars(bars []Bar, opt BarOptions) template.HTML {
	W := opt.width()
	if len(bars) == 0 {
		return emptySVG("chart-bars", W, 64, opt.Label, opt.Empty)
	}
	fmtVal := orF(opt.FormatValue, Number)
	max := opt.Max
	labelW, valW := 0.0, 0.0
	vals := make([]string, len(bars))
	for i, b := range bars {
		max = math.Max(max, clampV(b.Value))
		labelW = math.Max(labelW, textWidth(b.Label))
		vals[i] = fmtVal(clampV(b.Value))
		vw := textWidth(vals[i])
		if b.Note != "" {
			vw += 6 + textWidth(b.Note)
		}
		valW = math.Max(valW, vw)
	}
	labelW = math.Min(labelW, W*0.38)
	valW = math.Min(valW, W*0.3)
	x0 := labelW + 12
	area := math.Max(W-x0-valW-8, 20)
	H := float64(len(bars))*barRow + 4

	label := opt.Label
	if label == "" {
		var ps []string
		for i, b := range bars {
			ps = append(ps, b.Label+" "+vals[i])
		}
		label = summary("", ps)
	}
	var w buf
	w.b = make([]byte, 0, 512+len(bars)*300)
	w.open("chart-bars", W, H, label)
	for i, b := range bars {
		v := clampV(b.Value)
		y := 2 + float64(i)*barRow
		col, cls := barColor(b, 0)
		title := b.Title
		if title == "" {
			title = b.Label + ": " + vals[i]
			if b.Note != "" {
				title += " (" + b.Note + ")"
			}
		}
		w.link(b.URL, title)
		w.raw(`<rect class="chart-row" x="0"`)
		w.nattr("y", y)
		w.nattr("width", W)
		w.raw(` height="28" fill="#fff" fill-opacity="0"/>`)
		w.text(labelW+4, y+18, "end", "chart-label", "", truncate(b.Label, labelW))
		bw := 0.0
		if max > 0 {
			bw = v / max * area
		}
		if v > 0 {
			bw = math.Max(bw, 1)
		}
		w.raw(`<rect class="chart-bar ` + cls + `"`)
		w.nattr("x", x0)
		w.nattr("y", y+6)
		w.nattr("width", bw)
		w.raw(` height="16" rx="2" fill="` + col + `"/>`)
		vx := x0 + bw + 6
		w.text(vx, y+18, "", "chart-value", "", vals[i])
		if b.Note != "" {
			w.text(vx+textWidth(vals[i])+6, y+18, "", "chart-note", colMuted, truncate(b.Note, W-vx-textWidth(vals[i])-6))
		}
		w.raw("</a>")
	}
	w.close()
	return w.html()
}

// shares returns the parts' values (clamped) and their total.
func shares(parts []Bar) ([]float64, float64) {
	vs := make([]float64, len(parts))
	total := 0.0
	for i, p := range parts {
		vs[i] = clampV(p.Value)
		total += vs[i]
	}
	return vs, total
}

func shareTitle(p Bar, v, total float64, fmtVal, fmtShare func(float64) string) string {
	if p.Title != "" {
		return p.Title
	}
	s := p.Label + ": " + fmtShare(v/total) + " (" + fmtVal(v) + ")"
	if p.Note != "" {
		s += ", " + p.Note
	}
	return s
}

// Share renders a 100 % stacked horizontal bar (share of voice) with a
// legend. Both the segments and the legend entries are links, so small
// segments stay reachable.
//
// CSS classes: chart chart-share (root), chart-seg sN, chart-legend,
// chart-key.
func Share(parts []Bar, opt BarOptions) template.HTML {
	W := opt.width()
	vs, total := shares(parts)
	if total <= 0 {
		return emptySVG("chart-share", W, 64, opt.Label, opt.Empty)
	}
	fmtVal := orF(opt.FormatValue, Number)
	fmtShare := orF(opt.FormatShare, Percent)

	items := make([]legendItem, len(parts))
	for i, p := range parts {
		col, cls := barColor(p, i)
		items[i] = legendItem{name: p.Label + " " + fmtShare(vs[i]/total), color: col, class: cls, marker: -1,
			href: p.URL, title: shareTitle(p, vs[i], total, fmtVal, fmtShare)}
	}
	lpos, lnames, legendH := layoutLegend(items, W-8)
	const barY, barH = 4.0, 32.0
	H := barY + barH + 8 + legendH + 4

	var w buf
	w.b = make([]byte, 0, 1024+len(parts)*400)
	w.open("chart-share", W, H, shareLabel(opt.Label, items))
	w.raw(`<g class="chart-segs" stroke="#fff" stroke-width="1">`)
	x := 0.0
	for i, p := range parts {
		if vs[i] == 0 {
			continue
		}
		sw := vs[i] / total * W
		w.link(p.URL, items[i].title)
		w.raw(`<rect class="chart-seg ` + items[i].class + `"`)
		w.nattr("x", x)
		w.nattr("y", barY)
		w.nattr("width", sw)
		w.nattr("height", barH)
		w.raw(` fill="` + items[i].color + `"/>`)
		if pct := fmtShare(vs[i] / total); textWidth(pct)+8 <= sw {
			w.text(x+sw/2, barY+barH/2+4, "middle", "chart-seg-label", "#fff", pct)
		}
		w.raw("</a>")
		x += sw
	}
	w.raw("</g>")
	drawLegend(&w, items, lpos, lnames, 4, barY+barH+8)
	w.close()
	return w.html()
}

// Donut renders the parts as a donut with the total in the middle and a
// linked legend (right of the donut, or below it when the chart is narrow).
//
// CSS classes: chart chart-donut (root), chart-seg sN, chart-total,
// chart-legend, chart-key.
func Donut(parts []Bar, opt BarOptions) template.HTML {
	W := opt.width()
	vs, total := shares(parts)
	if total <= 0 {
		return emptySVG("chart-donut", W, 64, opt.Label, opt.Empty)
	}
	fmtVal := orF(opt.FormatValue, Number)
	fmtShare := orF(opt.FormatShare, Percent)

	D := math.Min(W*0.45, 180)
	R := D / 2
	cx, cy := R+4, R+4
	items := make([]legendItem, len(parts))
	for i, p := range parts {
		col, cls := barColor(p, i)
		items[i] = legendItem{name: p.Label + " " + fmtShare(vs[i]/total), color: col, class: cls, marker: -1,
			href: p.URL, title: shareTitle(p, vs[i], total, fmtVal, fmtShare)}
	}
	// Legend: a column on the right if there is room, else flowed below.
	lx, ly := D+20, 4.0
	var lpos []legendPos
	var lnames []string
	var legendH float64
	if W-lx >= 140 {
		lpos, lnames, _ = layoutLegend(items, 0) // width 0: one item per row
		for i := range items {
			lnames[i] = truncate(items[i].name, W-lx-22)
		}
		legendH = float64(len(items)) * legendRow
		if legendH < D {
			ly = 4 + (D-legendH)/2
		}
	} else {
		lpos, lnames, legendH = layoutLegend(items, W-8)
		lx, ly = 4, D+12
		legendH += D + 8
	}
	H := math.Max(D+8, ly+legendH+4)

	var w buf
	w.b = make([]byte, 0, 1024+len(parts)*500)
	w.open("chart-donut", W, H, shareLabel(opt.Label, items))
	w.raw(`<g class="chart-segs" stroke="#fff" stroke-width="1.5">`)
	r := R * 0.6
	a := -math.Pi / 2
	for i, p := range parts {
		if vs[i] == 0 {
			continue
		}
		frac := vs[i] / total
		w.link(p.URL, items[i].title)
		w.raw(`<path class="chart-seg ` + items[i].class + `" fill="` + items[i].color + `" d="`)
		if frac >= 0.9999 {
			// Full ring: two half arcs per circle, inner one reversed.
			w.raw("M")
			w.num(cx)
			w.raw(" ")
			w.num(cy - R)
			w.raw("A")
			arc(&w, R, 0, cx, cy+R)
			w.raw("A")
			arc(&w, R, 0, cx, cy-R)
			w.raw("M")
			w.num(cx)
			w.raw(" ")
			w.num(cy - r)
			w.raw("A")
			arcSweep(&w, r, 0, cx, cy+r, 0)
			w.raw("A")
			arcSweep(&w, r, 0, cx, cy-r, 0)
			w.raw(`z" fill-rule="evenodd`)
		} else {
			b := a + frac*2*math.Pi
			large := 0
			if frac > 0.5 {
				large = 1
			}
			w.raw("M")
			w.num(cx + R*math.Cos(a))
			w.raw(" ")
			w.num(cy + R*math.Sin(a))
			w.raw("A")
			arc(&w, R, large, cx+R*math.Cos(b), cy+R*math.Sin(b))
			w.raw("L")
			w.num(cx + r*math.Cos(b))
			w.raw(" ")
			w.num(cy + r*math.Sin(b))
			w.raw("A")
			arcSweep(&w, r, large, cx+r*math.Cos(a), cy+r*math.Sin(a), 0)
			w.raw("z")
			a = b
		}
		w.raw(`"/></a>`)
	}
	w.raw("</g>")
	w.raw(`<text class="chart-total" font-size="18" font-weight="600" text-anchor="middle"`)
	w.nattr("x", cx)
	w.nattr("y", cy+5)
	w.raw(">")
	w.esc(truncate(fmtVal(total), 2*r-4))
	w.raw("</text>")
	if opt.Center != "" {
		w.text(cx, cy+20, "middle", "chart-total-label", colMuted, truncate(opt.Center, 2*r-4))
	}
	drawLegend(&w, items, lpos, lnames, lx, ly)
	w.close()
	return w.html()
}

func arc(w *buf, R float64, large int, x, y float64) { arcSweep(w, R, large, x, y, 1) }

func arcSweep(w *buf, R float64, large int, x, y float64, sweep int) {
	w.num(R)
	w.raw(" ")
	w.num(R)
	w.raw(" 0 ")
	w.raw(strings.Repeat("1", large) + strings.Repeat("0", 1-large))
	w.raw(" ")
	w.raw(strings.Repeat("1", sweep) + strings.Repeat("0", 1-sweep))
	w.raw(" ")
	w.num(x)
	w.raw(" ")
	w.num(y)
}

func shareLabel(label string, items []legendItem) string {
	if label != "" {
		return label
	}
	var ps []string
	for _, it := range items {
		ps = append(ps, it.name)
	}
	return summary("", ps)
}
