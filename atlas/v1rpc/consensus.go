package v1rpc

import (
	"context"
	"strconv"

	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// MaxConsensusHashes is the most heights one get_consensus_hashes call may
// ask for.
const MaxConsensusHashes = 32

// getConsensusAt returns the consensus hash of a height, null if the node
// has not processed it (rpc_get_consensus_at).
func (s *Server) getConsensusAt(_ context.Context, p []xmlrpc.Value) obj {
	h, ok := checkBlock(p[0], s.cfg.FirstBlock)
	if !ok {
		return refusal("Invalid block height", 400)
	}
	return s.success(member{"consensus", s.consensusAt(h)})
}

// getConsensusHashes maps each height to its consensus hash or null
// (rpc_get_consensus_hashes). JSON keys are the heights in decimal, as
// json.dumps wrote Python's int keys.
func (s *Server) getConsensusHashes(_ context.Context, p []xmlrpc.Value) obj {
	list, ok := p[0].AsArray()
	if !ok {
		return refusal("Invalid block heights", 400)
	}
	if len(list) > MaxConsensusHashes {
		return refusal("Too many block heights", 400)
	}
	heights := make([]int64, 0, len(list))
	for _, v := range list {
		h, ok := checkBlock(v, s.cfg.FirstBlock)
		if !ok {
			return refusal("Invalid block height", 400)
		}
		heights = append(heights, h)
	}
	out := obj{}
	seen := make(map[int64]bool, len(heights))
	for _, h := range heights {
		if !seen[h] {
			seen[h] = true
			out = append(out, member{strconv.FormatInt(h, 10), s.consensusAt(h)})
		}
	}
	return s.success(member{"consensus_hashes", out})
}

// getBlockFromConsensus returns the height whose consensus hash is the given
// one, null if none (rpc_get_block_from_consensus). The lookup is exact, as
// v1's SQL was: an upper-case hash finds nothing.
func (s *Server) getBlockFromConsensus(_ context.Context, p []xmlrpc.Value) obj {
	ch, ok := isConsensusHashString(p[0])
	if !ok {
		return refusal("Not a valid consensus hash", 400)
	}
	h, found, err := s.core.Chain().BlockOfConsensus(ch)
	if err != nil {
		s.cfg.Logger.Error().Err(err).Msg("get_block_from_consensus")
		return exception("OperationalError: " + err.Error())
	}
	var id *int64
	if found {
		id = &h
	}
	return s.success(member{"block_id", id})
}

func (s *Server) consensusAt(h int64) *string {
	if ch, ok := s.core.Chain().ConsensusHash(h); ok {
		return &ch
	}
	return nil
}
