package fakedropbox

import (
	"crypto/sha256"
	"encoding/hex"
)

// BlockSize is the block length of Dropbox's content hash.
const BlockSize = 4 << 20

// ContentHash returns Dropbox's content_hash of data: the SHA-256 of the
// concatenated SHA-256 digests of its 4 MiB blocks, in lowercase hex. An
// empty file has no blocks, so its hash is the SHA-256 of nothing.
//
// It is written from the published description rather than taken from the
// SDK, so that tests comparing the two check each against the other.
func ContentHash(data []byte) string {
	outer := sha256.New()
	for len(data) > 0 {
		n := min(len(data), BlockSize)
		block := sha256.Sum256(data[:n])
		outer.Write(block[:])
		data = data[n:]
	}
	return hex.EncodeToString(outer.Sum(nil))
}
