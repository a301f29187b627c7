package blockscan

import "encoding/binary"

// Smallest serialized sizes, used to refuse a count before looping over
// it: a count that could not fit in the bytes left is refused as wire would
// refuse it after running out of input, only sooner.
const (
	minTxSize      = 10 // version, empty input and output counts, lock time
	minTxInSize    = 41 // outpoint, empty script length, sequence
	minTxOutSize   = 9  // value, empty script length
	minWitnessItem = 1  // empty item's length byte
)

// cursor walks a block with bounds-checked index arithmetic. tx is the
// index of the transaction being read, for error reports.
type cursor struct {
	b   []byte
	pos int
	tx  int
}

func (c *cursor) failAt(off int, err error) error {
	return &Error{Offset: off, Tx: c.tx, Err: err}
}

func (c *cursor) left() int { return len(c.b) - c.pos }

// skip advances n bytes. n is unsigned so a length read from the block is
// compared before any conversion can overflow.
func (c *cursor) skip(n uint64) error {
	if n > uint64(c.left()) {
		return c.failAt(c.pos, ErrTruncated)
	}
	c.pos += int(n)
	return nil
}

// byte1 reads one byte.
func (c *cursor) byte1() (byte, error) {
	if c.pos >= len(c.b) {
		return 0, c.failAt(c.pos, ErrTruncated)
	}
	v := c.b[c.pos]
	c.pos++
	return v, nil
}

// varint reads a compact size and, like wire.ReadVarInt, refuses an
// encoding longer than the value needs.
func (c *cursor) varint() (uint64, error) {
	start := c.pos
	d, err := c.byte1()
	if err != nil {
		return 0, err
	}
	var width int
	var least uint64
	switch d {
	case 0xfd:
		width, least = 2, 0xfd
	case 0xfe:
		width, least = 4, 0x10000
	case 0xff:
		width, least = 8, 0x100000000
	default:
		return uint64(d), nil
	}
	if c.left() < width {
		return 0, c.failAt(start, ErrTruncated)
	}
	var v uint64
	switch width {
	case 2:
		v = uint64(binary.LittleEndian.Uint16(c.b[c.pos:]))
	case 4:
		v = uint64(binary.LittleEndian.Uint32(c.b[c.pos:]))
	default:
		v = binary.LittleEndian.Uint64(c.b[c.pos:])
	}
	c.pos += width
	if v < least {
		return 0, c.failAt(start, ErrNonCanonical)
	}
	return v, nil
}

// count reads a compact size that announces n items of at least minSize
// bytes each, refusing it when they cannot all fit.
func (c *cursor) count(minSize uint64) (uint64, error) {
	start := c.pos
	n, err := c.varint()
	if err != nil {
		return 0, err
	}
	if n > uint64(c.left())/minSize {
		return 0, c.failAt(start, ErrTooMany)
	}
	return n, nil
}

// bytes reads a length-prefixed byte string (a script or witness item)
// and returns it as a slice of the block.
// A string that runs past the end is reported at its length prefix.
func (c *cursor) bytes() ([]byte, error) {
	field := c.pos
	n, err := c.varint()
	if err != nil {
		return nil, err
	}
	if n > uint64(c.left()) {
		return nil, c.failAt(field, ErrTruncated)
	}
	start := c.pos
	c.pos += int(n)
	return c.b[start:c.pos], nil
}
