package backup

import (
	"math/rand/v2"
	"time"
)

// retryDelay is the wait after the n-th failure in a row (n ≥ 1): min, 2·min,
// 4·min … capped at max, then jittered to a uniform value in [d/2, d]. The
// jitter keeps the items of one outage, and many nodes behind one bucket,
// from retrying in lockstep; the floor keeps the backoff a backoff.
func retryDelay(min, max time.Duration, n int) time.Duration {
	d := min
	for i := 1; i < n && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	half := d / 2
	return half + rand.N(d-half+1)
}
