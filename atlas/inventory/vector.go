package inventory

import (
	"encoding/binary"
	"errors"
	"iter"
	"math"
	"math/bits"
)

// MaxBits bounds a vector's length: 2^31-1 slots (256 MiB of bits), far
// beyond the few hundred thousand zonefiles BNS v1 ever announced, small
// enough that a bad length cannot exhaust memory, and indexable by int32.
const MaxBits = math.MaxInt32

// ErrRange reports a bit length or index outside [0, MaxBits].
var ErrRange = errors.New("inventory: length out of range")

// Vector is an inventory bit vector in the v1 layout: bit i is bit 7-(i%8) of
// byte i/8, so slot 1 is the leftmost bit of the first byte, and a set bit
// means the zonefile is present. The vector has an exact length in bits; the
// unused low bits of its last byte are always zero, which is what v1 serves.
//
// The zero Vector is empty and ready to use. A Vector is not safe for
// concurrent use.
type Vector struct {
	b []byte
	n int
}

// FromBytes returns a vector holding a copy of b, 8·len(b) bits long: the
// form in which a peer's inventory arrives (whole bytes, length unknown).
func FromBytes(b []byte) *Vector {
	return &Vector{b: append([]byte(nil), b...), n: 8 * len(b)}
}

// Len returns the length in bits.
func (v *Vector) Len() int { return v.n }

// Clone returns an independent copy of v.
func (v *Vector) Clone() *Vector {
	return &Vector{b: append([]byte(nil), v.b...), n: v.n}
}

// Resize sets the length to n bits. Growing appends clear bits; shrinking
// drops the bits at n and beyond (a reorg rollback) and zeroes the padding
// they leave in the last byte, so a later grow starts clean.
func (v *Vector) Resize(n int) error {
	if n < 0 || n > MaxBits {
		return ErrRange
	}
	nb := (n + 7) / 8
	if nb <= len(v.b) {
		v.b = v.b[:nb]
	} else {
		old := len(v.b)
		if nb <= cap(v.b) {
			v.b = v.b[:nb]
			clear(v.b[old:])
		} else {
			v.b = append(v.b, make([]byte, nb-old)...)
		}
	}
	if r := n % 8; r != 0 {
		v.b[nb-1] &= 0xff << (8 - r)
	}
	v.n = n
	return nil
}

// Set sets bit i. It reports false, changing nothing, if i is not below Len.
func (v *Vector) Set(i int) bool {
	if i < 0 || i >= v.n {
		return false
	}
	v.b[i>>3] |= 0x80 >> (i & 7)
	return true
}

// Clear clears bit i. It reports false, changing nothing, if i is not below
// Len.
func (v *Vector) Clear(i int) bool {
	if i < 0 || i >= v.n {
		return false
	}
	v.b[i>>3] &^= 0x80 >> (i & 7)
	return true
}

// Test reports whether bit i is set. Bits beyond the end read as clear, as in
// v1, which pads a short vector with zero bytes before testing.
func (v *Vector) Test(i int) bool {
	if i < 0 || i >= v.n {
		return false
	}
	return v.b[i>>3]&(0x80>>(i&7)) != 0
}

// Count returns the number of set bits.
func (v *Vector) Count() int {
	c, b := 0, v.b
	for len(b) >= 8 {
		c += bits.OnesCount64(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	for _, x := range b {
		c += bits.OnesCount8(x)
	}
	return c
}

// Bytes returns a copy of the whole vector, ceil(Len/8) bytes.
func (v *Vector) Bytes() []byte { return append([]byte(nil), v.b...) }

// Slice returns a copy of the bytes get_zonefile_inventory(offset, length)
// serves in v1: offset and length count bytes, not bits; the result stops at
// the end of the vector and is empty when offset is at or past it. Negative
// arguments, which the v1 server refuses before slicing, give nil.
func (v *Vector) Slice(offset, length int) []byte {
	if offset < 0 || length < 0 || offset >= len(v.b) {
		return nil
	}
	end := len(v.b)
	if length < end-offset {
		end = offset + length
	}
	if end == offset {
		return nil
	}
	return append([]byte(nil), v.b[offset:end]...)
}

// Missing yields the indexes of the clear bits below Len, in ascending order:
// the slots still to fetch.
func (v *Vector) Missing() iter.Seq[int] {
	return func(yield func(int) bool) {
		for bi, x := range v.b {
			if x == 0xff {
				continue
			}
			for j := range 8 {
				i := bi*8 + j
				if i >= v.n {
					return
				}
				if x&(0x80>>j) == 0 && !yield(i) {
					return
				}
			}
		}
	}
}

// CountLacking returns how many bits are set in other but clear in v: how
// many of our missing slots a peer with inventory other could supply (v1's
// atlas_inventory_count_missing(v, other)). Bits of other beyond v's end
// count in full.
func (v *Vector) CountLacking(other *Vector) int {
	c := 0
	for i, x := range other.b {
		var mine byte
		if i < len(v.b) {
			mine = v.b[i]
		}
		c += bits.OnesCount8(x &^ mine)
	}
	return c
}
