package inventory

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

// vectorOf returns a vector of n bits with the given bits set.
func vectorOf(t *testing.T, n int, set ...int) *Vector {
	t.Helper()
	var v Vector
	if err := v.Resize(n); err != nil {
		t.Fatal(err)
	}
	for _, i := range set {
		if !v.Set(i) {
			t.Fatalf("Set(%d) on %d bits failed", i, n)
		}
	}
	return &v
}

// TestVectorLayout checks the MSB-first layout of spec §3.4: bit 0 is the
// leftmost bit of byte 0, and the vector is ceil(n/8) bytes.
func TestVectorLayout(t *testing.T) {
	tests := []struct {
		name string
		n    int
		set  []int
		want []byte
	}{
		{"empty", 0, nil, nil},
		{"one clear bit", 1, nil, []byte{0x00}},
		{"bit 0 is the top bit", 1, []int{0}, []byte{0x80}},
		{"bit 7 is the low bit", 8, []int{7}, []byte{0x01}},
		{"bit 8 starts byte 1", 9, []int{8}, []byte{0x00, 0x80}},
		{"all of 12", 12, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, []byte{0xff, 0xf0}},
		{"alternate", 10, []int{0, 2, 4, 6, 8}, []byte{0xaa, 0x80}},
		{"last of 17", 17, []int{16}, []byte{0, 0, 0x80}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := vectorOf(t, tc.n, tc.set...)
			if got := v.Bytes(); !bytes.Equal(got, tc.want) {
				t.Errorf("bytes %x, want %x", got, tc.want)
			}
			if v.Len() != tc.n || v.Count() != len(tc.set) {
				t.Errorf("Len %d Count %d, want %d and %d", v.Len(), v.Count(), tc.n, len(tc.set))
			}
			for i := -1; i <= tc.n+8; i++ {
				if got, want := v.Test(i), slices.Contains(tc.set, i); got != want {
					t.Errorf("Test(%d) = %v, want %v", i, got, want)
				}
			}
		})
	}
}

func TestVectorSetClearBounds(t *testing.T) {
	v := vectorOf(t, 10)
	tests := []struct {
		name string
		op   func(int) bool
		i    int
		ok   bool
	}{
		{"set first", v.Set, 0, true},
		{"set last", v.Set, 9, true},
		{"set past end", v.Set, 10, false},
		{"set negative", v.Set, -1, false},
		{"clear first", v.Clear, 0, true},
		{"clear past end", v.Clear, 16, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.op(tc.i); got != tc.ok {
				t.Errorf("got %v, want %v", got, tc.ok)
			}
		})
	}
	if got := v.Bytes(); !bytes.Equal(got, []byte{0x00, 0x40}) || v.Len() != 10 {
		t.Errorf("after ops: %x len %d, want 0040 len 10", got, v.Len())
	}
}

func TestVectorResize(t *testing.T) {
	tests := []struct {
		name  string
		start int
		set   []int
		sizes []int
		want  []byte
	}{
		{"grow keeps bits", 3, []int{0, 2}, []int{20}, []byte{0xa0, 0, 0}},
		{"shrink clears padding", 16, []int{0, 5, 6, 15}, []int{6}, []byte{0x84}},
		{"shrink then grow starts clean", 16, []int{0, 5, 6, 15}, []int{6, 16}, []byte{0x84, 0x00}},
		{"shrink to byte boundary", 16, []int{7, 8}, []int{8, 16}, []byte{0x01, 0x00}},
		{"to zero and back", 9, []int{0, 8}, []int{0, 9}, []byte{0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := vectorOf(t, tc.start, tc.set...)
			for _, n := range tc.sizes {
				if err := v.Resize(n); err != nil {
					t.Fatal(err)
				}
			}
			if got := v.Bytes(); !bytes.Equal(got, tc.want) {
				t.Errorf("bytes %x, want %x", got, tc.want)
			}
			if v.Len() != tc.sizes[len(tc.sizes)-1] {
				t.Errorf("Len %d", v.Len())
			}
		})
	}
	var v Vector
	over := MaxBits
	over++ // wraps negative where int is 32 bits: refused all the same
	for _, n := range []int{-1, over} {
		if err := v.Resize(n); !errors.Is(err, ErrRange) {
			t.Errorf("Resize(%d) = %v, want ErrRange", n, err)
		}
	}
}

