package consensus

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
)

// MerkleRoot returns the root of virtualchain's Merkle tree over hexes, as
// lower-case hex.
//
// Each item is hex for 16 or 32 bytes and is byte-reversed before use; each
// row is paired up (an odd row repeats its last item) and every pair hashed
// with double SHA-256 over the two items concatenated at their own lengths;
// the final node is reversed back before hex-encoding. That is Bitcoin's
// transaction tree fed display-order hashes, so a single item is its own
// root. The items are used in the order given. No items is ErrEmptyTree; an
// item that is not hex of 16 or 32 bytes is ErrBadHash.
func MerkleRoot(hexes []string) (string, error) {
	if len(hexes) == 0 {
		return "", ErrEmptyTree
	}
	row := make([][]byte, len(hexes))
	for n, h := range hexes {
		b, err := decodeHash(n, h)
		if err != nil {
			return "", err
		}
		slices.Reverse(b)
		row[n] = b
	}
	root := merkleRootBytes(row)
	slices.Reverse(root)
	return hex.EncodeToString(root), nil
}

// decodeHash accepts what the reference's unhexlify does (either case) but
// only at the two lengths consensus ever feeds in, so garbage is refused
// rather than hashed.
func decodeHash(n int, h string) ([]byte, error) {
	if len(h) != 32 && len(h) != 64 {
		return nil, fmt.Errorf("%w: item %d has %d hex chars, want 32 or 64", ErrBadHash, n, len(h))
	}
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("%w: item %d: %v", ErrBadHash, n, err)
	}
	return b, nil
}

// merkleRootBytes folds a non-empty row of internal-order nodes up to the
// root, still in internal order. It may reuse the row's storage.
func merkleRootBytes(row [][]byte) []byte {
	for len(row) > 1 {
		next := row[:0]
		for i := 0; i < len(row); i += 2 {
			left, right := row[i], row[i] // an odd row pairs its last item with itself
			if i+1 < len(row) {
				right = row[i+1]
			}
			d := doubleSHA256(left, right)
			next = append(next, d[:])
		}
		row = next
	}
	return row[0]
}

// doubleSHA256 is SHA-256(SHA-256(parts concatenated)).
func doubleSHA256(parts ...[]byte) [32]byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	var first [32]byte
	h.Sum(first[:0])
	return sha256.Sum256(first[:])
}
