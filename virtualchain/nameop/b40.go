package nameop

import (
	"fmt"
	"math/big"
	"strings"
)

// b40Alphabet is b40.py's B40_CHARS; a character's value is its index.
const b40Alphabet = "0123456789abcdefghijklmnopqrstuvwxyz-_.+"

func b40Value(c byte) int { return strings.IndexByte(b40Alphabet, c) }

// B40ToBin mirrors b40.py b40_to_bin: s read as a big-endian base-40 number
// and written out as the fewest big-endian bytes, with 0 as the single byte
// 00. (The reference goes through hex with one '0' added to odd lengths,
// which comes to the same bytes.) Leading '0' characters therefore vanish.
// Any character outside the alphabet is an error, as it raised there.
func B40ToBin(s string) ([]byte, error) {
	n := new(big.Int)
	forty := big.NewInt(40)
	digit := new(big.Int)
	for i := 0; i < len(s); i++ {
		v := b40Value(s[i])
		if v < 0 {
			return nil, fmt.Errorf("nameop: %q is not base-40 at byte %d", s, i)
		}
		n.Mul(n, forty)
		n.Add(n, digit.SetInt64(int64(v)))
	}
	if n.Sign() == 0 {
		return []byte{0}, nil
	}
	return n.Bytes(), nil
}
