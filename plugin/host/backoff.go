package host

import "time"

// backoff is the wait before restart attempt n (n ≥ 1): min, 2·min, 4·min …
// capped at max. There is no jitter: it spreads many clients hitting one
// server, and here one host restarts its own child.
type backoff struct {
	min, max time.Duration
}

func (b backoff) delay(n int) time.Duration {
	d := b.min
	for i := 1; i < n; i++ {
		if d >= b.max/2 {
			return b.max
		}
		d *= 2
	}
	if d > b.max {
		return b.max
	}
	return d
}
