// Package simulator is the demo source of Vigie: a realistic multilingual
// stream of posts about a fictional university, the Université de Valmont
// (UVAL), its services, people and two competitors, mixed with background
// noise, so that Vigie can be shown without the internet
// (shared/design/architecture.md, "Demo without the internet").
//
// The stream follows the clock it is given: Next(now) returns the posts
// published since the previous call. Posts arrive as a Poisson process whose
// rate follows the hour of the day in Zurich; TriggerCrisis adds a scripted
// burst of negative posts. Everything follows from Config.Seed and the
// sequence of calls: the same seed and the same times give the same posts.
package simulator

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/vigie-project/vigie"
)

// Config configures a Simulator.
type Config struct {
	Seed  int64
	Rate  float64   // mean posts per minute at the daytime peak; 0 means DefaultRate
	Start time.Time // when the stream starts; zero: at the first call to Next
}

// DefaultRate is the rate of posts per minute at the daytime peak when
// Config.Rate is zero.
const DefaultRate = 30

// Sanity caps of Next: a call never generates more than MaxPostsPerCall
// posts nor reaches back more than MaxCatchUp. A longer gap is skipped: the
// stream resumes MaxCatchUp before now (or at now, once the cap on posts is
// reached), as a source that was offline would.
const (
	MaxCatchUp      = 48 * time.Hour
	MaxPostsPerCall = 200_000
)

// Simulator produces the demo stream. Its methods are safe for concurrent use.
type Simulator struct {
	mu      sync.Mutex
	rate    float64
	c       composer
	started bool
	last    time.Time // posts up to last have been returned
	next    time.Time // next candidate post of the normal stream
	crises  []*crisis
}

// crisis is a triggered scenario in progress.
type crisis struct {
	sc     *scenario
	size   float64 // its random posts' rate relative to the demo's crisis
	start  time.Time
	next   time.Time // next candidate of its random posts; zero once over
	step   int       // next scripted post
	recent map[string]*ring
}

// New returns a simulator. Its authors and every post follow from cfg.Seed.
func New(cfg Config) *Simulator {
	seed := uint64(cfg.Seed)
	s := &Simulator{rate: cfg.Rate}
	if s.rate <= 0 {
		s.rate = DefaultRate
	}
	s.c = composer{
		rng:    rand.New(rand.NewPCG(seed, 0x5eed_0f_7a1)),
		pop:    newPopulation(rand.New(rand.NewPCG(seed, 0xa07_400_5))),
		idSalt: mix64(seed ^ 0x9e3779b97f4a7c15),
		recent: map[string]*ring{},
	}
	if !cfg.Start.IsZero() {
		s.begin(cfg.Start)
	}
	return s
}

func (s *Simulator) begin(t time.Time) {
	s.started, s.last = true, t
	s.next = t.Add(s.gap(s.rate))
	for _, c := range s.crises { // triggered before the clock started
		c.start, c.next = t, t.Add(s.gap(c.peak(s.rate)))
	}
}

// Next returns the posts published after the previous call's now (or the
// start) and up to now, in order of publication. A now that is not after the
// previous one returns nothing.
func (s *Simulator) Next(now time.Time) []vigie.Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.advance(now, nil)
}

// NextLabelled is Next that also says which posts a crisis wrote: kinds[i]
// is the kind of the crisis that wrote posts[i] (its outraged posts,
// reposts and replies, and its scripted articles and statements), "" for
// the normal stream. An evaluation needs the truth the stream hides.
func (s *Simulator) NextLabelled(now time.Time) (posts []vigie.Post, kinds []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	posts = s.advance(now, &kinds)
	return posts, kinds
}

// advance generates the posts up to now; with kinds, it appends the label
// of each.
func (s *Simulator) advance(now time.Time, kinds *[]string) []vigie.Post {
	if !s.started {
		s.begin(now)
		return nil
	}
	if !now.After(s.last) {
		return nil
	}
	label := func(k string) {
		if kinds != nil {
			*kinds = append(*kinds, k)
		}
	}
	if now.Sub(s.last) > MaxCatchUp {
		s.skipTo(now.Add(-MaxCatchUp))
	}
	var out []vigie.Post
	for {
		t, c, scripted := s.nextEvent()
		pub := t.Truncate(time.Second)
		if pub.Before(t) { // round up: never at or before the previous call's now
			pub = pub.Add(time.Second)
		}
		if pub.After(now) {
			break
		}
		if len(out) >= MaxPostsPerCall {
			s.skipTo(now)
			break
		}
		switch {
		case c == nil:
			s.next = t.Add(s.gap(s.rate))
			if s.c.rng.Float64() < rhythm(t) { // thinning: the rate follows the hour
				out = append(out, s.c.background(pub))
				label("")
			}
		case scripted:
			out = append(out, s.c.scriptedPost(c, pub))
			label(c.sc.kind)
			c.step++
		default:
			c.next = t.Add(s.gap(c.peak(s.rate)))
			if t.Sub(c.start) > crisisLength {
				c.next = time.Time{}
			} else if s.c.rng.Float64() < crisisShape(t.Sub(c.start)) {
				out = append(out, s.c.crisisPost(c, pub))
				label(c.sc.kind)
			}
		}
	}
	s.last = now
	s.dropFinished()
	return out
}

