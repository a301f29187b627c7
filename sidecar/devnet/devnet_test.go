package devnet

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// A short devnet: the scripted history plus two blocks of activity, every
// operation accepted by the replay.
func TestDevnetShort(t *testing.T) {
	var out bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Run(ctx, Options{DataDir: t.TempDir(), Interval: 50 * time.Millisecond, Blocks: 2, Out: &out, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatalf("devnet: %v\n%s", err, out.String())
	}
	t.Log(out.String())
	// alice, bob (now dave's), user0; carol was revoked.
	if s.Names != 3 {
		t.Errorf("%d live names, want 3", s.Names)
	}
	// Three scripted updates, alice's renewal re-announcing her hash
	// (spec §3.2), and one more update in the second activity block.
	if s.Zonefiles != 5 {
		t.Errorf("%d zonefiles announced, want 5", s.Zonefiles)
	}
	if len(s.ConsensusHash) != 32 {
		t.Errorf("consensus hash %q", s.ConsensusHash)
	}
}
