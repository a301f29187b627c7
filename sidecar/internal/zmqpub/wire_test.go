package zmqpub

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// clientGreeting is a ZMTP greeting written out by hand.
func clientGreeting(major, minor byte, mechanism string) []byte {
	g := make([]byte, 64)
	g[0], g[9], g[10], g[11] = 0xff, 0x7f, major, minor
	copy(g[12:], mechanism)
	return g
}

// readyFrame is a READY command announcing sockType, written out by hand.
func readyFrame(sockType string) []byte {
	body := cat([]byte{5}, []byte("READY"), []byte{11}, []byte("Socket-Type"),
		[]byte{0, 0, 0, byte(len(sockType))}, []byte(sockType))
	return cat([]byte{0x04, byte(len(body))}, body)
}

// rawPeer is a hand-driven TCP peer for checking bytes on the wire.
type rawPeer struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawPeer {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawPeer{t: t, conn: c, r: bufio.NewReader(c)}
}

func (p *rawPeer) send(b ...[]byte) {
	p.t.Helper()
	if _, err := p.conn.Write(cat(b...)); err != nil {
		p.t.Fatal(err)
	}
}

// expect reads len(want) bytes and compares them.
func (p *rawPeer) expect(what string, want []byte) {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(recvTimeout))
	got := make([]byte, len(want))
	if _, err := io.ReadFull(p.r, got); err != nil {
		p.t.Fatalf("%s: %v", what, err)
	}
	if !bytes.Equal(got, want) {
		p.t.Fatalf("%s:\ngot  %x\nwant %x", what, got, want)
	}
}

// TestWire checks the exact bytes a subscriber sees: libzmq's greeting and
// READY, ZMTP 3.0 and 3.1 subscriptions, prefix matching, long frames and
// PING.
func TestWire(t *testing.T) {
	pub := Start(t, "127.0.0.1:0")
	p := dialRaw(t, pub.Addr())
	p.send(clientGreeting(3, 0, "NULL"))
	p.expect("greeting", cat(
		[]byte{0xff, 0, 0, 0, 0, 0, 0, 0, 1, 0x7f, 3, 1},
		[]byte("NULL"), make([]byte, 16), // mechanism, zero padded
		[]byte{0}, make([]byte, 31)), // as-server, filler
	)
	p.send(readyFrame("SUB"))
	p.expect("READY", readyFrame("PUB"))

	h := mustHash(t, genesisHex)
	d := unhex(t, genesisHex)
	raw := bytes.Repeat([]byte{0x42}, 300)
	steps := []struct {
		name  string
		send  []byte // subscription traffic first
		topic string // wait until this topic has a subscriber
		pub   func()
		want  []byte
	}{
		{
			name:  "3.0 subscribe message",
			send:  cat([]byte{0x00, 10, 1}, []byte("hashblock")),
			topic: TopicHashBlock,
			pub:   func() { pub.HashBlock(h) },
			want:  cat([]byte{0x01, 9}, []byte("hashblock"), []byte{0x01, 32}, d, []byte{0x00, 4}, le32(0)),
		},
		{
			name:  "prefix subscription and long frame",
			send:  cat([]byte{0x00, 4, 1}, []byte("raw")),
			topic: TopicRawBlock,
			pub:   func() { pub.RawBlock(raw) },
			want: cat([]byte{0x01, 8}, []byte("rawblock"), []byte{0x03, 0, 0, 0, 0, 0, 0, 0x01, 0x2c}, raw,
				[]byte{0x00, 4}, le32(0)),
		},
		{
			name:  "3.1 SUBSCRIBE command",
			send:  cat([]byte{0x04, 13, 9}, []byte("SUBSCRIBE"), []byte("seq")),
			topic: TopicSequence,
			pub:   func() { pub.Sequence(h, BlockConnect) },
			want:  cat([]byte{0x01, 8}, []byte("sequence"), []byte{0x01, 33}, d, []byte("C"), []byte{0x00, 4}, le32(0)),
		},
		{
			name: "PING gets PONG with its context",
			send: cat([]byte{0x04, 10, 4}, []byte("PING"), []byte{0, 10}, []byte("ctx")),
			want: cat([]byte{0x04, 8, 4}, []byte("PONG"), []byte("ctx")),
		},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			p.t = t
			p.send(st.send)
			if st.topic != "" {
				pub.WaitSubscribers(st.topic, 1, recvTimeout)
			}
			if st.pub != nil {
				st.pub()
			}
			p.expect("message", st.want)
		})
	}
	t.Run("3.1 CANCEL command", func(t *testing.T) {
		p.t = t
		p.send(cat([]byte{0x04, 10, 6}, []byte("CANCEL"), []byte("seq")))
		deadline := time.Now().Add(recvTimeout)
		for pub.Subscribers(TopicSequence) > 0 {
			if time.Now().After(deadline) {
				t.Fatal("CANCEL not applied")
			}
			time.Sleep(time.Millisecond)
		}
		pub.Sequence(h, BlockConnect) // must not arrive
		pub.HashBlock(h)
		p.expect("message after cancel", cat([]byte{0x01, 9}, []byte("hashblock"), []byte{0x01, 32}, d, []byte{0x00, 4}, le32(1)))
	})
}

