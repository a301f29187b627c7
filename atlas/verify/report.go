package verify

import "fmt"

// Diff is the first height at which the two nodes' consensus hashes differ.
type Diff struct {
	// Height is the block height.
	Height int64 `json:"height"`
	// Ours and Theirs are the two hashes as each node wrote them.
	Ours   string `json:"ours"`
	Theirs string `json:"theirs"`
}

// Report is the outcome of a Compare. JSON names are stable: scripts read
// them from atlasd verify's --json output.
type Report struct {
	// Peer is the peer's host:port.
	Peer string `json:"peer"`
	// From and To are the range compared, To resolved when it was left to
	// Compare.
	From int64 `json:"from"`
	To   int64 `json:"to"`
	// PeerLastBlock is the last block the peer said it processed.
	PeerLastBlock int64 `json:"peer_last_block"`
	// Compared counts the heights compared, the differing one included.
	Compared int64 `json:"compared"`
	// Calls counts the RPCs made (getinfo included).
	Calls int `json:"calls"`
	// Agree is true when every height of the range was compared and
	// matched.
	Agree bool `json:"agree"`
	// FirstDiff is the first differing height, nil if none was found.
	FirstDiff *Diff `json:"first_difference,omitempty"`
}

// String is the report for humans, one line.
func (r Report) String() string {
	switch {
	case r.FirstDiff != nil:
		s := fmt.Sprintf("%s: consensus hashes differ at height %d: ours %s, peer's %s",
			r.Peer, r.FirstDiff.Height, r.FirstDiff.Ours, r.FirstDiff.Theirs)
		if r.FirstDiff.Height > r.From {
			s += fmt.Sprintf(" (they agree on %d..%d)", r.From, r.FirstDiff.Height-1)
		}
		return s
	case r.Agree:
		return fmt.Sprintf("%s: consensus hashes agree at all %d heights %d..%d (peer at block %d)",
			r.Peer, r.Compared, r.From, r.To, r.PeerLastBlock)
	default:
		return fmt.Sprintf("%s: no verdict: %d of the heights %d..%d compared, all equal",
			r.Peer, r.Compared, r.From, r.To)
	}
}
