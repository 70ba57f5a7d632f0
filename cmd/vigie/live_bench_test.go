package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vigie-project/vigie"
)

// BenchmarkLiveStream100PerSecond feeds the pipeline 100 matching posts a
// second for 20 seconds while the stream page is open in headless Chromium,
// and reports what the page went through: live updates received, rows
// shown, the stalls of its main thread (event-loop lag measured by a 50 ms
// timer: 95th percentile and worst) and the total time of long tasks
// (> 50 ms, as the browser reports them).
//
//	go test ./cmd/vigie -run '^$' -bench LiveStream -benchtime 1x
func BenchmarkLiveStream100PerSecond(b *testing.B) {
	in, api, src := valmontInstance(b, "m-valmont")
	addUser(b, in, "ana@uval.example", "editor")
	ctx := browser(b)
	login(b, ctx, api.base, "ana@uval.example")
	do(b, ctx, "open the stream", chromedp.Navigate(api.base+"/w/"+in.app.workspace.Slug+"/mentions"), chromedp.WaitVisible(chromedp.CSS(".live:not([hidden])")))
	do(b, ctx, "instrument the page", chromedp.Evaluate[chromedp.Void](`
		window.__lags = []; window.__long = 0; window.__events = 0;
		let last = performance.now();
		setInterval(() => { const now = performance.now(); window.__lags.push(Math.max(0, now - last - 50)); last = now; }, 50);
		new PerformanceObserver(l => l.getEntries().forEach(e => window.__long += e.duration)).observe({type: "longtask", buffered: true});
		new EventSource(document.querySelector("[data-live]").dataset.live).addEventListener("mentions", e => { window.__events++; window.__last = e.data; });
	`))
	// VIGIE_LIVE_RATE changes the rate (0 measures the idle page, to tell
	// the browser's own timer scheduling from the stream's cost).
	rate, seconds := 100, 20
	if os.Getenv("VIGIE_LIVE_PAUSE") == "1" { // held, not drawn: the page's share of the cost
		do(b, ctx, "pause", chromedp.Click(chromedp.CSS("[data-pause]")))
	}
	if v, err := strconv.Atoi(os.Getenv("VIGIE_LIVE_RATE")); err == nil && v >= 0 {
		rate = v
	}
	b.ResetTimer()
	start := time.Now()
	n := 0
	for s := range seconds {
		batch := make([]vigie.Post, 0, rate/10)
		for tick := range 10 {
			batch = batch[:0]
			for range rate / 10 {
				n++
				batch = append(batch, vigie.Post{ID: fmt.Sprintf("load:%d", n), Source: "mastodon", PublishedAt: time.Now().UTC(),
					Author: vigie.Author{Handle: fmt.Sprintf("@fan%d", n%97)}, Text: fmt.Sprintf("Valmont live load post number %d, second %d", n, s)})
			}
			if len(batch) > 0 {
				if _, err := in.app.pipeline.Process(context.Background(), &src, batch, nil); err != nil {
					b.Fatal(err)
				}
			}
			// Pace the feed at 100 posts a second (a load generator, not synchronisation).
			time.Sleep(time.Until(start.Add(time.Duration(s*10+tick+1) * 100 * time.Millisecond)))
		}
	}
	time.Sleep(time.Second) // let the last batch reach the page
	b.StopTimer()
	type stats struct {
		P95    float64 `json:"p95"`
		Lag    float64 `json:"lag"`
		Long   float64 `json:"long"`
		Events int     `json:"events"`
		Rows   int     `json:"rows"`
	}
	st := get(b, ctx, "read the page's figures", chromedp.Evaluate[stats](`(() => { const l = window.__lags.slice().sort((a, b) => a - b);
		return {p95: l[Math.floor(l.length * 0.95)], lag: l[l.length - 1], long: window.__long, events: window.__events, rows: document.querySelectorAll("ol.mentions > li").length}; })()`))
	// The cost of drawing one update: the last one, inserted again at the
	// top of the list and laid out, averaged over 5 times.
	draw := get(b, ctx, "time one update", chromedp.Evaluate[float64](`(() => {
		const list = document.querySelector("[data-mentions]"); let total = 0;
		for (let i = 0; i < 5; i++) {
			const t = document.createElement("template"); const t0 = performance.now();
			t.innerHTML = window.__last || ""; list.insertBefore(t.content, list.firstChild); void list.offsetHeight;
			total += performance.now() - t0;
		}
		return total / 5; })()`))
	b.ReportMetric(draw, "ms/update-drawn")
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "posts/s")
	b.ReportMetric(float64(st.Events)/float64(seconds), "updates/s")
	b.ReportMetric(float64(st.Rows), "rows-shown")
	b.ReportMetric(st.P95, "p95-lag-ms")
	b.ReportMetric(st.Lag, "max-lag-ms")
	b.ReportMetric(st.Long, "long-tasks-ms")
}
