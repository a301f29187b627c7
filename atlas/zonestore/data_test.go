package zonestore

import (
	"os"
	"strings"
	"testing"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/internal/shareddata"
)

// pair is one entry of a shared zonefile export: the hash the file claims
// and the unescaped text (which, in the tampered export, may not match it).
type pair struct {
	claimed inventory.Hash
	data    []byte
}

// readPairs reads ../shared/data/zonefiles/<file> (format in that folder's
// README: a hash line, then the text with newlines written as `\n`).
func readPairs(t *testing.T, file string) []pair {
	t.Helper()
	raw, err := os.ReadFile(shareddata.Path(t, "data", "zonefiles", file))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	if len(lines)%2 != 0 {
		t.Fatalf("%s: %d lines, want hash/text pairs", file, len(lines))
	}
	var out []pair
	for i := 0; i < len(lines); i += 2 {
		h, err := inventory.ParseHash(strings.TrimSpace(lines[i]))
		if err != nil {
			t.Fatalf("%s line %d: %v", file, i+1, err)
		}
		out = append(out, pair{h, []byte(strings.ReplaceAll(lines[i+1], `\n`, "\n"))})
	}
	return out
}
