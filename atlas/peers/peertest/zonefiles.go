package peertest

import (
	"bytes"
	"os"
	"testing"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/internal/shareddata"
)

// Zonefile is one entry of a shared zonefile export.
type Zonefile struct {
	// Hash is the hash line of the export.
	Hash inventory.Hash
	// Data is the unescaped zonefile text.
	Data []byte
	// Valid is whether Data hashes to Hash (the tampered export has one
	// entry that does not).
	Valid bool
}

// Hash160 is RIPEMD160(SHA256(data)), the zonefile hash.
func Hash160(data []byte) inventory.Hash { return inventory.HashOf(data) }

// Zonefiles reads ../shared/data/zonefiles/<name> in file order: pairs of
// lines, the hash then the text with newlines written as backslash-n.
// Duplicate hashes are kept once, at their first place.
func Zonefiles(tb testing.TB, name string) []Zonefile {
	tb.Helper()
	raw, err := os.ReadFile(shareddata.Path(tb, "data", "zonefiles", name))
	if err != nil {
		tb.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSuffix(raw, []byte("\n")), []byte("\n"))
	if len(lines)%2 != 0 {
		tb.Fatalf("peertest: %s: odd number of lines", name)
	}
	seen := make(map[inventory.Hash]bool)
	var out []Zonefile
	for i := 0; i < len(lines); i += 2 {
		h, err := inventory.ParseHash(string(bytes.TrimSpace(lines[i])))
		if err != nil {
			tb.Fatalf("peertest: %s line %d: %v", name, i+1, err)
		}
		if seen[h] {
			continue
		}
		seen[h] = true
		data := bytes.ReplaceAll(lines[i+1], []byte(`\n`), []byte("\n"))
		out = append(out, Zonefile{Hash: h, Data: data, Valid: Hash160(data) == h})
	}
	if len(out) == 0 {
		tb.Fatalf("peertest: %s holds no zonefiles", name)
	}
	return out
}
