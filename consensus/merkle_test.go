package consensus

import (
	"errors"
	"strings"
	"testing"
)

func TestMerkleRoot(t *testing.T) {
	a := "60e4a8a3dc9307ba0cb3d3c982c1a23187df5b9550f3612fe9ba4fac86b645a4"
	b := "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"
	c := "2a9148d8b13939723d2aca16c75c6d68"
	t.Run("one item is its own root", func(t *testing.T) {
		for _, h := range []string{a, c, strings.ToUpper(a)} {
			got, err := MerkleRoot([]string{h})
			if err != nil || got != strings.ToLower(h) {
				t.Errorf("MerkleRoot([%s]) = %s, %v", h, got, err)
			}
		}
	})
	t.Run("odd row repeats its last item", func(t *testing.T) {
		for _, odd := range [][]string{{a, b, c}, {c, a, b, a, c}} {
			even := append(append([]string{}, odd...), odd[len(odd)-1])
			r1, err1 := MerkleRoot(odd)
			r2, err2 := MerkleRoot(even)
			if err1 != nil || err2 != nil || r1 != r2 {
				t.Errorf("root of %d items %s (%v) != root with last doubled %s (%v)", len(odd), r1, err1, r2, err2)
			}
		}
	})
	t.Run("order matters", func(t *testing.T) {
		r1, _ := MerkleRoot([]string{a, b})
		r2, _ := MerkleRoot([]string{b, a})
		if r1 == r2 || len(r1) != 64 {
			t.Errorf("swapped pair gave the same root %s", r1)
		}
	})
	t.Run("case of input does not matter", func(t *testing.T) {
		r1, _ := MerkleRoot([]string{a, c})
		r2, _ := MerkleRoot([]string{strings.ToUpper(a), strings.ToUpper(c)})
		if r1 != r2 {
			t.Errorf("upper-case input changed the root: %s vs %s", r1, r2)
		}
	})
	t.Run("input not modified", func(t *testing.T) {
		in := []string{b, a, c}
		if _, err := MerkleRoot(in); err != nil {
			t.Fatal(err)
		}
		if in[0] != b || in[1] != a || in[2] != c {
			t.Errorf("input reordered: %v", in)
		}
	})

	bad := []struct {
		name string
		in   []string
		want error
	}{
		{"nil", nil, ErrEmptyTree},
		{"empty", []string{}, ErrEmptyTree},
		{"empty item", []string{""}, ErrBadHash},
		{"short", []string{a[:62]}, ErrBadHash},
		{"20 bytes", []string{a[:40]}, ErrBadHash},
		{"33 bytes", []string{a + "00"}, ErrBadHash},
		{"non-hex", []string{a, "g" + c[1:]}, ErrBadHash},
		{"0x prefix", []string{"0x" + c[2:]}, ErrBadHash},
		{"second item bad", []string{c, c + "0"}, ErrBadHash},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MerkleRoot(tc.in)
			if !errors.Is(err, tc.want) || got != "" {
				t.Errorf("MerkleRoot = %q, %v; want %v", got, err, tc.want)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "consensus: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}
