package consensus

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// TestBlockVectors replays every block the reference logged: the ops hash
// from the serialized ops, the consensus hash from it and the logged prior
// hashes, and the prior list itself from the log's own earlier hashes.
func TestBlockVectors(t *testing.T) {
	vecs := loadBlockVectors(t)
	if len(vecs) != 3534 {
		t.Fatalf("got %d block vectors, want 3534", len(vecs))
	}
	byLog := map[string]map[uint64]string{}
	for _, v := range vecs {
		if byLog[v.Log] == nil {
			byLog[v.Log] = map[uint64]string{}
		}
		byLog[v.Log][v.Height] = v.ConsensusHash
	}
	for _, v := range vecs {
		t.Run(fmt.Sprintf("%s@%d", v.Log, v.Height), func(t *testing.T) {
			if got := OpsHash(v.Ops); got != v.OpsHash {
				t.Errorf("OpsHash = %s, want %s", got, v.OpsHash)
			}
			got, err := ConsensusHash(v.OpsHash, v.Prior)
			if err != nil {
				t.Fatal(err)
			}
			if got != v.ConsensusHash {
				t.Errorf("ConsensusHash = %s, want %s", got, v.ConsensusHash)
			}
			heights := PriorHeights(v.Height, regtestFirstBlock)
			if len(heights) != len(v.Prior) {
				t.Fatalf("PriorHeights(%d) has %d heights %v, log used %d hashes", v.Height, len(heights), heights, len(v.Prior))
			}
			for i, h := range heights {
				if want := byLog[v.Log][h]; v.Prior[i] != want {
					t.Errorf("prior[%d] (height %d) = %s, but the log's hash at %d is %s", i, h, v.Prior[i], h, want)
				}
			}
		})
	}
}

// TestWorkedExamples checks the worked examples of spec §2.9.
func TestWorkedExamples(t *testing.T) {
	const empty = "5df6e0e2761359d30a8275058e299fcc0381534545f55cf43e41983f5d4c9456"
	nsPreorder := "*:40:db207fcd2150f332a53a8ff0be2a12a85445a2a9,32:2a9148d8b13939723d2aca16c75c6d68,1:*,9:400000000," +
		"64:e47ffe97ca0b43af20b291ae20a22fd7b4df00e40aa4b9f85625f188f936fa23,1:1,3:257," +
		"50:76a9140e1c669e2756a79185299cb25ed043ab145f08f088ac," +
		"130:04d6fd1ba0effaf1e8d94ea7b7a3d0ef26fea00a14ce5ffcc1495fe588a2c6d0f35eaa22c01a35bee5817f03d769a3a38a3bb50182c61449ad125555daf26396fb," +
		"34:mgoZn4k6LuqiTYsVqQz9eu4LgpGVSz6NUC"
	tests := []struct {
		name      string
		ops       []string
		opsHash   string // want; also fed to ConsensusHash when ops is nil and this is not the empty hash
		prior     []string
		root      string // want MerkleRoot(sorted prior+opsHash), if given
		consensus string
	}{
		{
			name:      "1 empty first block",
			ops:       []string{},
			opsHash:   empty,
			root:      empty,
			consensus: "2a9148d8b13939723d2aca16c75c6d68",
		},
		{
			name:      "2 single op",
			ops:       []string{nsPreorder},
			opsHash:   "60e4a8a3dc9307ba0cb3d3c982c1a23187df5b9550f3612fe9ba4fac86b645a4",
			prior:     []string{"2a9148d8b13939723d2aca16c75c6d68"},
			consensus: "8361af30152eb9fdb7b7c50464b1a603",
		},
		{
			name:      "3 empty block two priors",
			ops:       []string{},
			opsHash:   empty,
			prior:     []string{"13c45c403bf95268873a94785d7b4e85", "2a9148d8b13939723d2aca16c75c6d68"},
			consensus: "43ae9ac340660ad2abb98376fb93772f",
		},
		{
			name:    "4 three ops three priors",
			opsHash: "a6f804053a62b88c84e0c1ff04b34da55690362cfa925f0ba542499183c1299d",
			prior: []string{"87d8d3345ba2556ffa47783f400ae179", "c4785a77d1793e26666263eb08673a52",
				"1bf92d4a88ca242f1977fa1a0a5b51cf"},
			root:      "749f207f28d2d45cff0ac9a9a08eb01496e8e2c0156e687c8bbff4b8a677b496",
			consensus: "39c76faf9fc172355c6d4d335eb69df4",
		},
		{
			name:      "5 synthetic preorder",
			ops:       []string{synthPreorder(t)},
			opsHash:   "094dd8596da031d6568b2bad21c469e6642f549e8f44f50c1d34381f6832f261",
			prior:     []string{"17ac43c1d8549c3181b200f1bf97eb7d", "0123456789abcdef0123456789abcdef"},
			root:      "41d97434e5c21a5ea106191031c4ff8e1c36bf0afb6e5e279e4573f31b081ffa",
			consensus: "26ee1ca68450740fe242840fb7282dde",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ops != nil {
				if got := OpsHash(tc.ops); got != tc.opsHash {
					t.Errorf("OpsHash = %s, want %s", got, tc.opsHash)
				}
			}
			if tc.root != "" {
				all := append(slices.Clone(tc.prior), tc.opsHash)
				slices.Sort(all)
				got, err := MerkleRoot(all)
				if err != nil || got != tc.root {
					t.Errorf("MerkleRoot = %s, %v; want %s", got, err, tc.root)
				}
			}
			got, err := ConsensusHash(tc.opsHash, tc.prior)
			if err != nil || got != tc.consensus {
				t.Errorf("ConsensusHash = %s, %v; want %s", got, err, tc.consensus)
			}
		})
	}
}

