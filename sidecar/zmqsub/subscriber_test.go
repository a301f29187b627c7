package zmqsub

import (
	"context"
	"net"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/atlasd/atlasd/sidecar/internal/zmqpub"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// hashN is a distinct, recognisable hash for test message n.
func hashN(n byte) chainhash.Hash {
	var h chainhash.Hash
	for i := range h {
		h[i] = n ^ byte(i)
	}
	return h
}

// TestDelivery publishes every kind of notification, with both topics on
// one endpoint and on two, and expects each decoded in order per topic.
func TestDelivery(t *testing.T) {
	for _, shared := range []bool{true, false} {
		name := map[bool]string{true: "one endpoint", false: "two endpoints"}[shared]
		t.Run(name, func(t *testing.T) {
			blocks := zmqpub.Start(t, "127.0.0.1:0")
			seq := blocks
			if !shared {
				seq = zmqpub.Start(t, "127.0.0.1:0")
			}
			cfg := testConfig(t)
			cfg.HashBlock, cfg.Sequence = blocks.Endpoint(), seq.Endpoint()
			s := start(t, cfg)
			blocks.WaitSubscribers(zmqpub.TopicHashBlock, 1, waitTimeout)
			seq.WaitSubscribers(zmqpub.TopicSequence, 1, waitTimeout)

			want := []Event{
				{Kind: BlockConnected, Hash: hashN(1), Counter: 0},
				{Kind: BlockHash, Hash: hashN(1), Counter: 0},
				{Kind: TxAdded, Hash: hashN(2), MempoolSeq: 77, Counter: 1},
				{Kind: TxRemoved, Hash: hashN(2), MempoolSeq: 78, Counter: 2},
				{Kind: BlockDisconnected, Hash: hashN(1), Counter: 3},
				{Kind: BlockConnected, Hash: hashN(3), Counter: 4},
				{Kind: BlockHash, Hash: hashN(3), Counter: 1},
			}
			seq.Sequence(hashN(1), zmqpub.BlockConnect)
			blocks.HashBlock(hashN(1))
			seq.SequenceMempool(hashN(2), zmqpub.TxAdded, 77)
			seq.SequenceMempool(hashN(2), zmqpub.TxRemoved, 78)
			seq.Sequence(hashN(1), zmqpub.BlockDisconnect)
			seq.Sequence(hashN(3), zmqpub.BlockConnect)
			blocks.HashBlock(hashN(3))

			var got []Event
			for range want {
				got = append(got, nextEvent(t, s))
			}
			if shared {
				if !slices.Equal(got, want) {
					t.Fatalf("events\n%+v\nwant\n%+v", got, want)
				}
			} else {
				// Two connections keep order per topic only.
				byTopic := func(evs []Event, block bool) []Event {
					return slices.DeleteFunc(slices.Clone(evs), func(e Event) bool { return (e.Kind == BlockHash) != block })
				}
				for _, b := range []bool{true, false} {
					if g, w := byTopic(got, b), byTopic(want, b); !slices.Equal(g, w) {
						t.Fatalf("events\n%+v\nwant\n%+v", g, w)
					}
				}
			}
			noEvent(t, s)
			st := s.Stats()
			links := map[bool]uint64{true: 1, false: 2}[shared]
			if st.Messages.Load() != 7 || st.Connects.Load() != links || st.Reconnects.Load() != 0 ||
				st.Gaps.Load() != 0 || st.Missed.Load() != 0 || st.Malformed.Load() != 0 || takeMissed(s) {
				t.Fatalf("stats: messages %d connects %d reconnects %d gaps %d missed %d malformed %d",
					st.Messages.Load(), st.Connects.Load(), st.Reconnects.Load(), st.Gaps.Load(), st.Missed.Load(), st.Malformed.Load())
			}
		})
	}
}

// TestGaps drops messages at the publisher, as a full send queue does, and
// expects gaps with the number of messages each skipped.
func TestGaps(t *testing.T) {
	type burst struct {
		drop, send int
	}
	tests := []struct {
		name     string
		bursts   []burst
		gaps     uint64
		lost     uint64
		received int
	}{
		{"no drop", []burst{{0, 4}}, 0, 0, 4},
		{"three dropped", []burst{{3, 5}}, 1, 3, 2},
		{"two gaps", []burst{{1, 3}, {4, 6}}, 2, 5, 4},
		{"everything after baseline dropped then one", []burst{{10, 11}}, 1, 10, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pub := zmqpub.Start(t, "127.0.0.1:0")
			cfg := testConfig(t)
			cfg.Sequence = pub.Endpoint()
			s := start(t, cfg)
			pub.WaitSubscribers(zmqpub.TopicSequence, 1, waitTimeout)
			// The first message sets the baseline counter.
			pub.Sequence(hashN(0), zmqpub.BlockConnect)
			if ev := nextEvent(t, s); ev.Counter != 0 {
				t.Fatalf("baseline %+v", ev)
			}
			var wantCounters []uint32
			n := uint32(1)
			for _, b := range tc.bursts {
				pub.DropNext(b.drop)
				for i := range b.send {
					if c := pub.Sequence(hashN(byte(n)), zmqpub.BlockConnect); i >= b.drop {
						wantCounters = append(wantCounters, c)
					}
					n++
				}
			}
			var got []uint32
			for range tc.received {
				ev := nextEvent(t, s)
				if ev.Hash != hashN(byte(ev.Counter)) {
					t.Fatalf("event %+v carries another message's hash", ev)
				}
				got = append(got, ev.Counter)
			}
			if !slices.Equal(got, wantCounters) {
				t.Fatalf("counters %v, want %v", got, wantCounters)
			}
			st := s.Stats()
			waitFor(t, "gap accounting", func() bool { return st.Messages.Load() == uint64(1+tc.received) })
			if st.Gaps.Load() != tc.gaps || st.Lost.Load() != tc.lost || st.Missed.Load() != tc.gaps {
				t.Fatalf("gaps %d lost %d missed %d, want %d %d %d", st.Gaps.Load(), st.Lost.Load(), st.Missed.Load(), tc.gaps, tc.lost, tc.gaps)
			}
			if takeMissed(s) != (tc.gaps > 0) {
				t.Fatal("Missed token does not match the gaps")
			}
		})
	}
}

