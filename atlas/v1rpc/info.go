package v1rpc

import (
	"context"

	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// ping answers {"status": "alive"|"stale", "version": ...}, without the
// success_response fields (blockstackd.py rpc_ping).
func (s *Server) ping(context.Context, []xmlrpc.Value) obj {
	status := "alive"
	if _, stale := s.stale(); stale {
		status = "stale"
	}
	return obj{{"status", status}, {"version", s.cfg.Version}}
}

// getinfo is the node summary peers check before admitting us (spec §4.3):
// the consensus hash of the last processed block is the fork-set check.
// Like v1 it is not a success_response: no status or lastblock fields.
func (s *Server) getinfo(ctx context.Context, _ []xmlrpc.Value) obj {
	chain := s.core.Chain()
	last := chain.LastBlock()
	seen := last
	if s.cfg.BlockCount != nil {
		n, err := s.cfg.BlockCount(ctx)
		if err != nil {
			// v1 read info['blocks'] from an error dict when bitcoind was
			// unreachable.
			return exception("KeyError: 'blocks'")
		}
		seen = n
	}
	var consensus *string
	if ch, ok := chain.ConsensusHash(last); ok {
		consensus = &ch
	}
	o := obj{
		{"last_block_seen", seen},
		{"consensus", consensus},
		{"server_version", s.cfg.Version},
		{"last_block_processed", last},
		{"server_alive", true},
		{"indexing", s.indexing()},
		{"testnet", s.testnetFlag()},
		{"first_block", s.cfg.FirstBlock},
		{"zonefile_count", s.core.ReportedCount()},
	}
	if _, stale := s.stale(); stale {
		o = append(o, member{"stale", true}, member{"warning", "Daemon is behind the chain tip.  Do not rely on it for fresh information."})
	}
	return o
}

// testnetFlag is getinfo's "testnet": false, true, or a string.
func (s *Server) testnetFlag() any {
	switch s.cfg.Testnet {
	case "":
		return false
	case "true":
		return true
	default:
		return s.cfg.Testnet
	}
}
