package consensus

import (
	"encoding/hex"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// isLowerHex reports whether s is n lower-case hex chars.
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// FuzzMerkleRoot feeds arbitrary comma-separated items: MerkleRoot must never
// panic, must fail only with its sentinels, and must succeed exactly when
// every item is hex of 16 or 32 bytes.
func FuzzMerkleRoot(f *testing.F) {
	f.Add("5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456")
	f.Add("2a9148d8b13939723d2aca16c75c6d68,13c45c403bf95268873a94785d7b4e85,5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456")
	f.Add("")
	f.Add(",")
	f.Add("zz,2a9148d8b13939723d2aca16c75c6d68")
	f.Fuzz(func(t *testing.T, joined string) {
		var items []string
		if joined != "" {
			items = strings.Split(joined, ",")
		}
		root, err := MerkleRoot(items)
		valid := len(items) > 0
		for _, it := range items {
			if _, derr := hex.DecodeString(it); derr != nil || (len(it) != 32 && len(it) != 64) {
				valid = false
			}
		}
		if valid != (err == nil) {
			t.Fatalf("MerkleRoot(%q): err %v, but input valid=%v", items, err, valid)
		}
		if err != nil {
			if !errors.Is(err, ErrBadHash) && !errors.Is(err, ErrEmptyTree) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if !isLowerHex(root, 32) && !isLowerHex(root, 64) {
			t.Fatalf("root %q is not 16 or 32 bytes of lower-case hex", root)
		}
		if len(items) == 1 && root != strings.ToLower(items[0]) {
			t.Fatalf("one-item root %q != item %q", root, items[0])
		}
	})
}

// FuzzConsensusHash checks that any ops hash and prior list either fail with
// ErrBadHash or give 32 lower-case hex chars, and that the prior list's order
// never matters.
func FuzzConsensusHash(f *testing.F) {
	f.Add("a6f804053a62b88c84e0c1ff04b34da55690362cfa925f0ba542499183c1299d",
		"87d8d3345ba2556ffa47783f400ae179,c4785a77d1793e26666263eb08673a52,1bf92d4a88ca242f1977fa1a0a5b51cf")
	f.Add("5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456", "")
	f.Add("", "")
	f.Add("xyz", "2a9148d8b13939723d2aca16c75c6d68")
	f.Fuzz(func(t *testing.T, opsHash, priorJoined string) {
		var prior []string
		if priorJoined != "" {
			prior = strings.Split(priorJoined, ",")
		}
		ch, err := ConsensusHash(opsHash, prior)
		if err != nil {
			if !errors.Is(err, ErrBadHash) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if !isLowerHex(ch, 32) {
			t.Fatalf("consensus hash %q is not 32 lower-case hex chars", ch)
		}
		rev := make([]string, len(prior))
		for i, p := range prior {
			rev[len(prior)-1-i] = p
		}
		if ch2, err := ConsensusHash(opsHash, rev); err != nil || ch2 != ch {
			t.Fatalf("reversed prior list gave %q, %v; want %q", ch2, err, ch)
		}
	})
}

// FuzzPy2FloatString checks, for any bit pattern, that the text reads back as
// the value rounded to 12 significant digits and has one of the shapes
// CPython 2.7 produces.
func FuzzPy2FloatString(f *testing.F) {
	for _, v := range []float64{0, 6400000, 1e11, 99999999999, 4392895707005, 1e-5, 5e-324} {
		f.Add(math.Float64bits(v))
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		v := math.Float64frombits(bits)
		s := Py2FloatString(v)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return
		}
		if !py2FloatShape.MatchString(s) {
			t.Fatalf("Py2FloatString(%v) = %q has no Python 2 shape", v, s)
		}
		got, err := strconv.ParseFloat(s, 64)
		want, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'e', 11, 64), 64)
		if err != nil || got != want {
			t.Fatalf("Py2FloatString(%v) = %q reads back as %v, want %v", v, s, got, want)
		}
	})
}

// py2FloatShape is fixed notation with a fractional part and at most 11
// integer digits, or exponent notation with one leading digit, a sign and two
// or three exponent digits.
var py2FloatShape = regexp.MustCompile(`^-?([0-9]{1,11}\.[0-9]+|[0-9](\.[0-9]{1,11})?e[+-][0-9]{2,3})$`)
