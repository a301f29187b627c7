package peers

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
)

// Reasons a candidate is not admitted. Each is wrapped with the peer's
// address.
var (
	// ErrStale: the peer says it has not indexed a block for two hours.
	ErrStale = errors.New("peers: peer is stale")
	// ErrNetwork: the peer's testnet flag differs from ours.
	ErrNetwork = errors.New("peers: peer is on another network")
	// ErrTooOld: the peer's version is older than MinVersion, or not a
	// version at all.
	ErrTooOld = errors.New("peers: peer version too old")
	// ErrOtherFork: the peer is not ahead of us and its consensus hash is
	// not one of ours, so it follows other consensus rules.
	ErrOtherFork = errors.New("peers: peer is on another fork")
	// ErrSlotTaken: the peer's table slot belongs to a member that still
	// answers.
	ErrSlotTaken = errors.New("peers: table slot held by a live peer")
	// ErrKnown: the candidate became a member meanwhile.
	ErrKnown = errors.New("peers: already a member")
)

// CheckInfo applies v1's admission rules (AtlasPeerCrawler.add_new_peers)
// to a candidate's getinfo reply: not stale, same network, version at least
// MinVersion, and the fork-set check. A version that does not parse as three
// numbers is refused; v1 let such peers through, but no v1 node since 0.14
// sent one.
func (t *Table) CheckInfo(in Info) error {
	if in.Stale {
		return ErrStale
	}
	if in.Testnet != t.cfg.Testnet {
		return ErrNetwork
	}
	v, err := ParseVersion(in.ServerVersion)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrTooOld, err)
	}
	if v.OlderThan(MinVersion()) {
		return fmt.Errorf("%w: %s", ErrTooOld, in.ServerVersion)
	}
	// A peer ahead of us may report a hash we cannot know yet; v1 lets it
	// in unchecked, and so do we.
	if in.LastBlockProcessed <= t.cfg.Height() && !t.cfg.KnownConsensus(in.Consensus) {
		return fmt.Errorf("%w: consensus %.40q at block %d", ErrOtherFork, in.Consensus, in.LastBlockProcessed)
	}
	return nil
}

// Admission is the outcome of probing one candidate.
type Admission struct {
	// Peer is the candidate.
	Peer string
	// Err is nil when the peer was added, else why not.
	Err error
}

// Admit probes up to max queued candidates, chosen at random, with getinfo
// and adds those that pass CheckInfo and win their table slot. Probed
// candidates leave the queue whatever the outcome; the others stay queued.
// It is the first part of a v1 crawler step, which probes 10.
func (t *Table) Admit(ctx context.Context, max int) []Admission {
	var out []Admission
	for _, hp := range t.takeCandidates(max) {
		if ctx.Err() != nil {
			out = append(out, Admission{Peer: hp, Err: ctx.Err()})
			continue
		}
		in, err := t.cfg.Prober.GetInfo(ctx, hp)
		if err == nil {
			err = t.CheckInfo(in)
		}
		if err == nil {
			err = t.insert(ctx, hp)
		}
		if err != nil {
			err = fmt.Errorf("peers: admit %s: %w", hp, err)
		}
		out = append(out, Admission{Peer: hp, Err: err})
	}
	return out
}

// takeCandidates removes and returns up to max random queued candidates,
// dropping queue entries that became members meanwhile.
func (t *Table) takeCandidates(max int) []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.rng.Shuffle(len(t.pending), func(i, j int) { t.pending[i], t.pending[j] = t.pending[j], t.pending[i] })
	var take []string
	keep := t.pending[:0]
	for _, hp := range t.pending {
		switch {
		case t.skipLocked(hp):
			delete(t.pendingSet, hp)
		case len(take) < max:
			take = append(take, hp)
			delete(t.pendingSet, hp)
		default:
			keep = append(keep, hp)
		}
	}
	clear(t.pending[len(keep):])
	t.pending = keep
	return take
}

// insert adds hp in a random slot. If another peer holds the slot, that
// peer keeps it as long as it answers getinfo (atlasdb_add_peer): an
// attacker with many addresses can only displace dead peers.
func (t *Table) insert(ctx context.Context, hp string) error {
	host, _, _ := strings.Cut(hp, ":")
	t.mu.Lock()
	if _, ok := t.members[hp]; ok {
		t.mu.Unlock()
		return ErrKnown
	}
	slot := slotOf(t.rng.Uint32(), host)
	holder, taken := t.slots[slot]
	t.mu.Unlock()

	if taken {
		_, err := t.cfg.Prober.GetInfo(ctx, holder)
		t.Observe(holder, err == nil)
		if err == nil {
			return fmt.Errorf("%w: slot %d, %s", ErrSlotTaken, slot, holder)
		}
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.members[hp]; ok {
		return ErrKnown
	}
	if cur, ok := t.slots[slot]; ok {
		if cur != holder {
			// Someone else won the slot while we probed; keep theirs.
			return fmt.Errorf("%w: slot %d, %s", ErrSlotTaken, slot, cur)
		}
		t.removeLocked(cur)
	}
	t.slots[slot] = hp
	t.members[hp] = &member{slotted: true, slot: slot, discovered: t.cfg.Now()}
	return nil
}

func sha256Sum(s string) [32]byte { return sha256.Sum256([]byte(s)) }