// TestVectorSlice pins get_zonefile_inventory's byte-range rules (spec §3.4):
// offset and length in bytes, clipped at the end, empty at or past it.
func TestVectorSlice(t *testing.T) {
	v := FromBytes([]byte{0x01, 0x02, 0x03, 0x04, 0x05})
	tests := []struct {
		name           string
		offset, length int
		want           []byte
	}{
		{"whole with v1's max length", 0, 524288, []byte{1, 2, 3, 4, 5}},
		{"exact", 0, 5, []byte{1, 2, 3, 4, 5}},
		{"prefix", 0, 2, []byte{1, 2}},
		{"middle", 1, 3, []byte{2, 3, 4}},
		{"clipped", 3, 100, []byte{4, 5}},
		{"last byte", 4, 1, []byte{5}},
		{"at end", 5, 10, nil},
		{"past end", 99, 10, nil},
		{"zero length", 2, 0, nil},
		{"negative offset", -1, 3, nil},
		{"negative length", 1, -1, nil},
		{"huge length does not overflow", 2, int(^uint(0) >> 1), []byte{3, 4, 5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := v.Slice(tc.offset, tc.length)
			if !bytes.Equal(got, tc.want) {
				t.Errorf("Slice(%d, %d) = %x, want %x", tc.offset, tc.length, got, tc.want)
			}
			if len(got) > 0 {
				got[0] ^= 0xff
				if again := v.Slice(tc.offset, tc.length); !bytes.Equal(again, tc.want) {
					t.Error("Slice shares memory with the vector")
				}
			}
		})
	}
}

func TestVectorMissing(t *testing.T) {
	tests := []struct {
		name string
		n    int
		set  []int
		want []int
	}{
		{"empty", 0, nil, nil},
		{"all missing", 5, nil, []int{0, 1, 2, 3, 4}},
		{"none missing", 8, []int{0, 1, 2, 3, 4, 5, 6, 7}, nil},
		{"padding is not missing", 10, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}, []int{9}},
		{"skips full bytes", 24, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20, 21, 22, 23}, []int{17}},
		{"scattered", 12, []int{1, 3, 11}, []int{0, 2, 4, 5, 6, 7, 8, 9, 10}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := vectorOf(t, tc.n, tc.set...)
			got := slices.Collect(v.Missing())
			if !slices.Equal(got, tc.want) {
				t.Errorf("Missing = %v, want %v", got, tc.want)
			}
			if len(got)+v.Count() != v.Len() {
				t.Errorf("missing %d + present %d != %d", len(got), v.Count(), v.Len())
			}
		})
	}
	v := vectorOf(t, 100)
	var first []int
	for i := range v.Missing() {
		if first = append(first, i); len(first) == 3 {
			break
		}
	}
	if !slices.Equal(first, []int{0, 1, 2}) {
		t.Errorf("early stop: %v", first)
	}
}

func TestVectorCount(t *testing.T) {
	tests := []struct {
		b    []byte
		want int
	}{
		{nil, 0},
		{[]byte{0xff}, 8},
		{bytes.Repeat([]byte{0xff}, 17), 136},
		{bytes.Repeat([]byte{0x81}, 9), 18},
		{[]byte{0, 0, 0, 0, 0, 0, 0, 0x10, 0x01}, 2},
	}
	for _, tc := range tests {
		if got := FromBytes(tc.b).Count(); got != tc.want {
			t.Errorf("Count(%x) = %d, want %d", tc.b, got, tc.want)
		}
	}
}

// TestCountLacking mirrors v1's atlas_inventory_count_missing(inv1, inv2):
// bits set in inv2 and clear in inv1, inv2's extra bytes counted in full.
func TestCountLacking(t *testing.T) {
	tests := []struct {
		name       string
		mine, peer []byte
		want       int
	}{
		{"both empty", nil, nil, 0},
		{"peer has all we lack", []byte{0xf0}, []byte{0xff}, 4},
		{"peer has nothing new", []byte{0xff}, []byte{0x0f}, 0},
		{"peer longer", []byte{0x80}, []byte{0xc0, 0x11}, 3},
		{"peer shorter", []byte{0x00, 0xff}, []byte{0x01}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FromBytes(tc.mine).CountLacking(FromBytes(tc.peer)); got != tc.want {
				t.Errorf("got %d, want %d", got, tc.want)
			}
		})
	}
}

func TestFromBytesAndClone(t *testing.T) {
	src := []byte{0x80, 0x01}
	v := FromBytes(src)
	src[0] = 0
	if !v.Test(0) || !v.Test(15) || v.Len() != 16 {
		t.Fatalf("FromBytes did not copy: %x", v.Bytes())
	}
	c := v.Clone()
	c.Clear(0)
	if !v.Test(0) || c.Test(0) {
		t.Error("Clone shares memory")
	}
}

func TestParseHash(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"c5f5b4197c94d4561f6332160f624d728b0da8bf", true},
		{"C5F5B4197C94D4561F6332160F624D728B0DA8BF", false},
		{"c5f5b4197c94d4561f6332160f624d728b0da8b", false},
		{"c5f5b4197c94d4561f6332160f624d728b0da8bf0", false},
		{"g5f5b4197c94d4561f6332160f624d728b0da8bf", false},
		{"", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			h, err := ParseHash(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v", err)
			}
			if tc.ok && h.String() != tc.in {
				t.Errorf("String() = %s", h)
			}
		})
	}
}