// synthPreorder builds example 5 of spec §2.9 through SerializeOp and checks
// the string against the spec's description of it.
func synthPreorder(t *testing.T) string {
	t.Helper()
	sender := "76a914" + strings.Repeat("11", 20) + "88ac"
	rec := Record{
		"preorder_hash":  Str(strings.Repeat("a", 40)),
		"consensus_hash": Str(strings.Repeat("b", 32)),
		"sender":         Str(sender),
		"sender_pubkey":  None(),
		"address":        Str("12bmFH2mWGkzeqSdKkLZpxyVpMyG3Pm4Ds"),
		"block_number":   Int(373601),
		"op":             Str("?"),
		"txid":           Str(strings.Repeat("cc", 32)),
		"vtxindex":       Int(5),
		"op_fee":         Int(6400000),
	}
	got, err := SerializeOp('?', rec, SerializeFields("NAME_PREORDER"))
	if err != nil {
		t.Fatal(err)
	}
	want := "?:40:" + strings.Repeat("a", 40) + ",32:" + strings.Repeat("b", 32) + ",50:" + sender +
		",0:,34:12bmFH2mWGkzeqSdKkLZpxyVpMyG3Pm4Ds,6:373601,1:?,64:" + strings.Repeat("cc", 32) + ",1:5,7:6400000"
	if got != want {
		t.Fatalf("SerializeOp = %s\nwant          %s", got, want)
	}
	return got
}

func TestOpsHashIgnoresOrder(t *testing.T) {
	for _, v := range loadBlockVectors(t) {
		if len(v.Ops) < 2 {
			continue
		}
		t.Run(fmt.Sprintf("%s@%d", v.Log, v.Height), func(t *testing.T) {
			rev := slices.Clone(v.Ops)
			slices.Reverse(rev)
			if got := OpsHash(rev); got != v.OpsHash {
				t.Errorf("reversed ops hash %s, want %s", got, v.OpsHash)
			}
		})
	}
}

func TestPriorHeights(t *testing.T) {
	tests := []struct {
		name          string
		height, first uint64
		want          []uint64
	}{
		{"first block", 256, 256, nil},
		{"below first", 255, 256, nil},
		{"zero below first", 0, 1, nil},
		{"second", 257, 256, []uint64{256}},
		{"third", 258, 256, []uint64{257}},
		{"fourth", 259, 256, []uint64{258, 256}},
		{"eighth", 263, 256, []uint64{262, 260, 256}},
		{"mainnet first+100", 373701, 373601, []uint64{373700, 373698, 373694, 373686, 373670, 373638}},
		{"first block zero", 7, 0, []uint64{6, 4, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PriorHeights(tc.height, tc.first); !slices.Equal(got, tc.want) {
				t.Errorf("PriorHeights(%d, %d) = %v, want %v", tc.height, tc.first, got, tc.want)
			}
		})
	}
	t.Run("whole uint64 range", func(t *testing.T) {
		got := PriorHeights(math.MaxUint64, 0)
		if len(got) != 63 || got[0] != math.MaxUint64-1 || got[62] != math.MaxUint64-(1<<63-1) {
			t.Errorf("PriorHeights(max, 0): %d heights, first %v", len(got), got[:min(len(got), 1)])
		}
	})
}

func TestConsensusHashErrors(t *testing.T) {
	good := "2a9148d8b13939723d2aca16c75c6d68"
	tests := []struct {
		name    string
		opsHash string
		prior   []string
	}{
		{"empty ops hash", "", nil},
		{"odd length", "abc", nil},
		{"20 bytes", strings.Repeat("ab", 20), nil},
		{"not hex", strings.Repeat("zz", 32), nil},
		{"bad prior", strings.Repeat("ab", 32), []string{good, "xyz"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ConsensusHash(tc.opsHash, tc.prior)
			if !errors.Is(err, ErrBadHash) || got != "" {
				t.Errorf("ConsensusHash = %q, %v; want ErrBadHash", got, err)
			}
		})
	}
	t.Run("prior not reordered", func(t *testing.T) {
		prior := []string{"c4785a77d1793e26666263eb08673a52", "1bf92d4a88ca242f1977fa1a0a5b51cf"}
		before := slices.Clone(prior)
		if _, err := ConsensusHash(strings.Repeat("ab", 32), prior); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(prior, before) {
			t.Errorf("caller's prior slice changed to %v", prior)
		}
	})
}