// TestHandshakeRejects checks peers the publisher must turn away are
// disconnected without ever counting as subscribers.
func TestHandshakeRejects(t *testing.T) {
	tests := []struct {
		name string
		send []byte
	}{
		{"no signature", bytes.Repeat([]byte{0x20}, 64)},
		{"ZMTP 2", clientGreeting(2, 0, "NULL")},
		{"PLAIN mechanism", clientGreeting(3, 0, "PLAIN")},
		{"REQ socket", cat(clientGreeting(3, 0, "NULL"), readyFrame("REQ"))},
		{"PUB socket", cat(clientGreeting(3, 0, "NULL"), readyFrame("PUB"))},
		{"message before READY", cat(clientGreeting(3, 0, "NULL"), []byte{0x00, 10, 1}, []byte("hashblock"))},
		{"reserved flag bits", cat(clientGreeting(3, 0, "NULL"), []byte{0x80, 0})},
		{"oversized frame", cat(clientGreeting(3, 0, "NULL"), []byte{0x06, 0, 0, 0, 0, 0x7f, 0, 0, 0})},
		{"truncated READY metadata", cat(clientGreeting(3, 0, "NULL"), []byte{0x04, 9, 5}, []byte("READY"), []byte{11, 'S', 'o'})},
	}
	pub := Start(t, "127.0.0.1:0")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := dialRaw(t, pub.Addr())
			p.send(tc.send)
			p.conn.SetReadDeadline(time.Now().Add(recvTimeout))
			_, err := io.Copy(io.Discard, p.r) // greeting, maybe READY, then EOF
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal("publisher kept the connection open")
			}
			if n := pub.Subscribers(""); n != 0 {
				t.Fatalf("%d subscribers after a rejected peer", n)
			}
		})
	}
}

// readMessage reads one three-frame message from a raw peer and returns
// its body and counter; ok is false if none arrives within wait.
func (p *rawPeer) readMessage(wait time.Duration) (body []byte, counter uint32, ok bool) {
	p.t.Helper()
	p.conn.SetReadDeadline(time.Now().Add(wait))
	var parts [][]byte
	for more := true; more; {
		f, err := readFrame(p.r)
		if errors.Is(err, os.ErrDeadlineExceeded) && len(parts) == 0 {
			return nil, 0, false
		}
		if err != nil {
			p.t.Fatalf("frame %d: %v", len(parts), err)
		}
		parts = append(parts, f.body)
		more = f.more()
	}
	if len(parts) != 3 || len(parts[2]) != 4 {
		p.t.Fatalf("message with %d frames", len(parts))
	}
	c := parts[2]
	return parts[1], uint32(c[0]) | uint32(c[1])<<8 | uint32(c[2])<<16 | uint32(c[3])<<24, true
}

// TestHighWaterMark stalls a subscriber until its queue overflows: it must
// get an unbroken run of messages, then, once it has caught up, the next
// message with the counter jumped past the dropped ones, as with libzmq.
func TestHighWaterMark(t *testing.T) {
	pub := Start(t, "127.0.0.1:0")
	p := dialRaw(t, pub.Addr())
	p.send(clientGreeting(3, 0, "NULL"), readyFrame("SUB"), []byte{0x00, 9, 1}, []byte("rawblock"))
	p.expect("greeting", greeting())
	p.expect("READY", readyFrame("PUB"))
	pub.WaitSubscribers(TopicRawBlock, 1, recvTimeout)

	// Far more than HWM plus what loopback TCP buffers can hold, sent
	// while the peer is not reading.
	const n = 10 * HWM
	body := bytes.Repeat([]byte{0x17}, 4096)
	for range n {
		pub.RawBlock(body)
	}
	var got uint32
	for {
		b, seq, ok := p.readMessage(300 * time.Millisecond)
		if !ok {
			break // drained
		}
		if seq != got || !bytes.Equal(b, body) {
			t.Fatalf("message counter %d, want %d in an unbroken run", seq, got)
		}
		got++
	}
	if got >= n {
		t.Fatal("nothing was dropped; the test did not overflow the queue")
	}
	if got < HWM {
		t.Fatalf("only %d messages delivered, want at least HWM", got)
	}
	t.Logf("%d of %d delivered before the gap", got, n)
	pub.RawBlock([]byte("after"))
	b, seq, ok := p.readMessage(recvTimeout)
	if !ok || !bytes.Equal(b, []byte("after")) || seq != n {
		t.Fatalf("after catching up got %q counter %d (ok=%v), want \"after\" counter %d", b, seq, ok, n)
	}
}
