package replay

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/state"
)

func sharedDir(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	d := filepath.Join(root, "..", "shared", "data", "consensus", "scenarios")
	if _, err := os.Stat(d); err != nil {
		t.Fatalf("shared data not found at %s: %v", d, err)
	}
	return d
}

func readExpected(t *testing.T, path string) map[uint64]string {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[uint64]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		out[l.Height] = l.ConsensusHash
	}
	return out
}

// TestScenarios replays every shipped scenario and compares each height's
// consensus hash with the reference's.
func TestScenarios(t *testing.T) {
	dir := sharedDir(t)
	files, _ := filepath.Glob(filepath.Join(dir, "*.blocks.jsonl"))
	sort.Strings(files)
	if len(files) != 34 {
		t.Fatalf("found %d scenarios, want 34", len(files))
	}
	for _, bf := range files {
		name := strings.TrimSuffix(filepath.Base(bf), ".blocks.jsonl")
		t.Run(name, func(t *testing.T) {
			p, err := params.Load(filepath.Join(dir, name+".params.json"))
			if err != nil {
				t.Fatal(err)
			}
			want := readExpected(t, filepath.Join(dir, name+".expected.jsonl"))
			m, err := state.Open(t.TempDir(), p, state.Options{Logger: zerolog.Nop()})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			f, err := os.Open(bf)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			n := 0
			err = Run(m, f, func(r *state.Result) error {
				n++
				if w := want[r.Height]; w != r.ConsensusHash {
					t.Fatalf("height %d: consensus hash %s, reference %s (accepted %d, rejected %d)", r.Height, r.ConsensusHash, w, len(r.Accepted), r.Rejected)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if n != len(want) {
				t.Fatalf("replayed %d blocks, reference has %d", n, len(want))
			}
		})
	}
}