// TestSilence stops the publisher's messages without closing anything,
// like a connection that died unnoticed: the Subscriber must raise Missed,
// redial, and count what the silence swallowed once messages flow again.
func TestSilence(t *testing.T) {
	pub := zmqpub.Start(t, "127.0.0.1:0")
	cfg := testConfig(t)
	cfg.HashBlock = pub.Endpoint()
	cfg.Silence = 300 * time.Millisecond
	s := start(t, cfg)
	pub.WaitSubscribers(zmqpub.TopicHashBlock, 1, waitTimeout)
	pub.HashBlock(hashN(0))
	nextEvent(t, s)

	pub.SetSilent(true)
	pub.HashBlock(hashN(1))
	pub.HashBlock(hashN(2))
	st := s.Stats()
	waitFor(t, "silence", func() bool { return st.Silences.Load() >= 1 })
	if !takeMissed(s) {
		t.Fatal("silence raised no Missed")
	}
	waitFor(t, "redial after silence", func() bool { return st.Reconnects.Load() >= 1 })

	pub.SetSilent(false)
	pub.WaitSubscribers(zmqpub.TopicHashBlock, 1, waitTimeout)
	pub.HashBlock(hashN(3))
	if ev := nextEvent(t, s); ev.Hash != hashN(3) || ev.Counter != 3 {
		t.Fatalf("after silence: %+v", ev)
	}
	if st.Gaps.Load() != 1 || st.Lost.Load() != 2 {
		t.Fatalf("gaps %d lost %d, want 1 and 2", st.Gaps.Load(), st.Lost.Load())
	}
	if st.Disconnects.Load() != 0 {
		t.Fatalf("silence counted as %d disconnects", st.Disconnects.Load())
	}
}

