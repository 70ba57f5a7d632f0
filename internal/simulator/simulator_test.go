package simulator

import (
	"errors"
	"math"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vigie-project/vigie"
	"github.com/vigie-project/vigie/internal/match"
	"github.com/vigie-project/vigie/internal/query"
)

// dayStart is midnight in Zurich on a Friday in winter (UTC+1).
var dayStart = time.Date(2026, 11, 19, 23, 0, 0, 0, time.UTC)

// run calls Next once a minute from start for the given minutes and returns
// everything it produced.
func run(s *Simulator, start time.Time, minutes int) []vigie.Post {
	var out []vigie.Post
	for m := 1; m <= minutes; m++ {
		out = append(out, s.Next(start.Add(time.Duration(m)*time.Minute))...)
	}
	return out
}

// demoDay is one simulated day, generated once for the tests that read it.
var demoDay = sync.OnceValue(func() []vigie.Post {
	return run(New(Config{Seed: 42, Start: dayStart}), dayStart, 24*60)
})

// matcher indexes the demo monitors.
func matcher(t testing.TB) *match.Matcher {
	t.Helper()
	ix := match.NewIndex()
	for _, m := range DemoMonitors() {
		q, err := query.Parse(m.Query)
		if err != nil {
			t.Fatalf("monitor %s: %v\n%s", m.ID, err, m.Query)
		}
		if err := ix.Add(m.ID, q); err != nil {
			t.Fatalf("monitor %s: %v", m.ID, err)
		}
	}
	return match.NewMatcher(ix)
}

func TestDeterminism(t *testing.T) {
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	gen := func(seed int64) []vigie.Post {
		s := New(Config{Seed: seed, Start: start})
		out := run(s, start, 90)
		if err := s.TriggerCrisis("data-leak"); err != nil {
			t.Fatal(err)
		}
		out = append(out, run(s, start.Add(90*time.Minute), 60)...)
		return append(out, s.Next(start.Add(5*time.Hour))...)
	}
	a, b := gen(7), gen(7)
	if len(a) == 0 {
		t.Fatal("no posts")
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed and times gave different posts")
	}
	if c := gen(8); reflect.DeepEqual(a, c) {
		t.Fatal("different seeds gave the same posts")
	}
}

// The normal stream does not depend on how often Next is called.
func TestSlicingDoesNotChangeTheStream(t *testing.T) {
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	fine := run(New(Config{Seed: 3, Start: start}), start, 180)
	coarse := New(Config{Seed: 3, Start: start}).Next(start.Add(180 * time.Minute))
	if !reflect.DeepEqual(fine, coarse) {
		t.Fatalf("one call per minute gave %d posts, one call for three hours %d (or different ones)", len(fine), len(coarse))
	}
}

func TestPostsAreValidUniqueAndOrdered(t *testing.T) {
	start := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	s := New(Config{Seed: 11, Start: start})
	seen := map[string]bool{}
	prev := start
	check := func(now time.Time) {
		posts := s.Next(now)
		for i := range posts {
			p := &posts[i]
			if err := p.Validate(); err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(p.ID, p.Source+":") {
				t.Errorf("%s: id not prefixed by its source %q", p.ID, p.Source)
			}
			if seen[p.ID] {
				t.Fatalf("%s: id used twice", p.ID)
			}
			seen[p.ID] = true
			if !p.PublishedAt.After(prev) || p.PublishedAt.After(now) {
				t.Fatalf("%s: published at %v, outside (%v, %v]", p.ID, p.PublishedAt, prev, now)
			}
			if i > 0 && p.PublishedAt.Before(posts[i-1].PublishedAt) {
				t.Fatalf("%s: out of order", p.ID)
			}
			for _, ref := range []string{p.ReplyTo, p.RepostOf} {
				if ref != "" && !seen[ref] {
					t.Errorf("%s: refers to %s, which was not published before", p.ID, ref)
				}
			}
			if p.ReplyTo != "" && p.RepostOf != "" {
				t.Errorf("%s: both a reply and a repost", p.ID)
			}
			checkShape(t, p)
		}
		prev = now
	}
	for m := 1; m <= 12*60; m++ {
		if m == 300 {
			if err := s.TriggerCrisis("exam-outage"); err != nil {
				t.Fatal(err)
			}
		}
		check(start.Add(time.Duration(m)*time.Minute - time.Duration(m%7)*time.Second)) // uneven steps
	}
	if len(seen) < 5000 {
		t.Fatalf("only %d posts in 12 hours", len(seen))
	}
}

