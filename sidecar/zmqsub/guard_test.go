package zmqsub

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"testing"
)

// chunkConn serves data in reads of at most chunk bytes.
type chunkConn struct {
	net.Conn // nil: only Read is used
	data     []byte
	chunk    int
}

func (c *chunkConn) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.chunk)], c.data)
	c.data = c.data[n:]
	return n, nil
}

// zframe encodes one ZMTP frame with the given flags and body, in the
// short or long size form as ZMTP requires.
func zframe(flags byte, body []byte) []byte {
	if len(body) > 255 {
		return append(binary.BigEndian.AppendUint64([]byte{flags | flagLong}, uint64(len(body))), body...)
	}
	return append([]byte{flags, byte(len(body))}, body...)
}

// longHeader announces a long frame of size bytes without its body.
func longHeader(flags byte, size uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{flags | flagLong}, size)
}

func TestGuard(t *testing.T) {
	greeting := bytes.Repeat([]byte{0xff}, greetingSize) // content is not the guard's business
	ready := zframe(0x04, []byte("\x05READY\x0bSocket-Type\x00\x00\x00\x03PUB"))
	notification := bytes.Join([][]byte{
		zframe(flagMore, []byte("hashblock")), zframe(flagMore, make([]byte, 32)), zframe(0, []byte{1, 0, 0, 0}),
	}, nil)
	sixteen := bytes.Repeat(zframe(flagMore, []byte("x")), 15)
	sixteen = append(sixteen, zframe(0, []byte("x"))...)
	tests := []struct {
		name string
		data []byte
		err  error
		// cut is the stream offset of the byte that must not be delivered
		// when err is set.
		cut int
	}{
		{"handshake and notifications", bytes.Join([][]byte{greeting, ready, notification, notification}, nil), nil, 0},
		{"greeting bytes look like a long flag", bytes.Join([][]byte{bytes.Repeat([]byte{0x02}, greetingSize), notification}, nil), nil, 0},
		{"long frame at the limit", bytes.Join([][]byte{greeting, zframe(0, make([]byte, maxFrame)), notification}, nil), nil, 0},
		{"sixteen frames", bytes.Join([][]byte{greeting, sixteen, notification}, nil), nil, 0},
		{"long frame over the limit", bytes.Join([][]byte{greeting, ready, longHeader(0, maxFrame+1), make([]byte, 10)}, nil),
			errFrameTooLarge, greetingSize + len(ready) + 8},
		{"size of 2^63", bytes.Join([][]byte{greeting, notification, longHeader(flagMore, 1<<63)}, nil),
			errFrameTooLarge, greetingSize + len(notification) + 8},
		{"seventeen frames", bytes.Join([][]byte{greeting, sixteen[:len(sixteen)-3], zframe(flagMore, []byte("x")), zframe(0, nil)}, nil),
			errTooManyParts, greetingSize + len(sixteen) - 3},
	}
	for _, tc := range tests {
		for _, chunk := range []int{1, 2, 3, 7, 64, 4096, 1 << 21} {
			t.Run(tc.name, func(t *testing.T) {
				g := newGuard(&chunkConn{data: tc.data, chunk: chunk})
				got, err := io.ReadAll(g)
				if !errors.Is(err, tc.err) {
					t.Fatalf("chunk %d: err %v, want %v", chunk, err, tc.err)
				}
				if tc.err == nil {
					if !bytes.Equal(got, tc.data) {
						t.Fatalf("chunk %d: %d of %d bytes passed", chunk, len(got), len(tc.data))
					}
					return
				}
				if len(got) > tc.cut {
					t.Fatalf("chunk %d: %d bytes delivered, the byte at %d completes the bad header", chunk, len(got), tc.cut)
				}
				if _, err := g.Read(make([]byte, 8)); !errors.Is(err, tc.err) {
					t.Fatalf("chunk %d: read after failure: %v", chunk, err)
				}
			})
		}
	}
}
