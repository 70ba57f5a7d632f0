package account

import (
	"sync"
	"time"
)

// Limiter counts failed logins per key (an e-mail address, a client
// address) in a sliding window and refuses further attempts once a key
// reaches its limit, until its oldest failure leaves the window. It is
// safe for concurrent use. It lives in memory: a restart forgets it, and
// each web process of a scaled-out deployment counts on its own.
type Limiter struct {
	Max    int
	Window time.Duration
	Now    func() time.Time

	mu       sync.Mutex
	failures map[string][]time.Time
	sweep    time.Time
}

// NewLimiter allows max failures per key within window.
func NewLimiter(max int, window time.Duration) *Limiter {
	return &Limiter{Max: max, Window: window, Now: time.Now, failures: map[string][]time.Time{}}
}

// Allow reports whether key may try again and, if not, how long until it
// may. An allowed attempt is counted at once, as a failure, so that
// attempts sent in parallel cannot all pass before the first one fails;
// Reset forgets them after a success.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	l.sweepOld(now)
	fs := l.live(key, now)
	if len(fs) >= l.Max {
		return false, fs[0].Add(l.Window).Sub(now)
	}
	l.failures[key] = append(fs, now)
	return true, 0
}

// Check reports, without counting, whether key may try again and if not
// how long until it may.
func (l *Limiter) Check(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	fs := l.live(key, now)
	if len(fs) >= l.Max {
		return false, fs[0].Add(l.Window).Sub(now)
	}
	return true, 0
}

// sweepOld forgets the keys whose attempts all expired, once per window, so
// that memory stays bounded by the attempts of one window.
func (l *Limiter) sweepOld(now time.Time) {
	if now.Sub(l.sweep) <= l.Window {
		return
	}
	for k := range l.failures {
		l.live(k, now)
	}
	l.sweep = now
}

// Fail records a failed attempt for key.
func (l *Limiter) Fail(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.Now()
	l.failures[key] = append(l.live(key, now), now)
	if now.Sub(l.sweep) > l.Window {
		// Forget keys whose failures all expired, so memory stays bounded.
		for k := range l.failures {
			l.live(k, now)
		}
		l.sweep = now
	}
}

// Reset forgets key's failures (after a successful login).
func (l *Limiter) Reset(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.failures, key)
}

// live drops key's expired failures and returns the others, oldest first.
func (l *Limiter) live(key string, now time.Time) []time.Time {
	fs := l.failures[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= l.Window {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(l.failures, key)
		return nil
	}
	l.failures[key] = fs
	return fs
}
