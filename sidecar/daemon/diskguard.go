package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/vfs"
	"github.com/dustin/go-humanize"
	"github.com/rs/zerolog"
)

// errDiskLow is wrapped by every write the guard holds back.
var errDiskLow = errors.New("daemon: the data directory is nearly full; writes are paused")

// diskGuard keeps atlasd from filling the data directory's file system, as
// bitcoind stops at "Disk space is too low!", except that atlasd waits
// instead of exiting. Below the reserve (storage.min_free_mib) every write
// path asks it first and holds back: blocks wait, zonefile posts are
// refused, backup enqueues are kept for later; reads and the Atlas port go
// on, and writing resumes on its own once space is back.
//
// The reserve is checked before writes, so it is not a guarantee: another
// program can take the last bytes between a check and a Pebble write. For
// that the guard keeps a ballast file, and the stores' file system (fs)
// deletes it and retries when a write finds the disk full, so that Pebble,
// which cannot carry on after a failed write of its log, rarely sees one.
type diskGuard struct {
	dir     string
	reserve uint64 // bytes; 0 turns the guard off
	log     zerolog.Logger
	// free reports the bytes available in dir's file system; tests
	// replace it.
	free func(dir string) (uint64, error)
	// base is the file system under the stores' (fs); tests inject faults
	// into it.
	base vfs.FS
	// poll is how often a paused write looks again, and how often run
	// refreshes the figures.
	poll time.Duration

	ballastPath string
	ballastSize uint64

	low       atomic.Bool
	freeBytes atomic.Uint64
	fullErrs  atomic.Uint64

	mu     sync.Mutex
	paused map[string]uint64
	since  time.Time // when the current pause began
	// ballastOK: the ballast is known to be in place (saves a stat per
	// write); statErr: the last free-space read failed (logged once).
	ballastOK, statErr bool
}

// ballastName is the ballast file in the network's data directory.
const ballastName = "disk-reserve"

func newDiskGuard(dir string, minFreeMiB uint64, log zerolog.Logger) *diskGuard {
	reserve := minFreeMiB << 20
	// A quarter of the reserve, at most 16 MiB: room for the flush of a
	// full 16 MiB memtable of the replay state (its table is smaller) and
	// the log writes in flight when the disk fills.
	size := min(reserve/4, 16<<20)
	return &diskGuard{
		dir: dir, reserve: reserve, log: log, poll: time.Second,
		free:        diskFree,
		base:        vfs.Default,
		ballastPath: filepath.Join(dir, ballastName), ballastSize: size,
		paused: map[string]uint64{},
	}
}

func diskFree(dir string) (uint64, error) {
	u, err := vfs.Default.GetDiskUsage(dir)
	return u.AvailBytes, err
}

// refresh reads the free space, logs a change of state and, with room,
// puts the ballast back. It reports whether writes may go on.
func (g *diskGuard) refresh() bool {
	if g.reserve == 0 {
		return true
	}
	free, err := g.free(g.dir)
	g.mu.Lock()
	defer g.mu.Unlock()
	if err != nil {
		// A file system that cannot say is not taken for a full one.
		if !g.statErr {
			g.log.Warn().Err(err).Str("dir", g.dir).Msg("cannot read the free space of the data directory; the disk guard goes by its last reading")
		}
		g.statErr = true
		return !g.low.Load()
	}
	g.statErr = false
	g.freeBytes.Store(free)
	ok := free >= g.reserve
	switch was := !g.low.Load(); {
	case was && !ok:
		g.low.Store(true)
		g.since = time.Now()
		g.log.Error().Str("dir", g.dir).Str("free", humanize.IBytes(free)).Str("min_free", humanize.IBytes(g.reserve)).
			Msg("disk space is too low: atlasd stopped writing (blocks wait, POST /v1/zonefile answers 503); " +
				"free space on this file system or lower storage.min_free_mib, and atlasd resumes on its own")
	case !was && ok:
		g.low.Store(false)
		g.log.Info().Str("dir", g.dir).Str("free", humanize.IBytes(free)).Dur("paused_for", time.Since(g.since).Round(time.Second)).
			Msg("disk space is back: atlasd writes again")
	}
	if ok && !g.ballastOK && free >= g.reserve+g.ballastSize {
		g.keepBallast()
	}
	return ok
}

