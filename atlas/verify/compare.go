package verify

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/atlasd/atlasd/atlas/peers"
)

// Batch is how many heights one get_consensus_hashes call asks for: the
// most a v1 server answers.
const Batch = peers.MaxConsensusHashes

// Reasons a comparison could not be made. Each comes wrapped with the
// peer and the heights concerned.
var (
	// ErrRange: the heights asked for do not form a range.
	ErrRange = errors.New("verify: bad height range")
	// ErrUnreachable: the peer did not answer, or answered with something
	// that is not a v1 reply.
	ErrUnreachable = errors.New("verify: peer unreachable")
	// ErrRefused: the peer answered with an error object (for instance a
	// height below its first block).
	ErrRefused = errors.New("verify: peer refused the request")
	// ErrPeerBehind: the peer has not processed every height of the range.
	ErrPeerBehind = errors.New("verify: peer is behind")
	// ErrPeerAhead: this node has not processed every height of the range
	// (the peer is ahead of it).
	ErrPeerAhead = errors.New("verify: peer is ahead of this node")
)

// Peer is the part of a peer's client Compare needs. *peers.Client
// implements it.
type Peer interface {
	// HostPort names the peer in reports and errors.
	HostPort() string
	// GetInfo is the peer's getinfo: how far it has processed.
	GetInfo(ctx context.Context) (peers.Info, error)
	// GetConsensusHashes returns the peer's hash for each height it has
	// processed, leaving out the others.
	GetConsensusHashes(ctx context.Context, heights []int64) (map[int64]string, error)
}

var _ Peer = (*peers.Client)(nil)

// Compare compares ours (this node's consensus hash at a height, false for
// a height not processed) with peer's over from..to, 32 heights per call,
// and stops at the first height whose hashes differ. A to of zero or less
// means the highest height both nodes have processed; an explicit to must
// have been processed by both, or the error says which side is short.
//
// The error is nil whenever the peer answered for the heights compared,
// whether they agree or not: a difference is a result, in the Report.
func Compare(ctx context.Context, ours func(height int64) (string, bool), peer Peer, from, to int64) (Report, error) {
	rep := Report{Peer: peer.HostPort(), From: from, To: to}
	if from < 0 || (to > 0 && to < from) {
		return rep, fmt.Errorf("%w: %d..%d", ErrRange, from, to)
	}
	info, err := peer.GetInfo(ctx)
	if err != nil {
		return rep, classify(rep.Peer, "getinfo", err)
	}
	rep.PeerLastBlock = info.LastBlockProcessed
	rep.Calls++
	if to > 0 {
		if rep.PeerLastBlock < to {
			return rep, fmt.Errorf("%w: %s has processed up to %d, the range ends at %d", ErrPeerBehind, rep.Peer, rep.PeerLastBlock, to)
		}
		if _, ok := ours(to); !ok {
			return rep, fmt.Errorf("%w: this node has not processed height %d", ErrPeerAhead, to)
		}
	} else {
		if rep.PeerLastBlock < from {
			return rep, fmt.Errorf("%w: %s has processed up to %d, the range starts at %d", ErrPeerBehind, rep.Peer, rep.PeerLastBlock, from)
		}
		last, ok := lastProcessed(ours, from, rep.PeerLastBlock)
		if !ok {
			return rep, fmt.Errorf("%w: this node has not processed height %d", ErrPeerAhead, from)
		}
		rep.To = last
	}
	if _, ok := ours(from); !ok {
		return rep, fmt.Errorf("%w: this node has not processed height %d", ErrPeerAhead, from)
	}
	for start := from; start <= rep.To; start += Batch {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		done, err := rep.compareBatch(ctx, ours, peer, start, min(start+Batch-1, rep.To))
		if err != nil || done {
			return rep, err
		}
	}
	rep.Agree = true
	return rep, nil
}

// compareBatch compares heights lo..hi with one call; done is set when a
// difference was found.
func (r *Report) compareBatch(ctx context.Context, ours func(int64) (string, bool), peer Peer, lo, hi int64) (done bool, err error) {
	heights := make([]int64, 0, hi-lo+1)
	for h := lo; h <= hi; h++ {
		heights = append(heights, h)
	}
	theirs, err := peer.GetConsensusHashes(ctx, heights)
	r.Calls++
	if err != nil {
		return false, classify(r.Peer, fmt.Sprintf("get_consensus_hashes %d..%d", lo, hi), err)
	}
	for _, h := range heights {
		mine, ok := ours(h)
		if !ok {
			// Checked processed at the start; the local chain has rolled
			// back since.
			return false, fmt.Errorf("%w: this node no longer has height %d (rolled back?)", ErrPeerAhead, h)
		}
		their, ok := theirs[h]
		if !ok {
			return false, fmt.Errorf("%w: %s has no consensus hash at %d although it reported block %d", ErrPeerBehind, r.Peer, h, r.PeerLastBlock)
		}
		r.Compared++
		// v1 writes lower-case hex; a peer's upper case is the same hash.
		if !strings.EqualFold(mine, their) {
			r.FirstDiff = &Diff{Height: h, Ours: mine, Theirs: their}
			return true, nil
		}
	}
	return false, nil
}

// lastProcessed returns the highest height in from..hi that ours has,
// relying on processed heights being contiguous, or false when it does
// not have from.
func lastProcessed(ours func(int64) (string, bool), from, hi int64) (int64, bool) {
	if _, ok := ours(from); !ok {
		return 0, false
	}
	lo := from // ours has lo; the answer is in lo..hi
	for lo < hi {
		mid := lo + (hi-lo+1)/2
		if _, ok := ours(mid); ok {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	return lo, true
}

// classify wraps a call's error: an error object from the peer is a
// refusal, anything else (transport, timeout, malformed reply) means the
// peer could not be asked. Cancellation is passed through unwrapped.
func classify(peer, call string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var re *peers.RemoteError
	if errors.As(err, &re) {
		return fmt.Errorf("%w: %s: %s: %w", ErrRefused, peer, call, err)
	}
	return fmt.Errorf("%w: %s: %s: %w", ErrUnreachable, peer, call, err)
}
