package state

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/atlasd/atlasd/internal/shareddata"
	"github.com/atlasd/atlasd/virtualchain/nameop"
)

// TestHash128MatcherAgreesWithHash128 checks the matcher against
// nameop.Hash128 on real mainnet names and real consensus hashes: every
// true pair matches, neighbours do not, and targets Hash128 can never print
// match nothing.
func TestHash128MatcherAgreesWithHash128(t *testing.T) {
	raw, err := os.ReadFile(shareddata.Path(t, "data", "names", "mainnet-names.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	if err := json.Unmarshal(raw, &names); err != nil {
		t.Fatal(err)
	}
	var hashes []string
	for _, line := range readLines(t, shareddata.Path(t, "data", "consensus", "scenarios", "name_import.expected.jsonl")) {
		var e struct {
			ConsensusHash string `json:"consensus_hash"`
		}
		if err := json.Unmarshal(line, &e); err != nil {
			t.Fatal(err)
		}
		hashes = append(hashes, e.ConsensusHash)
	}
	if len(names) < 1000 || len(hashes) < 10 {
		t.Fatalf("only %d names and %d hashes", len(names), len(hashes))
	}
	names, hashes = names[:1000], hashes[:10]
	for i, n := range names {
		c := hashes[i%len(hashes)]
		target := nameop.Hash128(n + c)
		m := newHash128Matcher(target)
		if !m.match(n, c) {
			t.Fatalf("%s + %s does not match its own Hash128 %s", n, c, target)
		}
		if m.match(n, hashes[(i+1)%len(hashes)]) || m.match(names[(i+1)%len(names)], c) {
			t.Fatalf("Hash128 %s of %s + %s matches another pair", target, n, c)
		}
	}
	n, c := names[0], hashes[0]
	good := nameop.Hash128(n + c)
	cases := []struct {
		name   string
		target string
		want   bool
	}{
		{"canonical", good, true},
		{"upper case", strings.ToUpper(good), strings.ToUpper(good) == good},
		{"too short", good[:30], false},
		{"too long", good + "00", false},
		{"not hex", "zz" + good[2:], false},
		{"empty", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := newHash128Matcher(tc.target).match(n, c); got != tc.want || got != (nameop.Hash128(n+c) == tc.target) {
				t.Fatalf("match(%q) = %v, want %v", tc.target, got, tc.want)
			}
		})
	}
}
