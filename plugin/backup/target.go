package backup

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/plugin/driver"
	"github.com/atlasd/atlasd/plugin/host"
)

// redactMin is the shortest settings value scrubbed from error text. Shorter
// values ("1", "on") are no secrets, and replacing them would garble every
// message they happen to occur in.
const redactMin = 4

// target is one configured driver with its queue loop's state and counters.
type target struct {
	spec Spec
	drv  driver.Driver
	host *host.Host // nil for the built-in driver
	log  zerolog.Logger
	// scrub removes settings values from text that is kept or shown.
	scrub *strings.Replacer
	// wake is signalled (never blocking) when items are enqueued.
	wake chan struct{}

	queued   atomic.Int64
	inFlight atomic.Int64
	uploaded atomic.Uint64
	failed   atomic.Uint64
	dropped  atomic.Uint64
	restored atomic.Uint64
	corrupt  atomic.Uint64

	mu        sync.Mutex
	lastErr   string
	lastErrAt time.Time
	lastOK    time.Time
	gaveUp    bool // the plugin host stopped for good
}

func newTarget(spec Spec, drv driver.Driver, h *host.Host, log zerolog.Logger) *target {
	return &target{
		spec:  spec,
		drv:   drv,
		host:  h,
		log:   log,
		scrub: newScrubber(spec.Settings),
		wake:  make(chan struct{}, 1),
	}
}

// newScrubber replaces every settings value of redactMin bytes or more with
// a placeholder naming its key. Longer values go first so that a value
// containing another is replaced whole.
func newScrubber(settings map[string]string) *strings.Replacer {
	keys := make([]string, 0, len(settings))
	for k, v := range settings {
		if len(v) >= redactMin {
			keys = append(keys, k)
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := settings[keys[i]], settings[keys[j]]
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return keys[i] < keys[j]
	})
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, settings[k], "<"+k+">")
	}
	return strings.NewReplacer(pairs...)
}

// redact returns err's text with settings values removed.
func (t *target) redact(err error) string { return t.scrub.Replace(err.Error()) }

func (t *target) wakeUp() {
	select {
	case t.wake <- struct{}{}:
	default: // a wake-up is already pending
	}
}

func (t *target) noteError(at time.Time, err error) {
	msg := t.redact(err)
	t.mu.Lock()
	t.lastErr, t.lastErrAt = msg, at
	t.mu.Unlock()
}

func (t *target) noteSuccess(at time.Time) {
	t.mu.Lock()
	t.lastOK = at
	t.mu.Unlock()
}

func (t *target) giveUp(at time.Time, err error) {
	t.noteError(at, err)
	t.mu.Lock()
	t.gaveUp = true
	t.mu.Unlock()
}

func (t *target) usable() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return !t.gaveUp
}

func (t *target) lastError() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.lastErr
}