// checkShape checks the network-specific shape of a post: handles, addresses,
// and links to invented sites only.
func checkShape(t *testing.T, p *vigie.Post) {
	t.Helper()
	h := p.Author.Handle
	var ok bool
	switch p.Source {
	case "mastodon":
		ok = strings.Count(h, "@") == 2 && strings.HasPrefix(h, "@") && strings.HasSuffix(h, ".example")
	case "bluesky":
		ok = strings.HasSuffix(h, ".bsky.social") || strings.HasSuffix(h, ".example")
	case "reddit":
		ok = strings.HasPrefix(h, "u/")
	case "hackernews":
		ok = h != "" && !strings.ContainsAny(h, "@/ ")
	case "youtube":
		ok = strings.HasPrefix(h, "@")
	case "rss":
		ok = h == "" && p.Author.Name != "" && p.Title != ""
	default:
		t.Errorf("%s: unknown source", p.ID)
	}
	if !ok {
		t.Errorf("%s: author %+v not in the shape of %s", p.ID, p.Author, p.Source)
	}
	if p.Lang == "" || p.URL == "" || p.Author.ID == "" || p.Author.URL == "" {
		t.Errorf("%s: missing lang, url or author: %+v", p.ID, p)
	}
	if (p.Source == "rss" || p.Source == "youtube") && p.Title == "" {
		t.Errorf("%s: no title", p.ID)
	}
	for _, l := range p.Links {
		u, err := url.Parse(l)
		if err != nil || !strings.HasSuffix(u.Hostname(), ".example") {
			t.Errorf("%s: link %q is not to an invented .example site", p.ID, l)
		}
	}
}

func TestDemoMonitors(t *testing.T) {
	mons := DemoMonitors()
	kinds := map[vigie.MonitorKind]int{}
	ids := map[string]bool{}
	for _, m := range mons {
		if ids[m.ID] {
			t.Errorf("monitor id %s used twice", m.ID)
		}
		ids[m.ID] = true
		if !m.Kind.Valid() || m.Name == "" {
			t.Errorf("monitor %s: kind %q, name %q", m.ID, m.Kind, m.Name)
		}
		if _, err := query.Parse(m.Query); err != nil {
			var qe *query.Error
			if errors.As(err, &qe) {
				t.Errorf("monitor %s: %v\n%s", m.ID, err, qe.Caret(m.Query))
			} else {
				t.Errorf("monitor %s: %v", m.ID, err)
			}
		}
		kinds[m.Kind]++
	}
	want := map[vigie.MonitorKind]int{vigie.KindBrand: 1, vigie.KindProduct: 2, vigie.KindCompetitor: 2, vigie.KindKeyword: 2, vigie.KindCampaign: 1, vigie.KindInfluencer: 1}
	for k, n := range want {
		if kinds[k] < n {
			t.Errorf("%d monitors of kind %s, want at least %d", kinds[k], k, n)
		}
	}
}

