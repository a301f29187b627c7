package zmqpub

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
)

// ZMTP 3.x framing (rfc.zeromq.org/spec/23 and /37), only what a PUB socket
// with the NULL mechanism needs.
const (
	greetingLen = 64

	flagMore    = 0x01
	flagLong    = 0x02
	flagCommand = 0x04

	// maxInFrame caps frames read from subscribers: they only send
	// subscriptions and commands, which are tiny.
	maxInFrame = 64 << 10
)

// greeting is what libzmq 4.3 (bundled with bitcoind) sends: the signature
// with a padding of 0x01 in its last byte, ZMTP 3.1, the NULL mechanism and
// as-server unset.
func greeting() []byte {
	g := make([]byte, greetingLen)
	g[0], g[8], g[9] = 0xff, 0x01, 0x7f
	g[10], g[11] = 3, 1
	copy(g[12:32], "NULL")
	return g
}

// checkGreeting accepts any ZMTP 3.x peer using NULL security.
func checkGreeting(g []byte) error {
	switch {
	case g[0] != 0xff || g[9] != 0x7f:
		return errors.New("zmqpub: peer greeting has no ZMTP signature")
	case g[10] < 3:
		return fmt.Errorf("zmqpub: peer speaks ZMTP %d.%d, need 3.x", g[10], g[11])
	case string(bytes.TrimRight(g[12:32], "\x00")) != "NULL":
		return fmt.Errorf("zmqpub: peer mechanism %q, need NULL", bytes.TrimRight(g[12:32], "\x00"))
	}
	return nil
}

// appendFrame appends one frame, using the short size form up to 255 bytes
// as libzmq does.
func appendFrame(dst []byte, flags byte, body []byte) []byte {
	if len(body) > 255 {
		dst = append(dst, flags|flagLong)
		dst = binary.BigEndian.AppendUint64(dst, uint64(len(body)))
	} else {
		dst = append(dst, flags, byte(len(body)))
	}
	return append(dst, body...)
}

// appendMessage appends a multipart message: MORE on all frames but the last.
func appendMessage(dst []byte, parts ...[]byte) []byte {
	for i, p := range parts {
		var flags byte
		if i < len(parts)-1 {
			flags = flagMore
		}
		dst = appendFrame(dst, flags, p)
	}
	return dst
}

// command builds a command frame body: name length, name, data.
func command(name string, data []byte) []byte {
	b := append([]byte{byte(len(name))}, name...)
	return append(b, data...)
}

// readyCommand announces the socket type, the one property a PUB sends.
func readyCommand() []byte {
	const key, val = "Socket-Type", "PUB"
	p := append([]byte{byte(len(key))}, key...)
	p = binary.BigEndian.AppendUint32(p, uint32(len(val)))
	p = append(p, val...)
	return appendFrame(nil, flagCommand, command("READY", p))
}

// frame is one frame read from a subscriber.
type frame struct {
	flags byte
	body  []byte
}

func (f frame) command() bool { return f.flags&flagCommand != 0 }
func (f frame) more() bool    { return f.flags&flagMore != 0 }

// readFrame reads one frame, refusing reserved flag bits and bodies over
// maxInFrame so a misbehaving peer cannot make us allocate.
func readFrame(r *bufio.Reader) (frame, error) {
	flags, err := r.ReadByte()
	if err != nil {
		return frame{}, err
	}
	if flags&^(flagMore|flagLong|flagCommand) != 0 {
		return frame{}, fmt.Errorf("zmqpub: reserved frame flags %#x", flags)
	}
	var size uint64
	if flags&flagLong != 0 {
		var b [8]byte
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return frame{}, err
		}
		size = binary.BigEndian.Uint64(b[:])
	} else {
		b, err := r.ReadByte()
		if err != nil {
			return frame{}, err
		}
		size = uint64(b)
	}
	if size > maxInFrame {
		return frame{}, fmt.Errorf("zmqpub: %d-byte frame from subscriber", size)
	}
	body := make([]byte, size)
	if _, err := io.ReadFull(r, body); err != nil {
		return frame{}, err
	}
	return frame{flags: flags &^ flagLong, body: body}, nil
}

// parseCommand splits a command body into its name and data.
func parseCommand(body []byte) (string, []byte, error) {
	if len(body) < 1 || int(body[0]) > len(body)-1 {
		return "", nil, errors.New("zmqpub: malformed command")
	}
	n := int(body[0])
	return string(body[1 : 1+n]), body[1+n:], nil
}

// parseProperties decodes READY metadata: short name, 4-byte length, value.
// Names are case-insensitive in ZMTP, so they are returned lower-cased.
func parseProperties(data []byte) (map[string]string, error) {
	props := make(map[string]string)
	for len(data) > 0 {
		n := int(data[0])
		if len(data) < 1+n+4 {
			return nil, errors.New("zmqpub: malformed READY metadata")
		}
		name := strings.ToLower(string(data[1 : 1+n]))
		data = data[1+n:]
		vlen := binary.BigEndian.Uint32(data)
		data = data[4:]
		if uint64(vlen) > uint64(len(data)) {
			return nil, errors.New("zmqpub: malformed READY metadata")
		}
		props[name] = string(data[:vlen])
		data = data[vlen:]
	}
	return props, nil
}
