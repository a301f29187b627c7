package daemon

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/zonestore"
	"github.com/atlasd/atlasd/plugin/backup"
)

// backupFeed hands newly stored zonefiles to the backup queue. An Enqueue
// that cannot be written (the disk is nearly full, or the queue's write
// failed) is not dropped: the hash waits in memory and is enqueued once
// there is room. So that a crash meanwhile loses nothing either, the first
// such hash leaves an empty marker file (creating one needs no data block,
// so it works on a full disk); a start that finds the marker queues every
// held zonefile again (backup.Manager.Requeue), then removes it.
type backupFeed struct {
	d      *Daemon
	mgr    *backup.Manager
	store  *zonestore.DB
	marker string

	mu      sync.Mutex
	pending map[backup.Hash]struct{}
	requeue bool // the marker was found, or a requeue has not succeeded yet
	wake    chan struct{}
}

// requeueMarker is the marker file in the network's data directory.
const requeueMarker = "backup-requeue"

func newBackupFeed(d *Daemon, mgr *backup.Manager, store *zonestore.DB) *backupFeed {
	f := &backupFeed{d: d, mgr: mgr, store: store, marker: filepath.Join(d.dir, requeueMarker),
		pending: map[backup.Hash]struct{}{}, wake: make(chan struct{}, 1)}
	if _, err := os.Stat(f.marker); err == nil {
		f.requeue = true
	}
	return f
}

// stored is the Atlas peer's OnStored hook; it never blocks for long.
func (f *backupFeed) stored(ctx context.Context, h inventory.Hash) {
	err := f.d.guard.check("backup")
	if err == nil {
		err = f.mgr.Enqueue(context.WithoutCancel(ctx), backup.Hash(h))
	}
	if err == nil {
		return
	}
	f.mu.Lock()
	first := len(f.pending) == 0
	f.pending[backup.Hash(h)] = struct{}{}
	f.mu.Unlock()
	if first {
		if werr := os.WriteFile(f.marker, nil, 0o600); werr != nil {
			f.d.log.Error().Err(werr).Str("path", f.marker).Msg("cannot leave the backup requeue marker")
		}
		f.d.log.Warn().Err(err).Msg("backup queue not written; zonefiles wait to be queued until there is room")
	}
}

// run enqueues what waits, whenever the guard lets it, until ctx ends.
func (f *backupFeed) run(ctx context.Context) {
	t := time.NewTicker(max(f.d.guard.poll, time.Second))
	defer t.Stop()
	for {
		f.flush(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-f.wake:
		}
	}
}

// flush runs a requeue the marker asks for and enqueues the waiting
// hashes; the marker goes once both are done.
func (f *backupFeed) flush(ctx context.Context) {
	f.mu.Lock()
	requeue, n := f.requeue, len(f.pending)
	f.mu.Unlock()
	if !requeue && n == 0 {
		return
	}
	if f.d.guard.check("backup") != nil {
		return
	}
	if requeue {
		added, err := f.mgr.Requeue(ctx, func(fn func(backup.Hash) error) error {
			return f.store.Scan(func(h inventory.Hash) error { return fn(backup.Hash(h)) })
		})
		if err != nil {
			if ctx.Err() == nil {
				f.d.log.Warn().Err(err).Msg("requeueing held zonefiles for backup failed; retrying")
			}
			return
		}
		f.d.log.Info().Int64("added", added).Msg("requeued every held zonefile for backup after an enqueue was lost")
		f.mu.Lock()
		f.requeue = false
		f.mu.Unlock()
	}
	f.mu.Lock()
	hashes := make([]backup.Hash, 0, len(f.pending))
	for h := range f.pending {
		hashes = append(hashes, h)
	}
	f.mu.Unlock()
	if len(hashes) > 0 {
		if err := f.mgr.Enqueue(ctx, hashes...); err != nil {
			if ctx.Err() == nil && !errors.Is(err, backup.ErrClosed) {
				f.d.log.Warn().Err(err).Int("waiting", len(hashes)).Msg("backup queue still not written; retrying")
			}
			return
		}
		f.d.log.Info().Int("zonefiles", len(hashes)).Msg("queued for backup the zonefiles that waited for room")
	}
	f.mu.Lock()
	for _, h := range hashes {
		delete(f.pending, h)
	}
	done := len(f.pending) == 0 && !f.requeue
	f.mu.Unlock()
	if done {
		if err := os.Remove(f.marker); err != nil && !os.IsNotExist(err) {
			f.d.log.Warn().Err(err).Str("path", f.marker).Msg("cannot remove the backup requeue marker")
		}
	}
}
