package auth

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// loginLimiter counts failed logins per key (a user name, an address) in
// token buckets: each key may fail burst times, and earns one more try every
// window/burst. Times are passed in, so tests drive it with their clock.
type loginLimiter struct {
	mu    sync.Mutex // guards byKey; held only for map access
	burst int
	every rate.Limit
	byKey map[string]*rate.Limiter
}

// maxLimiterKeys bounds the map: past it, keys whose bucket is full again
// (they have not failed lately) are forgotten.
const maxLimiterKeys = 10000

func (l *loginLimiter) init(failures int, window time.Duration) {
	l.burst = failures
	l.every = rate.Every(window / time.Duration(failures))
	l.byKey = map[string]*rate.Limiter{}
}

// allow says whether a login may be tried now, or how long to wait.
func (l *loginLimiter) allow(now time.Time, keys ...string) (time.Duration, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var wait time.Duration
	for _, k := range keys {
		lim := l.byKey[k]
		if lim == nil {
			continue
		}
		if tokens := lim.TokensAt(now); tokens < 1 {
			w := time.Duration((1 - tokens) / float64(l.every) * float64(time.Second))
			wait = max(wait, w)
		}
	}
	return wait, wait == 0
}

// failed counts a failed login against every key.
func (l *loginLimiter) failed(now time.Time, keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.byKey) >= maxLimiterKeys {
		for k, lim := range l.byKey {
			if lim.TokensAt(now) >= float64(l.burst) {
				delete(l.byKey, k)
			}
		}
	}
	for _, k := range keys {
		lim := l.byKey[k]
		if lim == nil {
			lim = rate.NewLimiter(l.every, l.burst)
			// A new bucket starts full at its creation time; set it to now so
			// that an injected clock in the past does not confuse it.
			lim.SetBurstAt(now, l.burst)
			l.byKey[k] = lim
		}
		lim.AllowN(now, 1)
	}
}