// What the demo monitors must and must not match: the traps of the demo world.
func TestDemoMonitorsOnExamples(t *testing.T) {
	m := matcher(t)
	post := func(text string) *vigie.Post { return &vigie.Post{ID: "x:1", Source: "mastodon", Text: text} }
	by := func(handle string) *vigie.Post {
		return &vigie.Post{ID: "x:1", Source: "mastodon", Text: "Bonjour à toutes et tous", Author: vigie.Author{Handle: handle}}
	}
	cases := []struct {
		name string
		post *vigie.Post
		want []string
	}{
		{"town, not university", post("Il pleut encore sur Valmont ☔ #Valmont"), nil},
		{"cellar, not professor", post("Unser Keller steht unter Wasser"), nil},
		{"water leak at home", post("Fuite d'eau dans la cuisine"), nil},
		{"football table", post("Le FC Valmont remonte au classement"), nil},
		{"competitor town", post("Marché de Noël de Rivebourg"), nil},
		{"brand", post("Fier de l'UVAL !"), []string{"m-uval"}},
		{"house account mention", post("@uval_students@social.uval.example bonjour"), []string{"m-uval", "m-desk"}},
		{"job ad", post("Offre d'emploi à l'UVAL https://careers.uval.example/jobs/1"), []string{"m-careers"}},
		{"ranking", post("L'UVAL gagne 12 places au classement"), []string{"m-uval", "m-rankings"}},
		{"campaign", post("Rendez-vous samedi #UVALOpenDays"), []string{"m-opendays"}},
		{"open days in words", post("Tag der offenen Tür an der Uni Valmont"), []string{"m-uval", "m-opendays"}},
		{"rector by handle", by("@marchetti@social.uval.example"), []string{"m-rector"}},
		{"professor by title", post("Prof. Keller erklärt"), []string{"m-professors"}},
		{"crisis", post("Datenleck an der UVAL"), []string{"m-uval", "m-crisis"}},
		{"hackathon is no crisis", post("Hackathon à l'UVAL ce week-end"), []string{"m-uval"}},
		{"competitors", post("UVAL ou PolyLorvaux ? Ou l'Université de Rivebourg ?"), []string{"m-uval", "m-rivebourg", "m-polylorvaux"}},
		{"online courses", post("ValmontX est lent ce soir"), []string{"m-valmontx"}},
	}
	for _, c := range cases {
		got := slices.Clone(m.Match(c.post))
		slices.Sort(got)
		want := slices.Clone(c.want)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("%s: %q matched %v, want %v", c.name, c.post.Text, got, want)
		}
	}
}

func TestDemoDayMatching(t *testing.T) {
	posts := demoDay()
	m := matcher(t)
	perMonitor := map[string]int{}
	matched := 0
	for i := range posts {
		ids := m.Match(&posts[i])
		if len(ids) > 0 {
			matched++
		}
		for _, id := range ids {
			perMonitor[id]++
		}
	}
	for _, mon := range DemoMonitors() {
		if perMonitor[mon.ID] < 5 {
			t.Errorf("monitor %s matched %d posts in a day, want at least a few", mon.ID, perMonitor[mon.ID])
		}
	}
	share := float64(matched) / float64(len(posts))
	t.Logf("%d posts in a day, %.1f%% match a monitor; per monitor: %v", len(posts), 100*share, perMonitor)
	if share < 0.20 || share > 0.60 {
		t.Errorf("%.1f%% of posts match a monitor, want 20–60%%", 100*share)
	}
}

func TestDayNightRhythm(t *testing.T) {
	perHour := map[int]int{}
	for _, p := range demoDay() {
		perHour[zurich(p.PublishedAt).Hour()]++
	}
	if day, night := perHour[14], perHour[3]; day < 3*night || night == 0 {
		t.Errorf("%d posts at 14:00 and %d at 03:00 (Zurich), want several times more by day", day, night)
	}
	// At the default rate of 30 a minute at the peak.
	if n := perHour[14]; n < 1400 || n > 2200 {
		t.Errorf("%d posts from 14:00 to 15:00, want about 1800", n)
	}
}

func TestZurichTime(t *testing.T) {
	for _, c := range []struct {
		utc  string
		hour int
	}{
		{"2026-01-15T12:00:00Z", 13},
		{"2026-07-15T12:00:00Z", 14},
		{"2026-03-29T00:59:00Z", 1}, // the night summer time starts
		{"2026-03-29T01:00:00Z", 3},
		{"2026-10-25T00:59:00Z", 2}, // and ends
		{"2026-10-25T01:00:00Z", 2},
	} {
		u, _ := time.Parse(time.RFC3339, c.utc)
		if h := zurich(u).Hour(); h != c.hour {
			t.Errorf("%s is %d:00 in Zurich, want %d:00", c.utc, h, c.hour)
		}
	}
}

