package drivertest

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	//lint:ignore SA1019 zonefile keys are RIPEMD160(SHA256(x)) by definition; nothing else computes them
	"golang.org/x/crypto/ripemd160"
)

// Blob is one blob with its key.
type Blob struct {
	Key  string
	Data []byte
}

// Hash160 returns the lowercase hex RIPEMD160(SHA256(data)), the zonefile key.
func Hash160(data []byte) string {
	s := sha256.Sum256(data)
	r := ripemd160.New()
	r.Write(s[:])
	return hex.EncodeToString(r.Sum(nil))
}

// Zonefiles loads one zonefile export from the shared data set (for example
// "name_zonefiles-665750.txt"): pairs of lines, the hash160 then the text
// with newlines escaped as `\n`. Every entry is verified against its hash,
// duplicates are dropped, and the result is sorted by key.
func Zonefiles(t testing.TB, file string) []Blob {
	t.Helper()
	path := filepath.Join(ModuleRoot(t), "..", "shared", "data", "zonefiles", file)
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("drivertest: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	seen := make(map[string]bool)
	var blobs []Blob
	for line := 1; sc.Scan(); line += 2 {
		key := strings.TrimSpace(sc.Text())
		if !sc.Scan() {
			t.Fatalf("drivertest: %s:%d: hash %s without zonefile", file, line, key)
		}
		data := []byte(strings.ReplaceAll(sc.Text(), `\n`, "\n"))
		if got := Hash160(data); got != key {
			t.Fatalf("drivertest: %s:%d: zonefile hashes to %s, file says %s", file, line+1, got, key)
		}
		if seen[key] {
			continue
		}
		seen[key] = true
		blobs = append(blobs, Blob{Key: key, Data: data})
	}
	if err := sc.Err(); err != nil {
		t.Fatalf("drivertest: %s: %v", file, err)
	}
	if len(blobs) == 0 {
		t.Fatalf("drivertest: %s holds no zonefiles", file)
	}
	sort.Slice(blobs, func(i, j int) bool { return blobs[i].Key < blobs[j].Key })
	return blobs
}
