package service

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/verify"
)

// forkLoop re-checks every neighbour's fork each ForkInterval and returns
// nil when ctx ends.
func (s *Service) forkLoop(ctx context.Context) error {
	t := time.NewTicker(s.cfg.ForkInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		s.CheckForks(ctx)
	}
}

// CheckForks asks every neighbour where its chain is and drops (for a
// day) each one that is on another fork, returning those it dropped. A
// neighbour at or behind our tip must report one of our consensus hashes
// (the admission rule, applied again); one ahead of us must have our
// consensus hash at our tip, which get_consensus_hashes tells. Seeds on
// another fork are logged and kept. A neighbour that does not answer only
// loses health.
func (s *Service) CheckForks(ctx context.Context) []string {
	if s.height() < 0 {
		return nil // nothing processed, nothing to compare
	}
	members := s.table.Members()
	var (
		mu      sync.Mutex
		dropped []string
		wg      sync.WaitGroup
		sem     = make(chan struct{}, s.cfg.Concurrency)
	)
	for _, m := range members {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			wg.Wait()
			return dropped
		}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if !s.onOtherFork(ctx, m.HostPort) {
				return
			}
			if !s.table.Drop(m.HostPort) {
				s.log.Warn().Str("peer", m.HostPort).Msg("seed is on another fork; kept because it is a seed")
				return
			}
			s.stats.droppedForks.Add(1)
			s.log.Warn().Str("peer", m.HostPort).Msg("dropped peer: on another fork")
			mu.Lock()
			dropped = append(dropped, m.HostPort)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return dropped
}

// onOtherFork reports whether peer is known to follow another chain.
// Anything short of proof (no answer, a rollback on our side while
// comparing) is not.
func (s *Service) onOtherFork(ctx context.Context, peer string) bool {
	c, err := s.dialer.Dial(peer)
	if err != nil {
		return false
	}
	info, err := c.GetInfo(ctx)
	if ctx.Err() != nil {
		return false
	}
	s.table.Observe(peer, err == nil)
	if err != nil {
		return false
	}
	ours := s.chain.LastBlock()
	if info.LastBlockProcessed <= ours {
		_, known, err := s.chain.BlockOfConsensus(info.Consensus)
		return err == nil && !known
	}
	rep, err := verify.Compare(ctx, s.chain.ConsensusHash, c, ours, ours)
	if err != nil {
		if !errors.Is(err, verify.ErrPeerAhead) && ctx.Err() == nil {
			s.table.Observe(peer, false)
		}
		return false
	}
	return rep.FirstDiff != nil
}

var _ verify.Peer = (*peers.Client)(nil)