func TestLanguages(t *testing.T) {
	perLang := map[string]int{}
	posts := demoDay()
	for _, p := range posts {
		perLang[p.Lang]++
	}
	for _, l := range langs {
		if perLang[l] < len(posts)/20 {
			t.Errorf("%d posts in %s out of %d", perLang[l], l, len(posts))
		}
	}
	if len(perLang) != len(langs) {
		t.Errorf("languages %v, want only %v", perLang, langs)
	}
}

func TestStreamMix(t *testing.T) {
	posts := demoDay()
	count := map[string]int{}
	for _, p := range posts {
		count[p.Source]++
		switch {
		case p.ReplyTo != "":
			count["reply"]++
		case p.RepostOf != "":
			count["repost"]++
		}
		if p.Country != "" {
			count["country"]++
		}
		if strings.Contains(p.Text, "#") {
			count["hashtag"]++
		}
		if len(p.Links) > 0 {
			count["link"]++
		}
	}
	for _, k := range []string{"mastodon", "bluesky", "reddit", "hackernews", "rss", "youtube", "reply", "repost", "country", "hashtag", "link"} {
		if count[k] < len(posts)/100 {
			t.Errorf("%d posts of %q out of %d", count[k], k, len(posts))
		}
	}
	if count["bluesky"] < count["rss"] || count["mastodon"] < count["youtube"] {
		t.Errorf("sources out of proportion: %v", count)
	}
}

func TestAuthors(t *testing.T) {
	pop := newPopulation(New(Config{Seed: 1}).c.rng)
	var followers []int64
	for src, people := range pop.people {
		if src == "hackernews" {
			continue
		}
		for _, a := range people {
			followers = append(followers, a.Followers)
		}
	}
	if len(followers) < 2000 {
		t.Fatalf("%d authors, want a few thousand", len(followers))
	}
	slices.Sort(followers)
	median, top := followers[len(followers)/2], followers[len(followers)-len(followers)/100]
	if top < 30*median {
		t.Errorf("followers: median %d, top 1%% from %d: not heavy-tailed", median, top)
	}
	if pop.official["uval"]["mastodon"] == nil || len(pop.press["bluesky"]) == 0 {
		t.Error("missing the institution's accounts or the press")
	}
}

func TestCrisis(t *testing.T) {
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC) // 10:00 in Zurich
	s := New(Config{Seed: 5, Start: start})
	m := matcher(t)
	crisisPerMinute := func(from time.Time, minutes int) (float64, []vigie.Post) {
		n := 0
		var hits []vigie.Post
		for _, p := range run(s, from, minutes) {
			if slices.Contains(m.Match(&p), "m-crisis") {
				n++
				hits = append(hits, p)
			}
		}
		return float64(n) / float64(minutes), hits
	}
	baseline, _ := crisisPerMinute(start, 180)
	trigger := start.Add(180 * time.Minute)
	if err := s.TriggerCrisis("data-leak"); err != nil {
		t.Fatal(err)
	}
	peak, hits := crisisPerMinute(trigger, 10)
	t.Logf("crisis monitor: %.2f matches a minute before, %.1f in the 10 minutes after the trigger", baseline, peak)
	if peak < 5*baseline || peak < 10 {
		t.Errorf("%.1f crisis matches a minute after the trigger, baseline %.2f: want at least 5× and 10", peak, baseline)
	}
	rest, more := crisisPerMinute(trigger.Add(10*time.Minute), 50)
	hits = append(hits, more...)
	late, _ := crisisPerMinute(trigger.Add(60*time.Minute), 10)
	if late > peak/10 || late > baseline+1 {
		t.Errorf("%.1f crisis matches a minute an hour later (peak %.1f, baseline %.2f): no decay", late, peak, baseline)
	}
	if rest > peak {
		t.Errorf("%.1f matches a minute from 10 to 60 minutes, more than the first 10 (%.1f)", rest, peak)
	}
	langs, sources, reposts := map[string]bool{}, map[string]bool{}, 0
	for _, p := range hits {
		langs[p.Lang] = true
		sources[p.Source] = true
		if p.RepostOf != "" {
			reposts++
		}
	}
	if len(langs) != 4 || !sources["rss"] || reposts < len(hits)/5 {
		t.Errorf("crisis posts: languages %v, sources %v, %d reposts of %d", langs, sources, reposts, len(hits))
	}
	if s.Rate(trigger.Add(5*time.Minute)) < 3*s.Rate(trigger.Add(-time.Minute)) {
		t.Errorf("Rate does not show the crisis")
	}
}

