package zmqsub

import (
	"errors"
	"net"
)

// maxFrame bounds the frames a connection accepts. The topics subscribed
// to carry at most 41-byte bodies; the READY command is a few dozen bytes.
const maxFrame = 1 << 20

// maxParts bounds the frames of one message; zmq4 would collect any
// number. bitcoind sends three.
const maxParts = 16

// greetingSize is the fixed length of a ZMTP 3 greeting.
const greetingSize = 64

// Errors that end a connection whose peer would make zmq4 allocate
// without bound.
var (
	errFrameTooLarge = errors.New("zmqsub: peer announced a frame over 1 MiB")
	errTooManyParts  = errors.New("zmqsub: peer sent a message of more than 16 frames")
)

// ZMTP frame flag bits: more frames follow, 8-byte size form.
const (
	flagMore = 0x01
	flagLong = 0x02
)

// guard sits between the socket and zmq4 and follows the ZMTP framing of
// the bytes read through it, so that a frame size over maxFrame, or a
// message of more than maxParts frames, fails the read before zmq4 (which
// allocates whatever a header announces and collects frames without limit)
// has all of the offending header. It is used by one reading goroutine at a
// time.
type guard struct {
	net.Conn
	greeting int    // greeting bytes still to pass
	sizeLeft int    // size bytes still to read in the current header, 0 when none
	size     uint64 // size accumulated so far
	body     uint64 // body bytes still to pass
	parts    int    // frames seen so far in the current message
	err      error
}

func newGuard(c net.Conn) *guard { return &guard{Conn: c, greeting: greetingSize} }

// Read implements net.Conn, withholding everything from the byte that
// completes an oversized frame size on.
func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.Conn.Read(p)
	for i := 0; i < n; {
		switch {
		case g.greeting > 0:
			step := min(g.greeting, n-i)
			g.greeting -= step
			i += step
		case g.body > 0:
			step := min(g.body, uint64(n-i))
			g.body -= step
			i += int(step)
		case g.sizeLeft > 0:
			g.size = g.size<<8 | uint64(p[i])
			g.sizeLeft--
			if g.sizeLeft == 0 {
				if g.size > maxFrame {
					g.err = errFrameTooLarge
					return i, g.err
				}
				g.body = g.size
			}
			i++
		default: // a flag byte starts the next frame
			if g.parts++; p[i]&flagMore == 0 {
				g.parts = 0
			} else if g.parts >= maxParts {
				g.err = errTooManyParts
				return i, g.err
			}
			g.size = 0
			g.sizeLeft = 1
			if p[i]&flagLong != 0 {
				g.sizeLeft = 8
			}
			i++
		}
	}
	return n, err
}
