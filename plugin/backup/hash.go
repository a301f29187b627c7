package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	//lint:ignore SA1019 zonefile hashes are RIPEMD160(SHA256(x)) by definition in Blockstack v1
	"golang.org/x/crypto/ripemd160"
)

// Hash is a zonefile hash: RIPEMD160(SHA256(zonefile)). It has the layout
// of the Atlas inventory's hash, so the daemon converts between them with a
// plain type conversion.
type Hash [20]byte

// HashOf returns the hash of a zonefile's bytes.
func HashOf(data []byte) Hash {
	s := sha256.Sum256(data)
	r := ripemd160.New()
	r.Write(s[:])
	var h Hash
	r.Sum(h[:0])
	return h
}

// ParseHash reads a hash written as 40 lowercase hex digits, the form used as
// the blob key. Uppercase is refused: a driver key is case-sensitive, so an
// uppercase name is a different blob.
func ParseHash(s string) (Hash, error) {
	var h Hash
	if len(s) != 2*len(h) {
		return h, fmt.Errorf("backup: hash %q is not 40 hex digits", s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return h, fmt.Errorf("backup: hash %q is not lowercase hex", s)
		}
	}
	// Cannot fail after the check above.
	_, _ = hex.Decode(h[:], []byte(s))
	return h, nil
}

// String returns the hash as 40 lowercase hex digits, its blob key.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// MarshalText writes the hash as its blob key, so that JSON shows hex.
func (h Hash) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// UnmarshalText reads a hash written by MarshalText.
func (h *Hash) UnmarshalText(b []byte) error {
	v, err := ParseHash(string(b))
	if err != nil {
		return err
	}
	*h = v
	return nil
}
