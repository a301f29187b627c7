package nameop

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/btcsuite/btcd/wire"
)

var (
	regtest = Network{Magic: [2]byte{'i', 'd'}, P2PKHVersion: 0x6f, P2SHVersion: 0xc4}
	mainnet = Network{Magic: [2]byte{'i', 'd'}, P2PKHVersion: 0x00, P2SHVersion: 0x05}
	// epoch4 is what blocks 547922 onwards parse under.
	epoch4 = Rules{NameopsCostTokens: true, RegisterUpdate: true, RenewTransferUpdate: true, StacksBuyNamespaces: true, TokenTransfer: true}
	// epoch3 is blocks 488501–547921.
	epoch3 = Rules{RegisterUpdate: true, RenewTransferUpdate: true}
)

// sharedData returns ../shared/data relative to the module root.
func sharedData(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("module root not found")
		}
		dir = parent
	}
}

func readShared(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join(sharedData(tb), rel))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func decodeTxHex(tb testing.TB, s string) *wire.MsgTx {
	tb.Helper()
	raw, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	tx := new(wire.MsgTx)
	if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
		tb.Fatalf("decode tx: %v", err)
	}
	return tx
}

func mustHex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// prevout is one funding output a test source knows.
type prevout struct {
	script []byte
	value  int64
}

// mapSource is a PrevoutSource over a fixed table.
type mapSource map[wire.OutPoint]prevout

func (m mapSource) Prevout(op wire.OutPoint) ([]byte, int64, bool, error) {
	p, ok := m[op]
	return p.script, p.value, ok, nil
}

// scriptSigSource rebuilds the funding script of an input from its
// scriptSig, for txs whose funding outputs are not in the shared data: a
// two-push scriptSig ending in a public key spends p2pkh(hash160(key));
// anything else ending in a push spends p2sh(hash160(last push)), which
// covers multisig and p2sh-wrapped segwit. Values are unknown (0).
type scriptSigSource struct{ tx *wire.MsgTx }

func (s scriptSigSource) Prevout(op wire.OutPoint) ([]byte, int64, bool, error) {
	for _, in := range s.tx.TxIn {
		if in.PreviousOutPoint != op {
			continue
		}
		script := inferFundingScript(in.SignatureScript)
		return script, 0, script != nil, nil
	}
	return nil, 0, false, nil
}

func inferFundingScript(sig []byte) []byte {
	toks := tokenize(sig, -1)
	if len(toks) == 0 || !toks[len(toks)-1].push {
		return nil
	}
	last := toks[len(toks)-1].data
	if len(toks) == 2 && toks[0].push && (len(last) == 33 || len(last) == 65) {
		return p2pkhScript(Hash160(last))
	}
	return p2shScript(Hash160(last))
}

func p2pkhScript(h []byte) []byte {
	return append(append([]byte{0x76, 0xa9, 0x14}, h...), 0x88, 0xac)
}

func p2shScript(h []byte) []byte {
	return append(append([]byte{0xa9, 0x14}, h...), 0x87)
}

// opVector is one line of consensus/op_vectors.jsonl.
type opVector struct {
	Log      string            `json:"log"`
	Height   int               `json:"height"`
	VtxIndex int               `json:"vtxindex"`
	TxID     string            `json:"txid"`
	RawTx    string            `json:"raw_tx"`
	Opcode   string            `json:"opcode"`
	Fields   map[string]string `json:"fields"`
}

var (
	opVectorsOnce sync.Once
	opVectorsData []opVector
	opVectorsErr  error
)

func loadOpVectors(tb testing.TB) []opVector {
	tb.Helper()
	opVectorsOnce.Do(func() {
		path := filepath.Join(sharedData(tb), "consensus", "op_vectors.jsonl")
		opVectorsData, opVectorsErr = readJSONL[opVector](path)
	})
	if opVectorsErr != nil {
		tb.Fatal(opVectorsErr)
	}
	return opVectorsData
}

func readJSONL[T any](path string) ([]T, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []T
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		var v T
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, sc.Err()
}

// scenarioBlock is one line of consensus/scenarios/*.blocks.jsonl.
type scenarioBlock struct {
	Height int `json:"height"`
	Txs    []struct {
		VtxIndex int    `json:"vtxindex"`
		RawTx    string `json:"raw_tx"`
	} `json:"txs"`
	Prevouts map[string]string `json:"prevouts"`
}

// scenarioData is every candidate tx of every scenario, with the funding
// scripts the scenario files give for their inputs.
type scenarioData struct {
	txs      map[string]*wire.MsgTx // by txid
	prevouts mapSource
}

var (
	scenarioOnce sync.Once
	scenarioVal  scenarioData
	scenarioErr  error
)

func loadScenarios(tb testing.TB) scenarioData {
	tb.Helper()
	scenarioOnce.Do(func() {
		scenarioVal = scenarioData{txs: map[string]*wire.MsgTx{}, prevouts: mapSource{}}
		files, err := filepath.Glob(filepath.Join(sharedData(tb), "consensus", "scenarios", "*.blocks.jsonl"))
		if err != nil || len(files) == 0 {
			scenarioErr = err
			if err == nil {
				scenarioErr = os.ErrNotExist
			}
			return
		}
		for _, f := range files {
			blocks, err := readJSONL[scenarioBlock](f)
			if err != nil {
				scenarioErr = err
				return
			}
			for _, b := range blocks {
				for k, v := range b.Prevouts {
					op, err := parseOutPoint(k)
					if err != nil {
						scenarioErr = err
						return
					}
					script, err := hex.DecodeString(v)
					if err != nil {
						scenarioErr = err
						return
					}
					scenarioVal.prevouts[op] = prevout{script: script}
				}
				for _, t := range b.Txs {
					raw, err := hex.DecodeString(t.RawTx)
					if err != nil {
						scenarioErr = err
						return
					}
					tx := new(wire.MsgTx)
					if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
						scenarioErr = err
						return
					}
					scenarioVal.txs[tx.TxHash().String()] = tx
				}
			}
		}
	})
	if scenarioErr != nil {
		tb.Fatal(scenarioErr)
	}
	return scenarioVal
}

func parseOutPoint(s string) (wire.OutPoint, error) {
	txid, idx, _ := strings.Cut(s, ":")
	op, err := wire.NewOutPointFromString(txid + ":" + idx)
	if err != nil {
		return wire.OutPoint{}, err
	}
	if _, err := strconv.ParseUint(idx, 10, 32); err != nil {
		return wire.OutPoint{}, err
	}
	return *op, nil
}