// TestReconnect takes the publisher away in the ways bitcoind can go away
// and expects the Subscriber to come back, say so, and resume delivery.
func TestReconnect(t *testing.T) {
	tests := []struct {
		name string
		// cut takes the publisher away and returns how many messages it
		// published meanwhile; bring brings it back.
		cut   func(p *zmqpub.Publisher) int
		bring func(t *testing.T, p *zmqpub.Publisher)
		// next is the counter of the first message after the return.
		next                uint32
		gaps, lost, resets  uint64
		dialFailuresAtLeast uint64
		waitForDialFailures bool
	}{
		{
			name: "network blip",
			cut: func(p *zmqpub.Publisher) int {
				p.Disconnect()
				p.HashBlock(hashN(1))
				p.HashBlock(hashN(2))
				return 2
			},
			bring: func(*testing.T, *zmqpub.Publisher) {},
			next:  3, gaps: 1, lost: 2,
		},
		{
			name:  "bitcoind restart",
			cut:   func(p *zmqpub.Publisher) int { return 0 },
			bring: func(t *testing.T, p *zmqpub.Publisher) { restart(t, p) },
			next:  0, resets: 1,
		},
		{
			name: "bitcoind down for a while",
			cut: func(p *zmqpub.Publisher) int {
				p.Close()
				return 0
			},
			bring:               func(t *testing.T, p *zmqpub.Publisher) { restart(t, p) },
			next:                0,
			resets:              1,
			dialFailuresAtLeast: 3,
			waitForDialFailures: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pub := zmqpub.Start(t, "127.0.0.1:0")
			cfg := testConfig(t)
			cfg.HashBlock = pub.Endpoint()
			cfg.BackoffMin = 50 * time.Millisecond
			s := start(t, cfg)
			pub.WaitSubscribers(zmqpub.TopicHashBlock, 1, waitTimeout)
			pub.HashBlock(hashN(0))
			nextEvent(t, s)
			st := s.Stats()

			tc.cut(pub)
			if tc.waitForDialFailures {
				waitFor(t, "failed dials", func() bool { return st.DialFailures.Load() >= tc.dialFailuresAtLeast })
			}
			tc.bring(t, pub)
			waitFor(t, "reconnect", func() bool { return st.Reconnects.Load() == 1 })
			pub.WaitSubscribers(zmqpub.TopicHashBlock, 1, waitTimeout)
			if !takeMissed(s) {
				t.Fatal("reconnect raised no Missed")
			}
			pub.HashBlock(hashN(9))
			if ev := nextEvent(t, s); ev.Hash != hashN(9) || ev.Counter != tc.next {
				t.Fatalf("after reconnect: %+v, want counter %d", ev, tc.next)
			}
			if st.Disconnects.Load() != 1 || st.Connects.Load() != 2 || st.Gaps.Load() != tc.gaps ||
				st.Lost.Load() != tc.lost || st.Resets.Load() != tc.resets {
				t.Fatalf("disconnects %d connects %d gaps %d lost %d resets %d", st.Disconnects.Load(),
					st.Connects.Load(), st.Gaps.Load(), st.Lost.Load(), st.Resets.Load())
			}
			if !tc.waitForDialFailures && st.DialFailures.Load() != 0 {
				t.Fatalf("%d dial failures", st.DialFailures.Load())
			}
		})
	}
}

func restart(t *testing.T, p *zmqpub.Publisher) {
	t.Helper()
	if err := p.Restart(); err != nil {
		t.Fatal(err)
	}
}

// TestMalformed sends messages bitcoind would never send and expects each
// to be counted and skipped while the well-formed ones around it arrive.
func TestMalformed(t *testing.T) {
	t.Run("bitcoind-shaped publisher", func(t *testing.T) {
		pub := zmqpub.Start(t, "127.0.0.1:0")
		cfg := testConfig(t)
		cfg.HashBlock, cfg.Sequence = pub.Endpoint(), pub.Endpoint()
		s := start(t, cfg)
		pub.WaitSubscribers(zmqpub.TopicSequence, 1, waitTimeout)
		pub.WaitSubscribers(zmqpub.TopicHashBlock, 1, waitTimeout)
		pub.Publish(zmqpub.TopicHashBlock, []byte{1, 2, 3})                 // short body
		pub.Sequence(hashN(1), 'X')                                         // unknown label
		pub.Publish(zmqpub.TopicSequence, append(wireOrder(hashN(1)), 'A')) // A without mempool sequence
		pub.HashBlock(hashN(2))
		pub.Sequence(hashN(2), zmqpub.BlockConnect)
		if ev := nextEvent(t, s); ev.Kind != BlockHash || ev.Hash != hashN(2) || ev.Counter != 1 {
			t.Fatalf("first good event %+v", ev)
		}
		if ev := nextEvent(t, s); ev.Kind != BlockConnected || ev.Counter != 2 {
			t.Fatalf("second good event %+v", ev)
		}
		st := s.Stats()
		// Malformed bodies still carried sound counters: no gap follows.
		if st.Malformed.Load() != 3 || st.Messages.Load() != 2 || st.Gaps.Load() != 0 || !takeMissed(s) {
			t.Fatalf("malformed %d messages %d gaps %d", st.Malformed.Load(), st.Messages.Load(), st.Gaps.Load())
		}
	})
	t.Run("raw frames", func(t *testing.T) {
		pub := startRawPub(t, "tcp", "127.0.0.1:0")
		cfg := testConfig(t)
		cfg.HashBlock = pub.endpoint()
		s := start(t, cfg)
		pub.waitSubs(1)
		h := hashN(5)
		good := func(c uint32) [][]byte { return [][]byte{[]byte("hashblock"), wireOrder(h), le32(c)} }
		pub.send([]byte("hashblock"))
		pub.send([]byte("hashblock"), wireOrder(h))
		pub.send(append(good(0), []byte("extra"))...)
		pub.send([]byte("hashblock"), wireOrder(h), []byte{0, 0})
		pub.send([]byte("rawblock"), make([]byte, 100), le32(0))
		pub.send(good(0)...)
		if ev := nextEvent(t, s); ev.Hash != h || ev.Counter != 0 {
			t.Fatalf("good event %+v", ev)
		}
		st := s.Stats()
		if st.Malformed.Load() != 5 || st.Messages.Load() != 1 {
			t.Fatalf("malformed %d messages %d", st.Malformed.Load(), st.Messages.Load())
		}

		// A frame size zmq4 would try to allocate ends the connection;
		// the Subscriber redials and carries on.
		pub.sendRaw(longHeader(0, 1<<40))
		waitFor(t, "disconnect", func() bool { return st.Disconnects.Load() == 1 })
		waitFor(t, "reconnect", func() bool { return st.Reconnects.Load() == 1 })
		pub.waitSubs(2)
		pub.send(good(1)...)
		if ev := nextEvent(t, s); ev.Counter != 1 {
			t.Fatalf("after oversize frame: %+v", ev)
		}
	})
}

