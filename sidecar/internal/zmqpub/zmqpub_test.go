package zmqpub

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// Mainnet hashes as getblockhash and getrawtransaction print them.
const (
	genesisHex  = "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f"
	block1Hex   = "00000000839a8e6886ab5951d76f411475428afc90947ee320161bbf18eb6048"
	coinbaseHex = "4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b"
)

func mustHash(t *testing.T, s string) chainhash.Hash {
	t.Helper()
	h, err := chainhash.NewHashFromStr(s)
	if err != nil {
		t.Fatal(err)
	}
	return *h
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// cat joins byte strings, for building expected bodies by hand.
func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// le32 writes a counter by hand rather than with encoding/binary.
func le32(n uint32) []byte { return []byte{byte(n), byte(n >> 8), byte(n >> 16), byte(n >> 24)} }

func equalFrames(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func short(frames [][]byte) string {
	var s []string
	for _, f := range frames {
		if len(f) > 48 {
			s = append(s, fmt.Sprintf("%x...(%d bytes)", f[:48], len(f)))
		} else {
			s = append(s, fmt.Sprintf("%x", f))
		}
	}
	return fmt.Sprint(s)
}

// TestFramesBothClients checks every message byte for byte as the two SUB
// libraries deliver it, including counter gaps left by drops.
func TestFramesBothClients(t *testing.T) {
	var genesis bytes.Buffer
	if err := chaincfg.MainNetParams.GenesisBlock.Serialize(&genesis); err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte{0xee}, 1<<20)
	for _, lib := range clientLibs {
		t.Run(lib.name, func(t *testing.T) {
			h0, h1, tx := mustHash(t, genesisHex), mustHash(t, block1Hex), mustHash(t, coinbaseHex)
			d0, d1, dtx := unhex(t, genesisHex), unhex(t, block1Hex), unhex(t, coinbaseHex)
			pub := Start(t, "127.0.0.1:0")
			sub := lib.dial(t, pub.Endpoint(), TopicHashBlock, TopicSequence, TopicRawBlock)
			for _, topic := range []string{TopicHashBlock, TopicSequence, TopicRawBlock} {
				pub.WaitSubscribers(topic, 1, recvTimeout)
			}
			steps := []struct {
				name    string
				publish func()
				want    [][]byte // nil: nothing may arrive before the next step's message
			}{
				{"hashblock display order", func() { pub.HashBlock(h0) },
					[][]byte{[]byte("hashblock"), d0, le32(0)}},
				{"sequence connect", func() { pub.Sequence(h0, BlockConnect) },
					[][]byte{[]byte("sequence"), cat(d0, []byte("C")), le32(0)}},
				{"sequence disconnect", func() { pub.Sequence(h1, BlockDisconnect) },
					[][]byte{[]byte("sequence"), cat(d1, []byte("D")), le32(1)}},
				{"sequence mempool", func() { pub.SequenceMempool(tx, TxAdded, 0x0102030405060708) },
					[][]byte{[]byte("sequence"), cat(dtx, []byte("A"), []byte{8, 7, 6, 5, 4, 3, 2, 1}), le32(2)}},
				{"rawblock long frame", func() { pub.RawBlock(genesis.Bytes()) },
					[][]byte{[]byte("rawblock"), genesis.Bytes(), le32(0)}},
				{"rawblock 1 MiB", func() { pub.RawBlock(big) },
					[][]byte{[]byte("rawblock"), big, le32(1)}},
				{"unsubscribed topic", func() { pub.HashTx(tx) }, nil},
				{"hashblock again", func() { pub.HashBlock(h1) },
					[][]byte{[]byte("hashblock"), d1, le32(1)}},
				{"drop first", func() { pub.DropNext(2); pub.HashBlock(h0) }, nil},
				{"drop second", func() { pub.Sequence(h1, BlockConnect) }, nil},
				{"gap after drops", func() { pub.HashBlock(h1) },
					[][]byte{[]byte("hashblock"), d1, le32(3)}},
				{"silent", func() {
					pub.SetSilent(true)
					pub.Sequence(h0, BlockConnect)
					pub.Sequence(h1, BlockConnect)
					pub.SetSilent(false)
				}, nil},
				{"gap after silence", func() { pub.Sequence(h0, BlockDisconnect) },
					[][]byte{[]byte("sequence"), cat(d0, []byte("D")), le32(6)}},
			}
			for _, st := range steps {
				t.Run(st.name, func(t *testing.T) {
					st.publish()
					if st.want == nil {
						return
					}
					if got := sub.next(t); !equalFrames(got, st.want) {
						t.Fatalf("got %s\nwant %s", short(got), short(st.want))
					}
				})
			}
			sub.none(t, 100*time.Millisecond)
			for topic, want := range map[string]uint32{TopicHashBlock: 4, TopicSequence: 7, TopicRawBlock: 2, TopicHashTx: 1} {
				if got := pub.Counter(topic); got != want {
					t.Errorf("next %s counter %d, want %d", topic, got, want)
				}
			}
		})
	}
}

// TestReconnect checks that both libraries come back after a dropped
// connection (counters continue) and after a publisher restart (counters
// start again at zero, as bitcoind's).
func TestReconnect(t *testing.T) {
	for _, lib := range clientLibs {
		t.Run(lib.name, func(t *testing.T) {
			h := mustHash(t, genesisHex)
			d := unhex(t, genesisHex)
			pub := Start(t, "127.0.0.1:0")
			addr := pub.Addr()
			sub := lib.dial(t, pub.Endpoint(), TopicHashBlock)
			pub.WaitSubscribers(TopicHashBlock, 1, recvTimeout)
			expect := func(seq uint32) {
				t.Helper()
				want := [][]byte{[]byte("hashblock"), d, le32(seq)}
				if got := sub.next(t); !equalFrames(got, want) {
					t.Fatalf("got %s, want %s", short(got), short(want))
				}
			}
			pub.HashBlock(h)
			expect(0)

			pub.Disconnect()
			// zmq4 may redial before this publish and receive it; gozmq
			// only notices at its next read. Either way the counter goes
			// on from 1, it does not restart.
			pub.HashBlock(h)
			pub.WaitSubscribers(TopicHashBlock, 1, recvTimeout)
			pub.HashBlock(h)
			for seq := uint32(1); ; seq++ {
				got := sub.next(t)
				want := [][]byte{[]byte("hashblock"), d, le32(seq)}
				if seq == 1 && equalFrames(got, [][]byte{[]byte("hashblock"), d, le32(2)}) {
					break // the message sent while disconnected was lost
				}
				if !equalFrames(got, want) {
					t.Fatalf("after reconnect got %s, want %s", short(got), short(want))
				}
				if seq == 2 {
					break
				}
			}

			if err := pub.Restart(); err != nil {
				t.Fatal(err)
			}
			if pub.Addr() != addr {
				t.Fatalf("restarted on %s, want %s", pub.Addr(), addr)
			}
			pub.WaitSubscribers(TopicHashBlock, 1, recvTimeout)
			pub.HashBlock(h)
			expect(0)
		})
	}
}
