package replay

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/wire"

	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// Block is one line of a block stream.
type Block struct {
	Height   uint64            `json:"height"`
	Txs      []Tx              `json:"txs"`
	Prevouts map[string]string `json:"prevouts"`
}

// Tx is a candidate transaction at its position in the block.
type Tx struct {
	VtxIndex int    `json:"vtxindex"`
	RawTx    string `json:"raw_tx"`
}

// LineError names the line of the stream that could not be used.
type LineError struct {
	Line int
	Err  error
}

func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e *LineError) Unwrap() error { return e.Err }

// prevouts answers funding-script lookups from a stream line's map.
type prevouts map[string]string

func (p prevouts) Prevout(op wire.OutPoint) ([]byte, int64, bool, error) {
	s, ok := p[op.Hash.String()+":"+strconv.FormatUint(uint64(op.Index), 10)]
	if !ok {
		return nil, 0, false, nil
	}
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, 0, false, fmt.Errorf("prevout %s:%d: %w", op.Hash, op.Index, err)
	}
	return b, 0, true, nil
}

// Decode turns one stream line into candidates for ApplyBlock.
func Decode(line []byte, net nameop.Network) (*Block, []*nameop.Tx, error) {
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	var b Block
	if err := dec.Decode(&b); err != nil {
		return nil, nil, fmt.Errorf("bad JSON: %w", err)
	}
	txs := append([]Tx(nil), b.Txs...)
	sort.SliceStable(txs, func(i, j int) bool { return txs[i].VtxIndex < txs[j].VtxIndex })
	var out []*nameop.Tx
	for _, t := range txs {
		raw, err := hex.DecodeString(t.RawTx)
		if err != nil {
			return nil, nil, fmt.Errorf("tx at vtxindex %d: raw_tx is not hex", t.VtxIndex)
		}
		var msg wire.MsgTx
		if err := msg.Deserialize(bytes.NewReader(raw)); err != nil {
			return nil, nil, fmt.Errorf("tx at vtxindex %d: %w", t.VtxIndex, err)
		}
		c, err := nameop.Extract(&msg, t.VtxIndex, net, prevouts(b.Prevouts))
		var rej *nameop.RejectError
		switch {
		case errors.As(err, &rej):
			continue // v1 ignores it; not a stream error
		case err != nil:
			return nil, nil, fmt.Errorf("tx %s: %w", msg.TxHash(), err)
		case c == nil:
			continue
		}
		out = append(out, c)
	}
	return &b, out, nil
}

// Line is the printed result of one block.
type Line struct {
	Height        uint64 `json:"height"`
	ConsensusHash string `json:"consensus_hash"`
}

// Run applies every line of r to m and calls emit for each block. Blocks at
// or below the machine's tip are skipped, so a replay can resume.
func Run(m *state.Machine, r io.Reader, emit func(*state.Result) error) error {
	p := m.Params()
	net := nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		b, txs, err := Decode(line, net)
		if err != nil {
			return &LineError{Line: n, Err: err}
		}
		tip, _ := m.Tip()
		if int64(b.Height) <= tip {
			continue
		}
		res, err := m.ApplyBlock(b.Height, "", txs)
		if err != nil {
			return &LineError{Line: n, Err: err}
		}
		if err := emit(res); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return &LineError{Line: n + 1, Err: err}
	}
	return nil
}
