package consensus

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"

	"golang.org/x/crypto/ripemd160" //lint:ignore SA1019 RIPEMD-160 is fixed by the Blockstack consensus rules, not chosen here
)

// OpsHash folds a block's serialized ops (SerializeOp output, in block order)
// into the block's ops hash, 64 lower-case hex chars.
//
// Each op's leaf is its double SHA-256 in plain (not reversed) hex; the
// leaves are sorted as strings, which discards the ops' order, and then go
// through MerkleRoot. A block without ops has the single leaf DSHA(""), so
// its ops hash is that digest's hex.
func OpsHash(serialized []string) string {
	leaves := make([][]byte, 0, max(len(serialized), 1))
	for _, s := range serialized {
		d := doubleSHA256([]byte(s))
		leaves = append(leaves, d[:])
	}
	if len(leaves) == 0 {
		d := doubleSHA256()
		leaves = append(leaves, d[:])
	}
	// Lower-case hex preserves byte order, so sorting the digests equals the
	// reference's sort of their hex strings.
	slices.SortFunc(leaves, bytes.Compare)
	for _, l := range leaves {
		slices.Reverse(l) // MerkleRoot's reading of a hex leaf
	}
	root := merkleRootBytes(leaves)
	slices.Reverse(root)
	return hex.EncodeToString(root)
}

// PriorHeights lists the heights whose consensus hashes block height commits
// to: height-1, height-3, height-7, …, height-(2^i-1), stopping before
// firstBlock. The first block, and any height below it, commits to none.
// The order is the one the reference collects them in; ConsensusHash sorts
// anyway.
func PriorHeights(height, firstBlock uint64) []uint64 {
	if height < firstBlock {
		return nil
	}
	span := height - firstBlock
	var out []uint64
	for i := uint(1); i < 64; i++ {
		back := uint64(1)<<i - 1
		if back > span {
			break
		}
		out = append(out, height-back)
	}
	return out
}

// ConsensusHash computes a block's consensus hash, 32 lower-case hex chars,
// from its ops hash and the consensus hashes at PriorHeights (any order).
//
// The ops hash and the prior hashes are sorted together as strings (64- and
// 32-char hex mixed), put through MerkleRoot, and the root's displayed
// bytes are hashed with RIPEMD-160(SHA-256(·)); the first 16 bytes are the
// consensus hash. Inputs that are not hex of 16 or 32 bytes are ErrBadHash.
func ConsensusHash(opsHash string, prior []string) (string, error) {
	all := make([]string, 0, len(prior)+1)
	all = append(all, prior...)
	all = append(all, opsHash)
	slices.Sort(all)
	rootHex, err := MerkleRoot(all) // item numbers refer to the sorted list
	if err != nil {
		return "", err
	}
	root, err := hex.DecodeString(rootHex)
	if err != nil { // MerkleRoot only returns valid hex
		return "", fmt.Errorf("%w: root: %v", ErrBadHash, err)
	}
	h := hash160(root)
	return hex.EncodeToString(h[:16]), nil
}

// hash160 is RIPEMD-160(SHA-256(b)), Bitcoin's address hash.
func hash160(b []byte) []byte {
	s := sha256.Sum256(b)
	r := ripemd160.New()
	r.Write(s[:])
	return r.Sum(nil)
}
