package chart

import "html/template"

// Sparkline draws counts at even intervals as a small line over an area,
// scaled to the largest count (a flat line at the bottom when all are
// zero), for a table cell: 100 × 20 units, no axes. label says in words
// what it shows (screen readers read it; the numbers are next to it in the
// table). Classes: chart-spark (root), chart-spark-line, chart-spark-area.
func Sparkline(counts []int, label string) template.HTML {
	const width, height, pad = 100.0, 20.0, 1.5
	var w buf
	w.raw(`<svg xmlns="http://www.w3.org/2000/svg" class="chart chart-spark" viewBox="0 0 100 20" width="100" height="20" role="img"`)
	w.attr("aria-label", label)
	w.raw(`>`)
	if len(counts) > 0 {
		top := 0
		for _, c := range counts {
			top = max(top, c)
		}
		x := func(i int) float64 {
			if len(counts) == 1 {
				return width / 2
			}
			return pad + float64(i)*(width-2*pad)/float64(len(counts)-1)
		}
		y := func(c int) float64 {
			if top == 0 {
				return height - pad
			}
			return height - pad - float64(max(c, 0))*(height-2*pad)/float64(top)
		}
		var pts []byte
		for i, c := range counts {
			if i > 0 {
				pts = append(pts, ' ')
			}
			pts = appendNum(pts, x(i))
			pts = append(pts, ',')
			pts = appendNum(pts, y(c))
		}
		w.raw(`<path class="chart-spark-area" fill="` + Palette[0] + `" fill-opacity=".15" d="M`)
		w.num(x(0))
		w.raw(",")
		w.num(height - pad)
		w.raw(" L" + string(pts) + " L")
		w.num(x(len(counts) - 1))
		w.raw(",")
		w.num(height - pad)
		w.raw(` Z"/>`)
		w.raw(`<polyline class="chart-spark-line" fill="none" stroke="` + Palette[0] + `" stroke-width="1.5" stroke-linejoin="round" points="` + string(pts) + `"/>`)
	}
	w.raw(`</svg>`)
	return w.html()
}
