// Command compare runs Vigie's language detector, whatlanggo and lingua-go
// side by side on the UMSAB val tweets and lingua's test sentences and
// prints a markdown table.
//
//	cd tools/langmodel && go run ./compare -shared ../../../shared
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/abadojack/whatlanggo"
	"github.com/pemistahl/lingua-go"

	"github.com/vigie-project/vigie/internal/enrich/lang"
)

type detector struct {
	name string
	load func() func(string) string
}

type result struct {
	name    string
	umsab   lang.Report
	lingua  lang.Report
	usTweet float64 // mean µs per tweet
	usSent  float64 // mean µs per sentence
	heapMB  float64 // live heap added by the detector, after its runs
	loadS   float64
}

func main() {
	log.SetFlags(0)
	shared := flag.String("shared", "../../../shared", "the shared folder")
	withAll := flag.Bool("all", true, "also run whatlanggo and lingua-go with all their languages (lingua: ~2 GB)")
	skip := flag.String("skip", "", "comma-separated detector names to skip")
	flag.Parse()

	// Vigie's model is decoded on first use: measure it here.
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	supported := lang.Supported()
	vigieLoad := time.Since(t0).Seconds()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	vigieHeap := (float64(m1.HeapAlloc) - float64(m0.HeapAlloc)) / (1 << 20)
	tweets, err := lang.LoadUMSAB(filepath.Join(*shared, "data/sentiment/umsab"), "val")
	if err != nil {
		log.Fatal(err)
	}
	sents, err := lang.LoadLinguaSentences(filepath.Join(*shared, "data/langid/lingua-testdata/sentences"))
	if err != nil {
		log.Fatal(err)
	}

	// whatlanggo: ISO 639-3 enum; restricted to the languages Vigie supports
	wlCode := map[whatlanggo.Lang]string{}
	wlSame := map[whatlanggo.Lang]bool{}
	for l := range whatlanggo.Langs {
		c := l.Iso6391()
		if c == "no" {
			c = "nb"
		}
		wlCode[l] = c
		for _, s := range supported {
			if s == c {
				wlSame[l] = true
			}
		}
	}
	wl := func(opts whatlanggo.Options) func() func(string) string {
		return func() func(string) string {
			return func(t string) string { return wlCode[whatlanggo.DetectWithOptions(t, opts).Lang] }
		}
	}
	li := func(b lingua.LanguageDetectorBuilder) func() func(string) string {
		return func() func(string) string {
			d := b.WithPreloadedLanguageModels().Build()
			return func(t string) string {
				l, ok := d.DetectLanguageOf(t)
				if !ok {
					return ""
				}
				return strings.ToLower(l.IsoCode639_1().String())
			}
		}
	}
	var isos []lingua.IsoCode639_1
	for _, s := range supported {
		c := lingua.GetIsoCode639_1FromValue(s)
		if c == lingua.UnknownIsoCode639_1 {
			log.Fatalf("lingua has no %s", s)
		}
		isos = append(isos, c)
	}
	dets := []detector{
		{"vigie", func() func(string) string { lang.Detect("warm up"); return lang.Detect }},
		{"whatlanggo (same langs)", wl(whatlanggo.Options{Whitelist: wlSame})},
		{"lingua-go high (same langs)", li(lingua.NewLanguageDetectorBuilder().FromIsoCodes639_1(isos...))},
	}
	if *withAll {
		dets = append(dets,
			detector{"whatlanggo (all)", wl(whatlanggo.Options{})},
			detector{"lingua-go high (all)", li(lingua.NewLanguageDetectorBuilder().FromAllLanguages())},
		)
	}
	var results []result
	for _, d := range dets {
		if *skip != "" && strings.Contains(","+*skip+",", ","+d.name+",") {
			continue
		}
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		t0 := time.Now()
		f := d.load()
		r := result{name: d.name, loadS: time.Since(t0).Seconds()}
		t0 = time.Now()
		r.umsab = lang.EvaluateFunc(tweets, f)
		r.usTweet = float64(time.Since(t0).Microseconds()) / float64(len(tweets))
		t0 = time.Now()
		r.lingua = lang.EvaluateFunc(sents, f)
		r.usSent = float64(time.Since(t0).Microseconds()) / float64(len(sents))
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		r.heapMB = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / (1 << 20)
		// lingua-go caches its models process-wide: the "all" run only
		// shows what the "same langs" run had not loaded yet.
		if d.name == "vigie" {
			r.heapMB, r.loadS = vigieHeap, vigieLoad
		}
		runtime.KeepAlive(f)
		results = append(results, r)
		log.Printf("%s: UMSAB %.4f, lingua %.4f", d.name, r.umsab.Accuracy(), r.lingua.Accuracy())
	}
	print(results, supported)
	fmt.Printf("\nprocess peak RSS (VmHWM): %s\n", vmHWM())
}

func print(rs []result, supported []string) {
	fmt.Println("### UMSAB val tweets (accuracy)")
	fmt.Println()
	header(rs)
	for _, l := range lang.UMSABLangs {
		fmt.Printf("| %s |", l)
		for _, r := range rs {
			fmt.Printf(" %.4f |", r.umsab.PerLang[l].Accuracy())
		}
		fmt.Println()
	}
	fmt.Print("| **all** |")
	for _, r := range rs {
		fmt.Printf(" **%.4f** |", r.umsab.Accuracy())
	}
	fmt.Print("\n| µs/tweet |")
	for _, r := range rs {
		fmt.Printf(" %.1f |", r.usTweet)
	}
	fmt.Println()
	fmt.Println()
	fmt.Println("### lingua test sentences, languages Vigie supports (accuracy)")
	fmt.Println()
	header(rs)
	langs := make([]string, 0)
	for l := range rs[0].lingua.PerLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		fmt.Printf("| %s |", l)
		for _, r := range rs {
			fmt.Printf(" %.4f |", r.lingua.PerLang[l].Accuracy())
		}
		fmt.Println()
	}
	fmt.Print("| **all** |")
	for _, r := range rs {
		fmt.Printf(" **%.4f** |", r.lingua.Accuracy())
	}
	fmt.Print("\n| mean per lang |")
	for _, r := range rs {
		fmt.Printf(" %.4f |", r.lingua.MeanAccuracy())
	}
	fmt.Print("\n| µs/sentence |")
	for _, r := range rs {
		fmt.Printf(" %.1f |", r.usSent)
	}
	fmt.Print("\n| heap after load+runs (MB) |")
	for _, r := range rs {
		fmt.Printf(" %.1f |", r.heapMB)
	}
	fmt.Print("\n| load time (s) |")
	for _, r := range rs {
		fmt.Printf(" %.2f |", r.loadS)
	}
	fmt.Println()
}

func header(rs []result) {
	fmt.Print("| lang |")
	for _, r := range rs {
		fmt.Printf(" %s |", r.name)
	}
	fmt.Print("\n|---|")
	for range rs {
		fmt.Print("---:|")
	}
	fmt.Println()
}

func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "?"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:"))
		}
	}
	return "?"
}