// ready is the /readyz check: not ready while writes are paused.
func (g *diskGuard) ready() error {
	if !g.low.Load() {
		return nil
	}
	return fmt.Errorf("%w: %s free in %s, below storage.min_free_mib (%s)",
		errDiskLow, humanize.IBytes(g.freeBytes.Load()), g.dir, humanize.IBytes(g.reserve))
}

// check asks whether a write of kind what may go ahead now; it counts and
// returns an error wrapping errDiskLow if not.
func (g *diskGuard) check(what string) error {
	if g.refresh() {
		return nil
	}
	g.count(what)
	return g.ready()
}

func (g *diskGuard) count(what string) {
	g.mu.Lock()
	g.paused[what]++
	g.mu.Unlock()
}

// wait returns once a write of kind what may go ahead, or with ctx's error.
func (g *diskGuard) wait(ctx context.Context, what string) error {
	if g.refresh() {
		return nil
	}
	g.count(what)
	t := time.NewTicker(g.poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
		if g.refresh() {
			return nil
		}
	}
}

// run keeps the figures fresh (for /metrics and /readyz) and notices space
// coming back while nothing writes, until ctx ends.
func (g *diskGuard) run(ctx context.Context) {
	t := time.NewTicker(max(g.poll, time.Second))
	defer t.Stop()
	for {
		g.refresh()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// pausedCounts is the paused-writes counter by kind, for /metrics.
func (g *diskGuard) pausedCounts() map[string]uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make(map[string]uint64, len(g.paused))
	for k, v := range g.paused {
		out[k] = v
	}
	return out
}

// fs is the file system the stores open their databases on: a write that
// finds the disk full frees the ballast and is tried once more.
func (g *diskGuard) fs() vfs.FS {
	return vfs.OnDiskFull(g.base, g.diskFull)
}

// diskFull runs when a store's write found no room; Pebble holds that
// store's writes until it returns.
func (g *diskGuard) diskFull() {
	g.fullErrs.Add(1)
	g.mu.Lock()
	defer g.mu.Unlock()
	freed := os.Remove(g.ballastPath) == nil
	g.ballastOK = false
	if !g.low.Load() {
		g.low.Store(true)
		g.since = time.Now()
	}
	g.log.Error().Str("dir", g.dir).Bool("ballast_freed", freed).Str("ballast", humanize.IBytes(g.ballastSize)).
		Msg("the disk is full: a database write found no room; atlasd stopped writing and waits for space")
}

// keepBallast creates the ballast file if it is missing or short. The
// caller holds mu and has checked there is room for it.
func (g *diskGuard) keepBallast() {
	if g.ballastSize == 0 {
		return
	}
	if st, err := os.Stat(g.ballastPath); err == nil && uint64(st.Size()) >= g.ballastSize {
		g.ballastOK = true
		return
	}
	if err := writeBallast(g.ballastPath, g.ballastSize); err != nil {
		os.Remove(g.ballastPath)
		g.log.Warn().Err(err).Str("path", g.ballastPath).Msg("cannot write the disk-space ballast")
		return
	}
	g.ballastOK = true
}

// writeBallast writes size zero bytes to path and syncs them, so the blocks
// are really taken (a sparse or merely preallocated file might not be).
func writeBallast(path string, size uint64) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	buf := make([]byte, 1<<20)
	for left := size; left > 0; {
		n := min(left, uint64(len(buf)))
		if _, err := f.Write(buf[:n]); err != nil {
			f.Close()
			return err
		}
		left -= n
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