func TestTriggerCrisisUnknown(t *testing.T) {
	err := New(Config{Seed: 1}).TriggerCrisis("alien-invasion")
	if !errors.Is(err, vigie.ErrInvalid) {
		t.Fatalf("got %v, want an ErrInvalid", err)
	}
	for _, k := range Crises() {
		if !strings.Contains(err.Error(), k) {
			t.Errorf("error %q does not list %q", err, k)
		}
	}
	if len(Crises()) == 0 || !slices.Contains(Crises(), "data-leak") {
		t.Errorf("Crises() = %v", Crises())
	}
}

func TestNextClock(t *testing.T) {
	t0 := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

	s := New(Config{Seed: 1}) // no Start: the first call starts the clock
	if got := s.Next(t0); len(got) != 0 {
		t.Errorf("first call without a start returned %d posts", len(got))
	}
	if len(s.Next(t0.Add(10*time.Minute))) == 0 {
		t.Error("no posts in ten minutes")
	}
	if got := s.Next(t0.Add(5 * time.Minute)); got != nil {
		t.Errorf("going back in time returned %d posts", len(got))
	}

	// A crisis triggered before the clock starts begins with it.
	s = New(Config{Seed: 1})
	if err := s.TriggerCrisis("exam-outage"); err != nil {
		t.Fatal(err)
	}
	s.Next(t0)
	if n := len(s.Next(t0.Add(10 * time.Minute))); n < 10*DefaultRate*2 {
		t.Errorf("%d posts in the first ten minutes of a crisis", n)
	}

	// Far ahead: bounded, and only the last MaxCatchUp.
	s = New(Config{Seed: 1, Start: t0, Rate: 5})
	far := t0.Add(30 * 24 * time.Hour)
	got := s.Next(far)
	if len(got) == 0 || len(got) > MaxPostsPerCall {
		t.Fatalf("%d posts for a 30-day gap", len(got))
	}
	if first := got[0].PublishedAt; first.Before(far.Add(-MaxCatchUp)) {
		t.Errorf("first post at %v, before the catch-up window", first)
	}
	if next := s.Next(far.Add(time.Hour)); len(next) == 0 || !next[0].PublishedAt.After(far) {
		t.Error("the stream did not resume after a long gap")
	}
}

// Ids stay unique when many posts share a second.
func TestIDsAtHighRate(t *testing.T) {
	start := time.Date(2026, 11, 20, 13, 0, 0, 0, time.UTC)
	posts := New(Config{Seed: 2, Rate: 20_000, Start: start}).Next(start.Add(3 * time.Minute))
	seen := make(map[string]bool, len(posts))
	for _, p := range posts {
		if seen[p.ID] {
			t.Fatalf("%s: id used twice", p.ID)
		}
		seen[p.ID] = true
	}
	if len(posts) < 50_000 {
		t.Fatalf("%d posts in 3 minutes at 20,000 a minute", len(posts))
	}
}

