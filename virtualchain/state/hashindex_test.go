package state

import (
	"encoding/hex"
	"testing"
)

func TestHashKeyOnlyCanonical(t *testing.T) {
	cases := []struct {
		in string
		ok bool
	}{
		{"2a9148d8b13939723d2aca16c75c6d68", true},
		{"2A9148D8B13939723D2ACA16C75C6D68", false},
		{"2a9148d8b13939723d2aca16c75c6d6", false},
		{"2a9148d8b13939723d2aca16c75c6d6800", false},
		{"2a9148d8b13939723d2aca16c75c6dzz", false},
		{"", false},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			k, ok := hashKey(c.in)
			if ok != c.ok {
				t.Fatalf("hashKey(%q) ok = %v", c.in, ok)
			}
			if ok && hex.EncodeToString(k[:]) != c.in {
				t.Fatalf("hashKey(%q) = %x", c.in, k)
			}
		})
	}
}
