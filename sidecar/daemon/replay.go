package daemon

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/atlasd/atlasd/sidecar/follow"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// guardedReplay is the replay state as the follower drives it: whichever
// machine is current (a rebuild or a reopen replaces it), with every write
// waiting for disk space first. Waiting inside the write keeps the
// follower's own error handling for the node: a paused block is neither
// an error nor a retry, and it applies the moment there is room.
type guardedReplay struct {
	d   *Daemon
	ctx context.Context
}

var _ follow.Replay = guardedReplay{}

func (r guardedReplay) Tip() (int64, string) { return r.d.Machine().Tip() }

func (r guardedReplay) BlockHash(h uint64) (string, bool, error) {
	return r.d.Machine().BlockHash(h)
}

func (r guardedReplay) ApplyBlock(height uint64, hash string, txs []*nameop.Tx) (*state.Result, error) {
	if err := r.d.guard.wait(r.ctx, "block"); err != nil {
		return nil, err
	}
	res, err := r.d.Machine().ApplyBlock(height, hash, txs)
	if errors.Is(err, state.ErrStorage) {
		return nil, r.d.reopenState(r.ctx, err)
	}
	return res, err
}

func (r guardedReplay) Rollback(height uint64) error {
	if err := r.d.guard.wait(r.ctx, "block"); err != nil {
		return err
	}
	err := r.d.Machine().Rollback(height)
	if errors.Is(err, state.ErrStorage) {
		return r.d.reopenState(r.ctx, err)
	}
	return err
}

func (r guardedReplay) Flush() error {
	err := r.d.Machine().Flush()
	if errors.Is(err, state.ErrStorage) {
		return r.d.reopenState(r.ctx, err)
	}
	return err
}

// reopenState replaces a machine whose database failed to write (see
// state.ErrStorage) once there is room again: closed without a flush and
// opened afresh, it is at the last block whose batch reached the log, and
// the follower carries on from there. The error returned makes the
// follower start its reconcile over.
func (d *Daemon) reopenState(ctx context.Context, cause error) error {
	d.log.Error().Err(cause).Msg("the replay state failed to write; reopening it once there is room")
	for backoff := time.Second; ; backoff = min(2*backoff, 30*time.Second) {
		if err := d.guard.wait(ctx, "block"); err != nil {
			return err
		}
		err := d.swapState(false)
		if err == nil {
			h, _ := d.Machine().Tip()
			d.log.Warn().Int64("height", h).Msg("replay state reopened; following on from its last complete block")
			return fmt.Errorf("daemon: replay state reopened after a failed write: %w", cause)
		}
		d.log.Error().Err(err).Dur("retry_in", backoff).Msg("cannot reopen the replay state")
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
}

// openForWriting reopens a replay state opened read-only for writing once
// there is room, trying again if the disk fills up in between; it fails
// only when ctx ends.
func (d *Daemon) openForWriting(ctx context.Context) error {
	for backoff := time.Second; ; backoff = min(2*backoff, 30*time.Second) {
		if err := d.guard.wait(ctx, "start"); err != nil {
			return err
		}
		err := d.swapState(false)
		if err == nil {
			d.log.Info().Msg("replay state reopened for writing")
			return nil
		}
		d.log.Error().Err(err).Dur("retry_in", backoff).Msg("cannot open the replay state for writing")
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
}

// swapState closes the current machine and opens the state directory
// again, read-only if asked. When the open fails the directory is opened
// read-only instead, so reads go on.
func (d *Daemon) swapState(readOnly bool) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	// The close of a failed database reports the failure again.
	_ = d.m.Close()
	m, err := d.openState(readOnly)
	if err != nil && !readOnly {
		if ro, roErr := d.openState(true); roErr == nil {
			d.m, d.readOnly = ro, true
		}
		return err
	}
	if err != nil {
		return err
	}
	d.m, d.readOnly = m, readOnly
	return nil
}

// stateExists reports whether the state directory holds a database.
func (d *Daemon) stateExists() bool {
	entries, err := os.ReadDir(StateDir(d.cfg, d.p))
	return err == nil && len(entries) > 0
}
