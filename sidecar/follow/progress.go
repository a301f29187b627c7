package follow

import (
	"math"
	"time"

	"github.com/rs/zerolog"
)

// progress estimates catch-up speed for the periodic progress line.
type progress struct {
	from, to int64
	start    time.Time
}

func newProgress(from, to int64) *progress {
	return &progress{from: from, to: to, start: time.Now()}
}

func (p *progress) log(l zerolog.Logger, at int64) {
	done := float64(at - p.from + 1)
	total := float64(p.to - p.from + 1)
	rate := 0.0
	if el := time.Since(p.start).Seconds(); el > 0 {
		rate = done / el
	}
	ev := l.Info().Int64("height", at).Int64("target", p.to).
		Float64("percent", math.Round(1000*done/total)/10).Float64("blocks_per_s", math.Round(rate*10)/10)
	if rate > 0 && at < p.to {
		ev = ev.Dur("eta", time.Duration(float64(p.to-at)/rate*float64(time.Second)).Round(time.Second))
	}
	ev.Msg("syncing")
}
