package ingest

import (
	"math/rand/v2"
	"testing"
	"time"
)

func fixed(r float64) func() float64 { return func() float64 { return r } }

func TestBackoff(t *testing.T) {
	const interval = 15 * time.Minute
	tests := []struct {
		name     string
		errors   int
		interval time.Duration
		rnd      func() float64
		want     time.Duration
	}{
		{"no error: the interval", 0, interval, fixed(0), interval},
		{"no error, short interval kept", 0, 10 * time.Second, fixed(0.99), 10 * time.Second},
		{"first error, no jitter", 1, interval, fixed(0.5), interval},
		{"second error doubles", 2, interval, fixed(0.5), 30 * time.Minute},
		{"third error", 3, interval, fixed(0.5), time.Hour},
		{"capped at 6 h", 6, interval, fixed(0.5), 6 * time.Hour},
		{"capped for huge counts", 1 << 30, interval, fixed(0.5), 6 * time.Hour},
		{"jitter down 20 %", 2, interval, fixed(0), 24 * time.Minute},
		{"jitter up to 20 %", 2, interval, fixed(0.999999999), 36 * time.Minute},
		{"jitter on the cap", 10, interval, fixed(0), time.Duration(0.8 * float64(6*time.Hour))},
		{"never below a minute", 1, 10 * time.Second, fixed(0), time.Minute},
		{"zero interval", 3, 0, fixed(0.5), time.Minute},
		{"nil rnd: no jitter", 2, interval, nil, 30 * time.Minute},
		{"rnd out of range ignored", 2, interval, fixed(7), 30 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Backoff(tt.errors, tt.interval, tt.rnd)
			if diff := got - tt.want; diff < -time.Millisecond || diff > time.Millisecond {
				t.Errorf("Backoff(%d, %v) = %v, want %v", tt.errors, tt.interval, got, tt.want)
			}
		})
	}
}

// TestBackoffBounds checks the bounds over many counts, intervals and random
// draws: within ±20 % of the capped exponential, never below a minute, and
// never shorter for more errors at the same draw.
func TestBackoffBounds(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, interval := range []time.Duration{time.Second, time.Minute, 5 * time.Minute, time.Hour, 24 * time.Hour} {
		prev := time.Duration(0)
		for n := 1; n <= 64; n++ {
			base := min(float64(interval)*float64(uint64(1)<<min(n-1, 62)), float64(MaxBackoff))
			r := rng.Float64()
			got := Backoff(n, interval, fixed(r))
			lo := max(time.Duration(0.8*base), MinBackoff)
			hi := max(time.Duration(1.2*base), MinBackoff)
			if got < lo-time.Millisecond || got > hi+time.Millisecond {
				t.Fatalf("Backoff(%d, %v) = %v, want in [%v, %v]", n, interval, got, lo, hi)
			}
			if same := Backoff(n, interval, fixed(0.5)); same < prev {
				t.Fatalf("Backoff(%d, %v) = %v, shorter than for %d errors (%v)", n, interval, same, n-1, prev)
			}
			prev = Backoff(n, interval, fixed(0.5))
		}
	}
}