// TestOverflow never reads Events and expects the surplus to be dropped,
// counted and signalled, never to block the reader.
func TestOverflow(t *testing.T) {
	pub := zmqpub.Start(t, "127.0.0.1:0")
	cfg := testConfig(t)
	cfg.HashBlock = pub.Endpoint()
	cfg.EventBuffer = 2
	s := start(t, cfg)
	pub.WaitSubscribers(zmqpub.TopicHashBlock, 1, waitTimeout)
	for i := range 5 {
		pub.HashBlock(hashN(byte(i)))
	}
	st := s.Stats()
	waitFor(t, "five messages", func() bool { return st.Messages.Load() == 5 })
	if st.Overflows.Load() != 3 || !takeMissed(s) {
		t.Fatalf("overflows %d", st.Overflows.Load())
	}
	for i := range 2 {
		if ev := nextEvent(t, s); ev.Hash != hashN(byte(i)) {
			t.Fatalf("kept event %d: %+v", i, ev)
		}
	}
	noEvent(t, s)
}

// TestShutdownDuringHandshake points the Subscriber at a server that
// accepts and never speaks; cancelling must still end Run at once.
func TestShutdownDuringHandshake(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			accepted <- c
		}
	}()
	cfg := testConfig(t)
	cfg.HashBlock = "tcp://" + ln.Addr().String()
	cfg.DialTimeout = time.Hour
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var c net.Conn
	select {
	case c = <-accepted:
		defer c.Close()
	case <-time.After(waitTimeout):
		t.Fatal("no connection attempt")
	}
	time.Sleep(50 * time.Millisecond) // let the handshake block on its read
	began := time.Now()
	cancel()
	select {
	case <-done:
	case <-time.After(waitTimeout):
		t.Fatal("Run stuck in the handshake")
	}
	if d := time.Since(began); d > time.Second {
		t.Fatalf("shutdown took %v", d)
	}
	if s.Stats().Connects.Load() != 0 {
		t.Fatal("a silent server counted as connected")
	}
	checkNoLeaks(t)
}

// TestIPC subscribes over a Unix socket, bitcoind's ipc:// endpoints.
func TestIPC(t *testing.T) {
	pub := startRawPub(t, "unix", filepath.Join(t.TempDir(), "zmq.sock"))
	cfg := testConfig(t)
	cfg.Sequence = pub.endpoint()
	s := start(t, cfg)
	pub.waitSubs(1)
	pub.send([]byte("sequence"), append(wireOrder(hashN(4)), 'C'), le32(12))
	if ev := nextEvent(t, s); ev.Kind != BlockConnected || ev.Hash != hashN(4) || ev.Counter != 12 {
		t.Fatalf("event %+v", ev)
	}
}

// TestRunOnce checks that a second Run is refused while the first runs.
func TestRunOnce(t *testing.T) {
	pub := zmqpub.Start(t, "127.0.0.1:0")
	cfg := testConfig(t)
	cfg.HashBlock = pub.Endpoint()
	s := start(t, cfg)
	pub.WaitSubscribers(zmqpub.TopicHashBlock, 1, waitTimeout) // the first Run is under way
	ctx, cancel := context.WithTimeout(t.Context(), waitTimeout)
	defer cancel()
	if err := s.Run(ctx); err == nil {
		t.Fatal("second Run accepted")
	}
}
