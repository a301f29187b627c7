package zmqsub

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// Topics this package subscribes to, as bitcoind names them.
const (
	TopicHashBlock = "hashblock"
	TopicSequence  = "sequence"
)

// Kind says what an Event reports.
type Kind uint8

// Event kinds. The sequence topic's labels are C, D, A and R.
const (
	// BlockHash is a hashblock message: a new tip.
	BlockHash Kind = iota + 1
	// BlockConnected is sequence C.
	BlockConnected
	// BlockDisconnected is sequence D.
	BlockDisconnected
	// TxAdded is sequence A: a transaction entered the mempool.
	TxAdded
	// TxRemoved is sequence R: a transaction left the mempool for a reason
	// other than a block.
	TxRemoved
)

// String names the kind for logs.
func (k Kind) String() string {
	switch k {
	case BlockHash:
		return "hashblock"
	case BlockConnected:
		return "connected"
	case BlockDisconnected:
		return "disconnected"
	case TxAdded:
		return "mempool-add"
	case TxRemoved:
		return "mempool-remove"
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Event is one notification from bitcoind.
type Event struct {
	Kind Kind
	// Hash is the block hash (BlockHash, BlockConnected,
	// BlockDisconnected) or txid (TxAdded, TxRemoved).
	Hash chainhash.Hash
	// MempoolSeq is bitcoind's mempool sequence number, for TxAdded and
	// TxRemoved only.
	MempoolSeq uint64
	// Counter is the topic's ZMQ message counter.
	Counter uint32
}

// errMalformed is wrapped by every decode failure.
var errMalformed = errors.New("zmqsub: malformed message")

// message is a notification split into its parts. counterOK means the
// frame count, topic and counter were sound, so the counter can be trusted
// for gap tracking even when the body was not.
type message struct {
	topic     string
	counter   uint32
	counterOK bool
}

// decode checks a message against bitcoind's format: three frames (topic,
// body, 4-byte little-endian counter), a topic in topics, and a body of
// the topic's shape.
func decode(frames [][]byte, topics []string) (message, Event, error) {
	var m message
	if len(frames) != 3 {
		return m, Event{}, fmt.Errorf("%w: %d frames, want 3", errMalformed, len(frames))
	}
	m.topic = string(frames[0])
	if !slices.Contains(topics, m.topic) {
		return m, Event{}, fmt.Errorf("%w: topic %q not subscribed", errMalformed, m.topic)
	}
	if len(frames[2]) != 4 {
		return m, Event{}, fmt.Errorf("%w: %s counter of %d bytes", errMalformed, m.topic, len(frames[2]))
	}
	m.counter, m.counterOK = binary.LittleEndian.Uint32(frames[2]), true
	ev := Event{Counter: m.counter}
	body := frames[1]
	switch m.topic {
	case TopicHashBlock:
		if len(body) != chainhash.HashSize {
			return m, Event{}, fmt.Errorf("%w: hashblock body of %d bytes", errMalformed, len(body))
		}
		ev.Kind = BlockHash
	case TopicSequence:
		if len(body) < chainhash.HashSize+1 {
			return m, Event{}, fmt.Errorf("%w: sequence body of %d bytes", errMalformed, len(body))
		}
		label, want := body[chainhash.HashSize], 0
		switch label {
		case 'C':
			ev.Kind, want = BlockConnected, chainhash.HashSize+1
		case 'D':
			ev.Kind, want = BlockDisconnected, chainhash.HashSize+1
		case 'A':
			ev.Kind, want = TxAdded, chainhash.HashSize+9
		case 'R':
			ev.Kind, want = TxRemoved, chainhash.HashSize+9
		default:
			return m, Event{}, fmt.Errorf("%w: sequence label %q", errMalformed, label)
		}
		if len(body) != want {
			return m, Event{}, fmt.Errorf("%w: sequence %c body of %d bytes, want %d", errMalformed, label, len(body), want)
		}
		if want > chainhash.HashSize+1 {
			ev.MempoolSeq = binary.LittleEndian.Uint64(body[chainhash.HashSize+1:])
		}
	}
	// bitcoind sends hashes reversed, in the order RPC prints them.
	for i := range chainhash.HashSize {
		ev.Hash[i] = body[chainhash.HashSize-1-i]
	}
	return m, ev, nil
}

// counterState follows one topic's message counter.
type counterState struct {
	seen bool
	next uint32
}

// observe records counter c and reports how many messages were skipped
// before it, or reset when the counter went back (a bitcoind restart
// starts again at 0). The first counter ever seen sets the baseline:
// whatever came before the subscription is the initial sync's business.
func (s *counterState) observe(c uint32) (lost uint32, reset bool) {
	defer func() { s.seen, s.next = true, c+1 }()
	switch d := c - s.next; {
	case !s.seen || d == 0:
		return 0, false
	case c == 0 || d >= 1<<31:
		// Counting forward from next to c would wrap half the counter
		// space: read it as a restart, not as billions of lost messages.
		return 0, true
	default:
		return d, false
	}
}