func TestRate(t *testing.T) {
	s := New(Config{Seed: 1, Rate: 60})
	day, night := s.Rate(time.Date(2026, 11, 20, 13, 0, 0, 0, time.UTC)), s.Rate(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
	if day != 60 || night >= day/5 {
		t.Errorf("rate %v at 14:00 and %v at 03:00 in Zurich", day, night)
	}
}

// TestAddressesAreReserved: every address in the demo (posts, authors,
// links in the text) is on the reserved .example domain, so that no demo
// link leads to a real site under an invented id.
func TestAddressesAreReserved(t *testing.T) {
	inText := regexp.MustCompile(`https?://[^\s"<>)]+`)
	checked := 0
	for _, p := range demoDay() {
		urls := append([]string{p.URL, p.Author.URL}, p.Links...)
		urls = append(urls, inText.FindAllString(p.Text, -1)...)
		for _, raw := range urls {
			if raw == "" {
				continue
			}
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatalf("%s: %q: %v", p.ID, raw, err)
			}
			if h := u.Hostname(); h != "example" && !strings.HasSuffix(h, ".example") {
				t.Fatalf("%s: %q is not on a reserved .example domain", p.ID, raw)
			}
			checked++
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d addresses checked", checked)
	}
}

// A sized crisis writes size times the demo crisis's random posts, the
// same scripted ones, and size 1 is the demo's crisis to the post.
func TestTriggerCrisisSized(t *testing.T) {
	start := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	const rate = 40
	// The random posts expected at size 1: the peak rate times the shape's
	// integral over the crisis.
	var minutes float64
	for d := time.Duration(0); d <= crisisLength; d += time.Second {
		minutes += crisisShape(d) / 60
	}
	perSize := crisisPeak * rate * minutes
	for _, kind := range Crises() {
		for _, size := range []float64{0.25, 1, 2} {
			s := New(Config{Seed: 4, Rate: rate, Start: start})
			s.Next(start.Add(time.Hour))
			if err := s.TriggerCrisisSized(kind, size); err != nil {
				t.Fatal(err)
			}
			var posts []vigie.Post
			var kinds []string
			for m := 1; m <= 120; m++ {
				p, k := s.NextLabelled(start.Add(time.Hour + time.Duration(m)*time.Minute))
				if len(p) != len(k) {
					t.Fatalf("%d posts, %d labels", len(p), len(k))
				}
				posts, kinds = append(posts, p...), append(kinds, k...)
			}
			n := 0
			for i, k := range kinds {
				switch k {
				case "":
				case kind:
					n++
					if d := posts[i].PublishedAt.Sub(start.Add(time.Hour)); d <= 0 || d > crisisLength+time.Second {
						t.Errorf("%s: a crisis post at %s, %s after the start", kind, posts[i].PublishedAt, d)
					}
				default:
					t.Fatalf("a post labelled %q in a %s crisis", k, kind)
				}
			}
			scripted := 0
			for i := range scenarios {
				if scenarios[i].kind == kind {
					scripted = len(scenarios[i].script)
				}
			}
			want := size*perSize + float64(scripted)
			if got := float64(n); got < 0.9*want || got > 1.1*want {
				t.Errorf("%s of size %v: %d crisis posts, want about %.0f", kind, size, n, want)
			}
		}
	}

	// Size 1 is TriggerCrisis, draw for draw.
	gen := func(trigger func(*Simulator) error) []vigie.Post {
		s := New(Config{Seed: 8, Rate: rate, Start: start})
		out := run(s, start, 30)
		if err := trigger(s); err != nil {
			t.Fatal(err)
		}
		return append(out, run(s, start.Add(30*time.Minute), 60)...)
	}
	demo := gen(func(s *Simulator) error { return s.TriggerCrisis("data-leak") })
	sized := gen(func(s *Simulator) error { return s.TriggerCrisisSized("data-leak", 1) })
	if !reflect.DeepEqual(demo, sized) {
		t.Error("a crisis of size 1 differs from TriggerCrisis's")
	}
	// Labels do not change the stream.
	s := New(Config{Seed: 8, Rate: rate, Start: start})
	var labelled []vigie.Post
	for m := 1; m <= 90; m++ {
		if m == 31 {
			if err := s.TriggerCrisis("data-leak"); err != nil {
				t.Fatal(err)
			}
		}
		p, _ := s.NextLabelled(start.Add(time.Duration(m) * time.Minute))
		labelled = append(labelled, p...)
	}
	if !reflect.DeepEqual(labelled, demo) {
		t.Error("NextLabelled returned other posts than Next")
	}

	for _, size := range []float64{0, -1, math.NaN(), MaxCrisisSize + 1} {
		if err := New(Config{Seed: 1}).TriggerCrisisSized("data-leak", size); !errors.Is(err, vigie.ErrInvalid) {
			t.Errorf("size %v: got %v, want an ErrInvalid", size, err)
		}
	}
	if err := New(Config{Seed: 1}).TriggerCrisisSized("alien-invasion", 1); !errors.Is(err, vigie.ErrInvalid) {
		t.Errorf("unknown kind: got %v", err)
	}
}
