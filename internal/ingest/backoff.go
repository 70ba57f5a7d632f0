package ingest

import (
	"math"
	"time"
)

// Backoff bounds.
const (
	MaxBackoff = 6 * time.Hour
	MinBackoff = time.Minute
)

// Backoff is the delay before the next fetch of a source that has failed
// errorCount times in a row: the normal interval after a success
// (errorCount 0), else interval·2^(errorCount-1), capped at MaxBackoff,
// with ±20 % jitter from rnd (a number in [0, 1), as rand.Float64; nil
// means no jitter), and never below MinBackoff.
func Backoff(errorCount int, interval time.Duration, rnd func() float64) time.Duration {
	if errorCount <= 0 {
		return interval
	}
	d := float64(max(interval, 0))
	// Past 2^40 the cap is reached for any interval above a nanosecond;
	// bounding the exponent keeps the arithmetic finite.
	d *= math.Pow(2, float64(min(errorCount-1, 40)))
	d = min(d, float64(MaxBackoff))
	if rnd != nil {
		r := rnd()
		if r < 0 || r >= 1 || math.IsNaN(r) {
			r = 0.5
		}
		d *= 0.8 + 0.4*r
	}
	return max(time.Duration(d), MinBackoff)
}

// MaxStreamBackoff bounds the wait before reconnecting a failed stream.
const MaxStreamBackoff = 5 * time.Minute

// StreamBackoff is the delay before reconnecting a stream that failed
// errorCount times in a row: first·2^(errorCount-1), at most
// MaxStreamBackoff, with ±20 % jitter from rnd (nil: none).
func StreamBackoff(errorCount int, first time.Duration, rnd func() float64) time.Duration {
	d := float64(max(first, time.Second)) * math.Pow(2, float64(min(max(errorCount-1, 0), 20)))
	d = min(d, float64(MaxStreamBackoff))
	if rnd != nil {
		r := rnd()
		if r < 0 || r >= 1 || math.IsNaN(r) {
			r = 0.5
		}
		d *= 0.8 + 0.4*r
	}
	return time.Duration(d)
}
