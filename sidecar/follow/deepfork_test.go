package follow_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/sidecar/follow"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// A reorg deeper than the undo window stops the follower with the command
// that rebuilds, and leaves the state untouched; with a Rebuild hook the
// follower starts over and ends equal to a fresh replay.
func TestForkDeeperThanUndoWindow(t *testing.T) {
	w := newWorld(t)
	w.launchNamespace("deepfork00")
	w.register("a")
	w.mine(10)
	small := func(dir string, rebuild func() (follow.Replay, error)) (*state.Machine, *follow.Follower) {
		m, err := state.Open(dir, w.p, state.Options{UndoWindow: 5, Logger: zerolog.Nop()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Close() })
		return m, follow.New(w.c, m, follow.Config{Network: w.net, FirstBlock: w.p.FirstBlock, UndoWindow: 5,
			Prevouts: w.mode, Rebuild: rebuild, Logger: zerolog.Nop()})
	}
	dir := t.TempDir()
	m, f := small(dir, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := f.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	before, beforeHash := m.Tip()
	if _, err := w.n.Reorg(8); err != nil {
		t.Fatal(err)
	}
	err := f.Sync(ctx)
	if !errors.Is(err, follow.ErrForkTooDeep) || !strings.Contains(err.Error(), "atlasd reindex") {
		t.Fatalf("Sync after an 8-block reorg with a 5-block window: %v", err)
	}
	if h, hash := m.Tip(); h != before || hash != beforeHash {
		t.Fatalf("state moved from %d to %d on a refused fork", before, h)
	}
	// Run stops on it too, instead of retrying forever.
	if err := f.Run(ctx); !errors.Is(err, follow.ErrForkTooDeep) {
		t.Fatalf("Run = %v", err)
	}

	// With automatic rebuild the follower starts from scratch.
	m.Close()
	var rebuilt *state.Machine
	m2, f2 := small(dir, func() (follow.Replay, error) {
		rebuilt, _ = small(t.TempDir(), nil)
		return rebuilt, nil
	})
	if err := f2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if rebuilt == nil || f2.Stats().Rebuilds.Load() != 1 {
		t.Fatal("no rebuild happened")
	}
	if err := f2.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	_ = m2
	w.m = rebuilt
	w.assertMatchesFresh()
}
