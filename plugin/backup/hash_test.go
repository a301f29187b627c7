package backup

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestHashOf checks HashOf against the hash lines of the real exports, and
// against the one entry of the tampered set that was edited after hashing.
func TestHashOf(t *testing.T) {
	for _, file := range []string{"name_zonefiles-665750.txt", "subdomain_zonefiles.txt"} {
		t.Run(file, func(t *testing.T) {
			zfs := zonefiles(t, file)
			for _, z := range zfs {
				if got := HashOf(z.Data); got != z.Hash {
					t.Fatalf("HashOf = %s, export says %s", got, z.Hash)
				}
			}
		})
	}
	t.Run("tampered", func(t *testing.T) {
		bad := 0
		for _, p := range rawExport(t, "name_zonefiles-tampered.txt") {
			if HashOf(p.data).String() != p.key {
				bad++
				if !strings.HasPrefix(p.key, "c5f5b419") {
					t.Errorf("%s does not verify, but only c5f5b419… was tampered with", p.key)
				}
			}
		}
		if bad != 1 {
			t.Errorf("%d entries fail to verify, want exactly the tampered one", bad)
		}
	})
}

func TestParseHash(t *testing.T) {
	good := "1b3b5c4c7b4a8f0b8df0e0b1e3e5a1d0c8a7f6e5"
	tests := []struct {
		name string
		in   string
		ok   bool
	}{
		{"lowercase", good, true},
		{"uppercase", strings.ToUpper(good), false},
		{"short", good[:38], false},
		{"long", good + "00", false},
		{"not hex", "zz" + good[2:], false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ParseHash(tc.in)
			if (err == nil) != tc.ok {
				t.Fatalf("ParseHash(%q) error = %v, want ok=%v", tc.in, err, tc.ok)
			}
			if tc.ok && h.String() != tc.in {
				t.Errorf("String() = %s, want %s", h, tc.in)
			}
			if !tc.ok && !strings.HasPrefix(err.Error(), "backup: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func TestHashJSON(t *testing.T) {
	z := zonefiles(t, "subdomain_zonefiles.txt")[0]
	b, err := json.Marshal(Corruption{Driver: "d", Hash: z.Hash, Got: HashOf(nil), Size: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"hash":"`+z.Hash.String()+`"`) {
		t.Errorf("JSON %s does not show the hash as hex", b)
	}
	var back Corruption
	if err := json.Unmarshal(b, &back); err != nil || back.Hash != z.Hash || back.Got != HashOf(nil) {
		t.Errorf("round trip = %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"hash":"XYZ"}`), &back); err == nil {
		t.Error("a bad hash in JSON was accepted")
	}
}
