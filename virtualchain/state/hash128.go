package state

import (
	"crypto/sha256"
	"encoding/hex"
)

// hash128Matcher tests candidates against one Hash128 value (the first 16
// bytes of SHA-256, as 32 lower-case hex characters) without building a hex
// string per candidate: NAME_UPDATE tries every owned name against every
// recent consensus hash, which made string hashing a visible share of a
// replay.
type hash128Matcher struct {
	want [16]byte
	ok   bool // false: no Hash128 output can equal the target
	buf  []byte
}

// newHash128Matcher prepares to match target. Hash128 only ever produces
// lower-case hex, so any other spelling of the same bytes matches nothing,
// exactly as the string comparison would.
func newHash128Matcher(target string) *hash128Matcher {
	m := &hash128Matcher{}
	if len(target) != 32 {
		return m
	}
	for i := 0; i < len(target); i++ {
		if c := target[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return m
		}
	}
	_, err := hex.Decode(m.want[:], []byte(target))
	m.ok = err == nil
	return m
}

// match reports whether Hash128(a + b) is the target.
func (m *hash128Matcher) match(a, b string) bool {
	if !m.ok {
		return false
	}
	m.buf = append(append(m.buf[:0], a...), b...)
	sum := sha256.Sum256(m.buf)
	return [16]byte(sum[:16]) == m.want
}
