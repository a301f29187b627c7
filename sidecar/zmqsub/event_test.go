package zmqsub

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// blockHex is the mainnet genesis block hash as RPC prints it; bitcoind's
// frames carry its bytes in this same order.
const blockHex = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"

func mustHash(t *testing.T, s string) chainhash.Hash {
	t.Helper()
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		t.Fatal(err)
	}
	return *h
}

// wireOrder is the frame form of h: reversed from chainhash's internal
// order, so it reads like the hex.
func wireOrder(h chainhash.Hash) []byte {
	b := slices.Clone(h[:])
	slices.Reverse(b)
	return b
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func TestDecode(t *testing.T) {
	h := mustHash(t, blockHex)
	if hb := wireOrder(h); hb[0] != 0 || hb[31] != 0x6f {
		t.Fatalf("frame order of %s starts %x", blockHex, hb[:2])
	}
	both := []string{TopicHashBlock, TopicSequence}
	seqBody := func(label byte, extra ...byte) []byte { return append(append(wireOrder(h), label), extra...) }
	mempool := binary.LittleEndian.AppendUint64(nil, 0x0102030405060708)
	tests := []struct {
		name      string
		frames    [][]byte
		topics    []string
		want      Event
		counterOK bool
		err       bool
	}{
		{"hashblock", [][]byte{[]byte("hashblock"), wireOrder(h), le32(7)}, both,
			Event{Kind: BlockHash, Hash: h, Counter: 7}, true, false},
		{"connect", [][]byte{[]byte("sequence"), seqBody('C'), le32(1 << 31)}, both,
			Event{Kind: BlockConnected, Hash: h, Counter: 1 << 31}, true, false},
		{"disconnect", [][]byte{[]byte("sequence"), seqBody('D'), le32(0)}, both,
			Event{Kind: BlockDisconnected, Hash: h}, true, false},
		{"mempool add", [][]byte{[]byte("sequence"), seqBody('A', mempool...), le32(9)}, both,
			Event{Kind: TxAdded, Hash: h, MempoolSeq: 0x0102030405060708, Counter: 9}, true, false},
		{"mempool remove", [][]byte{[]byte("sequence"), seqBody('R', mempool...), le32(10)}, both,
			Event{Kind: TxRemoved, Hash: h, MempoolSeq: 0x0102030405060708, Counter: 10}, true, false},
		{"two frames", [][]byte{[]byte("hashblock"), wireOrder(h)}, both, Event{}, false, true},
		{"four frames", [][]byte{[]byte("hashblock"), wireOrder(h), le32(1), {}}, both, Event{}, false, true},
		{"no frames", nil, both, Event{}, false, true},
		{"topic not subscribed", [][]byte{[]byte("sequence"), seqBody('C'), le32(1)}, []string{TopicHashBlock}, Event{}, false, true},
		{"prefix-matched topic", [][]byte{[]byte("hashblockx"), wireOrder(h), le32(1)}, both, Event{}, false, true},
		{"short counter", [][]byte{[]byte("hashblock"), wireOrder(h), {1, 0, 0}}, both, Event{}, false, true},
		{"short hashblock body", [][]byte{[]byte("hashblock"), wireOrder(h)[:31], le32(3)}, both, Event{}, true, true},
		{"long hashblock body", [][]byte{[]byte("hashblock"), append(wireOrder(h), 0), le32(3)}, both, Event{}, true, true},
		{"empty sequence body", [][]byte{[]byte("sequence"), nil, le32(3)}, both, Event{}, true, true},
		{"sequence without label", [][]byte{[]byte("sequence"), wireOrder(h), le32(3)}, both, Event{}, true, true},
		{"unknown label", [][]byte{[]byte("sequence"), seqBody('X'), le32(3)}, both, Event{}, true, true},
		{"connect with mempool seq", [][]byte{[]byte("sequence"), seqBody('C', mempool...), le32(3)}, both, Event{}, true, true},
		{"add without mempool seq", [][]byte{[]byte("sequence"), seqBody('A'), le32(3)}, both, Event{}, true, true},
		{"add with short mempool seq", [][]byte{[]byte("sequence"), seqBody('A', mempool[:7]...), le32(3)}, both, Event{}, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, ev, err := decode(tc.frames, tc.topics)
			if (err != nil) != tc.err || (err != nil && !errors.Is(err, errMalformed)) {
				t.Fatalf("err = %v, want error %v", err, tc.err)
			}
			if m.counterOK != tc.counterOK {
				t.Fatalf("counterOK = %v, want %v", m.counterOK, tc.counterOK)
			}
			if m.counterOK && !bytes.Equal(le32(m.counter), tc.frames[2]) {
				t.Fatalf("counter %d from frame %x", m.counter, tc.frames[2])
			}
			if ev != tc.want {
				t.Fatalf("event %+v, want %+v", ev, tc.want)
			}
			if err == nil && ev.Hash.String() != blockHex {
				t.Fatalf("hash prints %s, want %s", ev.Hash, blockHex)
			}
		})
	}
}

