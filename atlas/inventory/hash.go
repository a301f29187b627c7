package inventory

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	//lint:ignore SA1019 zonefile hashes are RIPEMD160(SHA256(x)) by protocol; nothing else is chosen here
	"golang.org/x/crypto/ripemd160"
)

// Hash is a zonefile hash: RIPEMD160(SHA256(zonefile)), the chunk key of
// the Atlas inventory.
type Hash [20]byte

// ParseHash reads a zonefile hash written as 40 lower-case hex digits, the
// only form v1 ever stores or looks up (an upper-case hash names nothing in
// v1, so it is refused here rather than silently folded).
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*len(h) {
		return h, fmt.Errorf("inventory: zonefile hash %q is not 40 hex digits", s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return h, fmt.Errorf("inventory: zonefile hash %q is not lower-case hex", s)
		}
	}
	if _, err := hex.Decode(h[:], []byte(s)); err != nil {
		return h, fmt.Errorf("inventory: zonefile hash %q: %w", s, err)
	}
	return h, nil
}

// String returns the hash as 40 lower-case hex digits.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// HashOf returns RIPEMD160(SHA256(data)), the hash under which a zonefile
// is announced, stored and served (spec §3.1).
func HashOf(data []byte) Hash {
	s := sha256.Sum256(data)
	r := ripemd160.New()
	r.Write(s[:])
	var h Hash
	r.Sum(h[:0])
	return h
}
