package fakedropbox_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"

	"github.com/atlasd/atlasd/contrib/dropbox/internal/fakedropbox"
)

// TestContentHashVectors checks the fake's content hash against published
// vectors (the empty file is the SHA-256 of nothing; the others are the
// SDK's vectors, produced with Dropbox's reference hasher).
func TestContentHashVectors(t *testing.T) {
	tests := []struct {
		data string
		want string
	}{
		{"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
		{"a", "bf5d3affb73efd2ec6c36ad3112dd933efed63c4e1cbffcfa88e2759c144f2d8"},
		{"abc", "4f8b42c22dd3729b519ba6f68d2da7cc5b2d606d05daed5ad5128cc03e6c6358"},
		{"hello world", "bc62d4b80d9e36da29c16c5d4d9f11731f36052c72401a76c23c0fb5a9b74423"},
	}
	for _, tc := range tests {
		t.Run(tc.data, func(t *testing.T) {
			if got := fakedropbox.ContentHash([]byte(tc.data)); got != tc.want {
				t.Errorf("ContentHash(%q) = %s, want %s", tc.data, got, tc.want)
			}
		})
	}
}

// TestContentHashBlocks compares the fake's hash with the SDK's independent
// implementation around the 4 MiB block boundaries, and with the definition
// spelled out for two blocks.
func TestContentHashBlocks(t *testing.T) {
	big := make([]byte, 2*fakedropbox.BlockSize+5)
	for i := range big {
		big[i] = byte(i*7 + i>>13)
	}
	for _, n := range []int{1, fakedropbox.BlockSize - 1, fakedropbox.BlockSize, fakedropbox.BlockSize + 1, 2 * fakedropbox.BlockSize, len(big)} {
		data := big[:n]
		sdk, err := contenthash.Compute(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if got := fakedropbox.ContentHash(data); got != sdk {
			t.Errorf("%d bytes: fake %s, SDK %s", n, got, sdk)
		}
	}
	first := sha256.Sum256(big[:fakedropbox.BlockSize])
	second := sha256.Sum256(big[fakedropbox.BlockSize : fakedropbox.BlockSize+1])
	want := sha256.Sum256(append(first[:], second[:]...))
	if got := fakedropbox.ContentHash(big[:fakedropbox.BlockSize+1]); got != hex.EncodeToString(want[:]) {
		t.Errorf("two blocks: %s, want %x", got, want)
	}
}