func TestCounterState(t *testing.T) {
	type step struct {
		counter uint32
		lost    uint32
		reset   bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"first sets baseline", []step{{41, 0, false}, {42, 0, false}, {43, 0, false}}},
		{"gap", []step{{0, 0, false}, {1, 0, false}, {5, 3, false}, {6, 0, false}}},
		{"wraps without loss", []step{{0xfffffffe, 0, false}, {0xffffffff, 0, false}, {0, 0, false}, {1, 0, false}}},
		{"gap across wrap", []step{{0xfffffffe, 0, false}, {2, 3, false}}},
		{"restart to zero", []step{{100, 0, false}, {0, 0, true}, {1, 0, false}}},
		{"goes back", []step{{100, 0, false}, {50, 0, true}, {51, 0, false}}},
		{"repeat", []step{{100, 0, false}, {100, 0, true}, {101, 0, false}}},
		{"large gap", []step{{0, 0, false}, {1 << 30, 1<<30 - 1, false}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s counterState
			for i, st := range tc.steps {
				lost, reset := s.observe(st.counter)
				if lost != st.lost || reset != st.reset {
					t.Fatalf("step %d (%d): lost %d reset %v, want %d %v", i, st.counter, lost, reset, st.lost, st.reset)
				}
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"tcp both", Config{HashBlock: "tcp://127.0.0.1:28332", Sequence: "tcp://127.0.0.1:28333"}, true},
		{"tcp hostname", Config{Sequence: "tcp://bitcoind:28332"}, true},
		{"ipv6", Config{HashBlock: "tcp://[::1]:28332"}, true},
		{"ipc", Config{HashBlock: "ipc:///run/bitcoind/zmq.sock"}, true},
		{"none", Config{}, false},
		{"no scheme", Config{HashBlock: "127.0.0.1:28332"}, false},
		{"udp", Config{HashBlock: "udp://127.0.0.1:28332"}, false},
		{"no port", Config{HashBlock: "tcp://127.0.0.1"}, false},
		{"bind wildcard", Config{HashBlock: "tcp://*:28332"}, false},
		{"empty ipc", Config{Sequence: "ipc://"}, false},
		{"negative silence", Config{HashBlock: "tcp://127.0.0.1:1", Silence: -1}, false},
		{"max below min", Config{HashBlock: "tcp://127.0.0.1:1", BackoffMin: time.Second, BackoffMax: time.Millisecond}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.cfg.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v", err)
			}
			if err != nil {
				if _, nerr := New(tc.cfg); nerr == nil {
					t.Fatal("New accepted what Validate refused")
				}
				return
			}
			if got.Silence != DefaultSilence || got.BackoffMin != DefaultBackoffMin || got.BackoffMax != DefaultBackoffMax ||
				got.DialTimeout != DefaultDialTimeout || got.EventBuffer != DefaultEventBuffer {
				t.Fatalf("defaults not filled: %+v", got)
			}
		})
	}
}
