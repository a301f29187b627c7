package nameop

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestIsNameValid(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		// scripts.py doctests.
		{"abcd", false},
		{"abcd.", false},
		{".abcd", false},
		{"Abcd.abcd", false},
		{"abcd.abc.d", false},
		{"abcd.abc+d", false},
		{"a.b.c", false},
		{"", false},
		{"abcdabcdabcdabcdabcdabcdabcdabcda.bcd", true},
		{"abcdabcdabcdabcdabcdabcdabcdabcdab.bcd", false},
		{"abcdabcdabcdabcdabcdabcdabcdabcdabc.d", true},
		{"a+b.c", false},
		{"a_b.c", true},
		// More edges.
		{"foo.test", true},
		{"0-_.id", true},
		{"foo.abcdefghijklmnopqrs", true},   // 19-char namespace
		{"foo.abcdefghijklmnopqrst", false}, // 20-char namespace
		{"foo.test\x00", false},             // NUL padding is not stripped here
		{"foo .test", false},
		// Python's $ matches before a final newline, in either part.
		{"foo.test\n", true},
		{"foo\n.test", true},
		{"foo.test\n\n", false},
		{"foo\n\n.test", false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := IsNameValid(tc.in); got != tc.want {
				t.Fatalf("IsNameValid(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestIsNamespaceValid(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		// scripts.py doctests.
		{"abcd", true},
		{"+abcd", false},
		{"abc.def", false},
		{".abcd", false},
		{"abcdabcdabcdabcdabcd", false},
		{"abcdabcdabcdabcdabc", true},
		{"", false},
		{"id", true},
		{"ID", false},
		{"test\n", true},
		{"\n", true}, // one newline: non-empty and "base 40" to the reference
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := IsNamespaceValid(tc.in); got != tc.want {
				t.Fatalf("IsNamespaceValid(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

// TestMainnetNamesValid runs IsNameValid and B40ToBin over every real
// mainnet name: all were registered on chain, so all must be valid and
// hashable. The list also holds subdomains ("a.b.id"), which are not
// on-chain names and must be refused.
func TestMainnetNamesValid(t *testing.T) {
	var names []string
	if err := json.Unmarshal(readShared(t, "names/mainnet-names.json"), &names); err != nil {
		t.Fatal(err)
	}
	if len(names) < 75000 {
		t.Fatalf("%d names", len(names))
	}
	onChain, subdomains := 0, 0
	for _, n := range names {
		if strings.Count(n, ".") > 1 {
			subdomains++
			if IsNameValid(n) {
				t.Errorf("IsNameValid(subdomain %q) = true", n)
			}
			continue
		}
		onChain++
		if !IsNameValid(n) {
			t.Errorf("IsNameValid(%q) = false", n)
			continue
		}
		if _, err := B40ToBin(n); err != nil {
			t.Errorf("B40ToBin(%q): %v", n, err)
		}
	}
	t.Logf("%d on-chain names, %d subdomains", onChain, subdomains)
}
