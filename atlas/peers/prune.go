package peers

import (
	"context"
	"sort"
	"time"
)

// Pruning bounds, per Prune call.
const (
	// maxRevalidate caps the old peers re-probed per clean-up, so one call
	// stays a few seconds of work however many peers aged at once.
	maxRevalidate = 64
	// maxUnhealthyRemovals is how many unhealthy peers one call removes
	// (v1's crawler step removes 10).
	maxUnhealthyRemovals = 10
	// minSuccessesToJudge is how many successful requests a peer needs in
	// the window before low health can remove it (remove_unhealthy_peers'
	// min_request_count, which counts successes only).
	minSuccessesToJudge = 10
)

// Prune applies v1's clean-up rules (update_existing_peers) and returns the
// peers it removed. At most once per CleanInterval, members discovered more
// than MaxAge ago are probed with getinfo: an answer renews them, silence
// removes them if their health is below MinHealth. Then up to 10 members
// with at least 10 successes and health below MinHealth in the window are
// removed. Seeds are never removed.
func (t *Table) Prune(ctx context.Context) []string {
	var removed []string
	if old := t.dueForRevalidation(); len(old) > 0 {
		for _, hp := range old {
			if ctx.Err() != nil {
				break
			}
			_, err := t.cfg.Prober.GetInfo(ctx, hp)
			t.mu.Lock()
			if m, ok := t.members[hp]; ok {
				m.observe(t.cfg.Now(), err == nil)
				if err == nil {
					m.discovered = t.cfg.Now()
				} else if m.snapshot(hp, t.cfg.Now()).Health < MinHealth && t.removeLocked(hp) {
					removed = append(removed, hp)
				}
			}
			t.mu.Unlock()
		}
	}
	return append(removed, t.removeUnhealthy()...)
}

// dueForRevalidation returns the oldest members past MaxAge, once per
// CleanInterval.
func (t *Table) dueForRevalidation() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.Now()
	if !t.lastClean.IsZero() && now.Sub(t.lastClean) < CleanInterval {
		return nil
	}
	t.lastClean = now
	type aged struct {
		hp string
		at time.Time
	}
	var old []aged
	for hp, m := range t.members {
		if !m.seed && now.Sub(m.discovered) > MaxAge {
			old = append(old, aged{hp, m.discovered})
		}
	}
	sort.Slice(old, func(i, j int) bool {
		if !old[i].at.Equal(old[j].at) {
			return old[i].at.Before(old[j].at)
		}
		return old[i].hp < old[j].hp
	})
	out := make([]string, 0, min(len(old), maxRevalidate))
	for _, a := range old[:min(len(old), maxRevalidate)] {
		out = append(out, a.hp)
	}
	return out
}

func (t *Table) removeUnhealthy() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.cfg.Now()
	var bad []string
	for hp, m := range t.members {
		if m.seed {
			continue
		}
		if s := m.snapshot(hp, now); s.Successes >= minSuccessesToJudge && s.Health < MinHealth {
			bad = append(bad, hp)
		}
	}
	sort.Strings(bad)
	t.rng.Shuffle(len(bad), func(i, j int) { bad[i], bad[j] = bad[j], bad[i] })
	bad = bad[:min(len(bad), maxUnhealthyRemovals)]
	for _, hp := range bad {
		t.removeLocked(hp)
	}
	return bad
}