// nextEvent returns the earliest pending event: the next candidate of the
// normal stream (c nil), of a crisis's random posts, or a scripted post.
func (s *Simulator) nextEvent() (t time.Time, c *crisis, scripted bool) {
	t = s.next
	for _, k := range s.crises {
		if !k.next.IsZero() && k.next.Before(t) {
			t, c, scripted = k.next, k, false
		}
		if k.step < len(k.sc.script) {
			if at := k.start.Add(k.sc.script[k.step].after); at.Before(t) {
				t, c, scripted = at, k, true
			}
		}
	}
	return t, c, scripted
}

// skipTo moves the stream to t without generating the posts before it.
func (s *Simulator) skipTo(t time.Time) {
	s.next = t.Add(s.gap(s.rate))
	for _, c := range s.crises {
		if !c.next.IsZero() {
			c.next = t.Add(s.gap(c.peak(s.rate)))
		}
		for c.step < len(c.sc.script) && !c.start.Add(c.sc.script[c.step].after).After(t) {
			c.step++
		}
	}
}

func (s *Simulator) dropFinished() {
	live := s.crises[:0]
	for _, c := range s.crises {
		if !c.next.IsZero() || c.step < len(c.sc.script) {
			live = append(live, c)
		}
	}
	s.crises = live
}

// gap draws the time to the next event of a Poisson process of rate events
// per minute.
func (s *Simulator) gap(rate float64) time.Duration {
	return max(time.Duration(s.c.rng.ExpFloat64()/rate*float64(time.Minute)), 1) // always forward
}

// TriggerCrisis starts a crisis of the given kind (one of Crises()) at the
// time of the last call to Next: from then on, Next returns a burst of
// negative posts about it, news articles and the institution's statement.
func (s *Simulator) TriggerCrisis(kind string) error {
	return s.TriggerCrisisSized(kind, 1)
}

// MaxCrisisSize bounds TriggerCrisisSized's size.
const MaxCrisisSize = 100

// TriggerCrisisSized starts a crisis as TriggerCrisis does, its random
// posts arriving at size times the rate of the demo's crisis (size 1):
// 0.25 is a local grumble, 2 a scandal. The scripted articles and
// statements are the same at every size. Evaluations of the detectors
// need crises smaller and larger than the demo's.
func (s *Simulator) TriggerCrisisSized(kind string, size float64) error {
	if !(size > 0 && size <= MaxCrisisSize) { // NaN too
		return fmt.Errorf("%w: crisis size %v: want more than 0 and at most %d (1 is the demo's)", vigie.ErrInvalid, size, MaxCrisisSize)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range scenarios {
		if scenarios[i].kind == kind {
			c := &crisis{sc: &scenarios[i], size: size, recent: map[string]*ring{}}
			if s.started {
				c.start, c.next = s.last, s.last.Add(s.gap(c.peak(s.rate)))
			}
			s.crises = append(s.crises, c)
			return nil
		}
	}
	return fmt.Errorf("%w: unknown crisis %q; the simulator knows: %s", vigie.ErrInvalid, kind, strings.Join(Crises(), ", "))
}

// Rate returns the expected number of posts per minute at t, crises included.
func (s *Simulator) Rate(t time.Time) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rate * rhythm(t)
	for _, c := range s.crises {
		if !c.next.IsZero() {
			r += c.peak(s.rate) * crisisShape(t.Sub(c.start))
		}
	}
	return r
}

// hourly is the activity at each hour of the day in Zurich, relative to the
// afternoon peak.
var hourly = [24]float64{
	0.30, 0.20, 0.13, 0.10, 0.10, 0.15, 0.30, 0.55, 0.75, 0.88, 0.95, 0.97,
	0.95, 0.97, 1.00, 1.00, 0.97, 0.92, 0.85, 0.80, 0.78, 0.72, 0.60, 0.45,
}

// rhythm is the activity at t relative to the daytime peak: interpolated
// between the hours of hourly, a quarter lower at weekends.
func rhythm(t time.Time) float64 {
	lt := zurich(t)
	h := float64(lt.Hour()) + float64(lt.Minute())/60 + float64(lt.Second())/3600
	i := int(h)
	f := h - float64(i)
	v := hourly[i]*(1-f) + hourly[(i+1)%24]*f
	if wd := lt.Weekday(); wd == time.Saturday || wd == time.Sunday {
		v *= 0.75
	}
	return v
}

// zurich returns the wall clock of Europe/Zurich at t (as a UTC time): the
// rule of Central European Time, summer time from the last Sunday of March to
// the last Sunday of October at 01:00 UTC. Computed rather than loaded, so
// the stream does not depend on the time zone database of the machine.
func zurich(t time.Time) time.Time {
	u := t.UTC()
	lastSunday := func(m time.Month) time.Time {
		d := time.Date(u.Year(), m+1, 1, 1, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
		return d.AddDate(0, 0, -int(d.Weekday()))
	}
	if !u.Before(lastSunday(time.March)) && u.Before(lastSunday(time.October)) {
		return u.Add(2 * time.Hour)
	}
	return u.Add(time.Hour)
}
