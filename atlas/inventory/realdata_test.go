package inventory

import (
	"bufio"
	"encoding/json"
	"github.com/atlasd/atlasd/internal/shareddata"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
)

// opStreams reads the chunk announcements of every log in op_vectors.jsonl:
// the NAME_UPDATE, NAME_IMPORT and registration/renewal ops that carry a
// value hash, in (height, vtxindex) order, as the reference logged them.
func opStreams(tb testing.TB) map[string][]Announcement {
	tb.Helper()
	f, err := os.Open(shareddata.Path(tb, "data", "consensus", "op_vectors.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	type vec struct {
		Log      string            `json:"log"`
		Height   int32             `json:"height"`
		VtxIndex int               `json:"vtxindex"`
		TxID     string            `json:"txid"`
		Opcode   string            `json:"opcode"`
		Fields   map[string]string `json:"fields"`
	}
	type keyed struct {
		a   Announcement
		vtx int
	}
	byLog := map[string][]keyed{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var v vec
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			tb.Fatal(err)
		}
		vh := v.Fields["value_hash"]
		if !strings.Contains("+;:", v.Opcode) || vh == "" || vh == "None" {
			continue
		}
		h, err := ParseHash(vh)
		if err != nil {
			tb.Fatal(err)
		}
		id, err := chainhash.NewHashFromStr(v.TxID)
		if err != nil {
			tb.Fatal(err)
		}
		byLog[v.Log] = append(byLog[v.Log], keyed{Announcement{Name: v.Fields["name"], Hash: h, TxID: *id, Height: v.Height}, v.VtxIndex})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	out := map[string][]Announcement{}
	for log, ks := range byLog {
		slices.SortStableFunc(ks, func(x, y keyed) int {
			if x.a.Height != y.a.Height {
				return int(x.a.Height - y.a.Height)
			}
			return x.vtx - y.vtx
		})
		for _, k := range ks {
			out[log] = append(out[log], k.a)
		}
	}
	if len(out) == 0 {
		tb.Fatal("no announcements in op_vectors.jsonl")
	}
	return out
}

// TestTableRealStreams replays the reference's own announcement streams,
// holds a random half of their hashes, rolls back and replays the tail, and
// checks the table against the literal model at every step.
func TestTableRealStreams(t *testing.T) {
	streams := opStreams(t)
	total, dupHashes := 0, 0
	for log, stream := range streams {
		total += len(stream)
		t.Run(filepath.Base(log), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(len(stream)), 7))
			tb, m := NewTable(), &model{present: map[Hash]bool{}}
			hashes := map[Hash]int{}
			for step, a := range stream {
				if err := m.append(a); err != nil {
					t.Fatal(err)
				}
				if _, err := tb.Append(a); err != nil {
					t.Fatal(err)
				}
				if hashes[a.Hash]++; hashes[a.Hash] == 2 {
					dupHashes++
				}
				if rng.IntN(2) == 0 {
					tb.SetPresent(a.Hash, true)
					m.present[a.Hash] = true
				}
				compare(t, step, tb, m, rng)
			}
			// Roll back the last block and mine it again: the numbering must
			// come out as before.
			before := slices.Collect(func(yield func(Slot) bool) {
				for i := 1; i <= tb.Len(); i++ {
					s, _ := tb.Slot(i)
					if !yield(s) {
						return
					}
				}
			})
			last, _ := tb.LastHeight()
			tb.TruncateAbove(last - 1)
			m.truncate(last - 1)
			compare(t, len(stream), tb, m, rng)
			for _, a := range stream {
				if a.Height == last {
					if _, err := tb.Append(a); err != nil {
						t.Fatal(err)
					}
				}
			}
			for i, want := range before {
				got, _ := tb.Slot(i + 1)
				if got.Announcement != want.Announcement || got.Index != want.Index {
					t.Fatalf("slot %d after replay: %+v, want %+v", i+1, got, want)
				}
			}
		})
	}
	if total < 300 || dupHashes == 0 {
		t.Errorf("streams hold %d announcements and %d repeated hashes; the fixture changed", total, dupHashes)
	}
}

// zonefileHashes reads the hash lines of a shared zonefile pair file.
func zonefileHashes(tb testing.TB, name string) []string {
	tb.Helper()
	raw, err := os.ReadFile(shareddata.Path(tb, "data", "zonefiles", name))
	if err != nil {
		tb.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(raw), "\n"), "\n")
	var out []string
	for i := 0; i < len(lines); i += 2 {
		out = append(out, strings.TrimSpace(lines[i]))
	}
	return out
}

// syntheticTxID gives slot i a distinct txid.
func syntheticTxID(i int) chainhash.Hash {
	return chainhash.DoubleHashH([]byte("slot " + strconv.Itoa(i)))
}
