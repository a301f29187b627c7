package consensus

import (
	"bufio"
	"encoding/json"
	"github.com/atlasd/atlasd/internal/shareddata"
	"os"
	"testing"
)

// regtestFirstBlock is the first indexed block of every regtest log in the
// shared consensus data.
const regtestFirstBlock = 256

// blockVector is one line of consensus_vectors.jsonl.
type blockVector struct {
	Log           string   `json:"log"`
	Height        uint64   `json:"height"`
	Ops           []string `json:"ops"`
	OpsHash       string   `json:"ops_hash"`
	Prior         []string `json:"prior"`
	ConsensusHash string   `json:"consensus_hash"`
}

// opVector is one line of op_vectors.jsonl.
type opVector struct {
	Log        string            `json:"log"`
	Height     uint64            `json:"height"`
	VtxIndex   int               `json:"vtxindex"`
	TxID       string            `json:"txid"`
	Opcode     string            `json:"opcode"`
	Fields     map[string]string `json:"fields"`
	FieldOrder []string          `json:"field_order"`
	Serialized string            `json:"serialized"`
}

// readJSONL decodes every line of a JSON-lines file; a missing or empty file
// fails the test, since the vectors are the point of it.
func readJSONL[T any](tb testing.TB, path string) []T {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			tb.Fatalf("%s line %d: %v", path, len(out)+1, err)
		}
		out = append(out, v)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatalf("%s: no vectors", path)
	}
	return out
}

func loadBlockVectors(tb testing.TB) []blockVector {
	return readJSONL[blockVector](tb, shareddata.Path(tb, "data", "consensus", "consensus_vectors.jsonl"))
}

func loadOpVectors(tb testing.TB) []opVector {
	return readJSONL[opVector](tb, shareddata.Path(tb, "data", "consensus", "op_vectors.jsonl"))
}
