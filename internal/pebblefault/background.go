package pebblefault

import (
	"sync"
	"time"

	"github.com/cockroachdb/pebble"
	"github.com/rs/zerolog"
)

// background paces and logs Pebble's background failures. A flush or
// compaction that fails for lack of room is retried by Pebble at once,
// thousands of times a second, until there is room again; the hook runs on
// that goroutine, so pausing in it bounds the retries. The first failure
// and then one a minute are logged at warn level (Pebble's default logs
// them at its info level, which atlasd maps to debug).
type background struct {
	log   zerolog.Logger
	pause time.Duration
	mu    sync.Mutex
	last  time.Time
	count int
	// seen is signalled after every failure, for Close.
	seen chan struct{}
}

func (b *background) report(err error) {
	b.mu.Lock()
	b.count++
	if b.last.IsZero() || time.Since(b.last) >= time.Minute {
		b.log.Warn().Err(err).Int("failures", b.count).Msg("database background write failed; Pebble retries it")
		b.last = time.Now()
	}
	b.mu.Unlock()
	select {
	case b.seen <- struct{}{}:
	default:
	}
	if DiskFull(err) {
		time.Sleep(b.pause)
	}
}

// Listener returns the event listener for pebble.Options.EventListener.
func (g *Guard) Listener() *pebble.EventListener {
	return &pebble.EventListener{BackgroundError: g.bg.report}
}

// BackgroundFailures counts the background failures seen so far.
func (g *Guard) BackgroundFailures() int {
	g.bg.mu.Lock()
	defer g.bg.mu.Unlock()
	return g.bg.count
}

// Close closes db, first flushing its memtables if flush is set and the
// disk lets it. A flush closes the log, and Pebble panics if the log's last
// buffered bytes cannot be written then, so a synced empty commit goes
// first and finds out safely; and a flush that fails in the background is
// given up on rather than waited for, which on a full disk would be
// forever. The log holds every committed batch either way: skipping the
// flush only makes the next Open replay it.
func (g *Guard) Close(db *pebble.DB, flush bool) error {
	if flush && g.Err() == nil {
		g.flush(db)
	}
	return db.Close()
}

func (g *Guard) flush(db *pebble.DB) {
	probe := db.NewBatch()
	defer probe.Close()
	if err := probe.LogData(nil, nil); err != nil {
		return
	}
	if err := g.Commit(probe, pebble.Sync); err != nil {
		g.bg.log.Warn().Err(err).Msg("closing the database without a flush; the next start replays its log")
		return
	}
	select { // a failure from before Close says nothing about this flush
	case <-g.bg.seen:
	default:
	}
	done, err := db.AsyncFlush()
	if err != nil {
		return
	}
	select {
	case <-done:
	case <-g.failed:
	case <-g.bg.seen:
		g.bg.log.Warn().Msg("closing the database without a flush; the next start replays its log")
	}
}
