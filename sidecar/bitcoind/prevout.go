package bitcoind

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// PrevoutMode is how the funding outputs of inputs are read from the node.
type PrevoutMode int

const (
	// PrevoutsBlockV3 reads them from getblock verbosity 3 (Bitcoin Core
	// 23 and later), one call per block that has BNS candidates.
	PrevoutsBlockV3 PrevoutMode = iota + 1
	// PrevoutsTxIndex fetches each funding transaction with
	// getrawtransaction, which needs txindex=1.
	PrevoutsTxIndex
)

func (m PrevoutMode) String() string {
	switch m {
	case PrevoutsBlockV3:
		return "getblock verbosity 3"
	case PrevoutsTxIndex:
		return "getrawtransaction (txindex)"
	}
	return "none"
}

// ErrNoPrevoutSource explains which bitcoind setting is missing.
var ErrNoPrevoutSource = errors.New("bitcoind: cannot read the outputs that BNS transactions spend: " +
	"set txindex=1 in bitcoin.conf (and let the index build), or run Bitcoin Core 23 or later, " +
	"whose getblock verbosity 3 includes them")

// DetectPrevouts picks the prevout mode the node supports. Bitcoin Core 23
// and later use verbosity 3; any other node must answer getrawtransaction
// for a confirmed transaction (the coinbase of block 1), which needs
// txindex. A node without blocks yet gives a retryable error.
func (c *Client) DetectPrevouts(ctx context.Context) (PrevoutMode, error) {
	ni, err := c.NetworkInfo(ctx)
	switch {
	case err == nil:
		// Core's version is major*10000+minor*100+patch.
		if ni.IsBitcoinCore() && ni.Version >= 230000 {
			return PrevoutsBlockV3, nil
		}
	case Retryable(err):
		return 0, err
	default:
		// btcd does not implement getnetworkinfo; it is not Core.
	}
	h1, err := c.BlockHash(ctx, 1)
	if err != nil {
		if IsHeightOutOfRange(err) {
			return 0, &Error{Method: "getblockhash", Kind: KindWarmup, Code: CodeInvalidParameter,
				Msg: "the node has no blocks yet; waiting for block 1 to check txindex"}
		}
		return 0, err
	}
	raw, err := c.RawBlock(ctx, h1)
	if err != nil {
		return 0, err
	}
	var blk wire.MsgBlock
	if err := blk.Deserialize(bytes.NewReader(raw)); err != nil || len(blk.Transactions) == 0 {
		return 0, &Error{Method: "getblock", Kind: KindProtocol, Msg: "block 1 does not decode"}
	}
	probe := blk.Transactions[0].TxHash()
	if _, err := c.RawTx(ctx, probe); err != nil {
		if Retryable(err) {
			return 0, err
		}
		return 0, fmt.Errorf("%w (getrawtransaction %s: %v)", ErrNoPrevoutSource, probe, err)
	}
	return PrevoutsTxIndex, nil
}

// Prevout is one spent output.
type Prevout struct {
	Script []byte
	Value  int64
}

// BlockPrevouts returns the outputs spent by the listed transactions of a
// block, from getblock verbosity 3. Only transactions in want are kept, so
// the map stays small even for a full block.
func (c *Client) BlockPrevouts(ctx context.Context, hash chainhash.Hash, want map[chainhash.Hash]bool) (map[wire.OutPoint]Prevout, error) {
	raw, err := c.call(ctx, "getblock", hash.String(), 3)
	if err != nil {
		return nil, err
	}
	return parseBlockV3(raw, want)
}

// parseBlockV3 reads the vin[].prevout fields of getblock verbosity 3.
func parseBlockV3(raw []byte, want map[chainhash.Hash]bool) (map[wire.OutPoint]Prevout, error) {
	var blk struct {
		Tx []struct {
			TxID string `json:"txid"`
			Vin  []struct {
				Coinbase string `json:"coinbase"`
				TxID     string `json:"txid"`
				Vout     uint32 `json:"vout"`
				Prevout  *struct {
					Value        json.Number `json:"value"`
					ScriptPubKey struct {
						Hex string `json:"hex"`
					} `json:"scriptPubKey"`
				} `json:"prevout"`
			} `json:"vin"`
		} `json:"tx"`
	}
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&blk); err != nil {
		return nil, &Error{Method: "getblock", Kind: KindProtocol, Msg: err.Error()}
	}
	out := make(map[wire.OutPoint]Prevout)
	for _, tx := range blk.Tx {
		id, err := chainhash.NewHashFromStr(tx.TxID)
		if err != nil {
			return nil, &Error{Method: "getblock", Kind: KindProtocol, Msg: "txid: " + err.Error()}
		}
		if !want[*id] {
			continue
		}
		for i, in := range tx.Vin {
			if in.Coinbase != "" {
				continue
			}
			if in.Prevout == nil {
				return nil, &Error{Method: "getblock", Kind: KindProtocol,
					Msg: fmt.Sprintf("tx %s input %d has no prevout: the node does not support verbosity 3", tx.TxID, i)}
			}
			prev, err := chainhash.NewHashFromStr(in.TxID)
			if err != nil {
				return nil, &Error{Method: "getblock", Kind: KindProtocol, Msg: "vin txid: " + err.Error()}
			}
			script, err := hex.DecodeString(in.Prevout.ScriptPubKey.Hex)
			if err != nil {
				return nil, &Error{Method: "getblock", Kind: KindProtocol, Msg: "prevout script: " + err.Error()}
			}
			sats, err := btcToSats(in.Prevout.Value)
			if err != nil {
				return nil, &Error{Method: "getblock", Kind: KindProtocol, Msg: err.Error()}
			}
			out[wire.OutPoint{Hash: *prev, Index: in.Vout}] = Prevout{Script: script, Value: sats}
		}
	}
	return out, nil
}

// btcToSats converts bitcoind's 8-decimal BTC amounts exactly: the
// decimal text is parsed as a fixed-point number rather than a float.
func btcToSats(n json.Number) (int64, error) {
	s := n.String()
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	whole, frac := s, ""
	if i := bytes.IndexByte([]byte(s), '.'); i >= 0 {
		whole, frac = s[:i], s[i+1:]
	}
	if whole == "" || len(frac) > 8 {
		return 0, fmt.Errorf("amount %q: want at most 8 decimals", n)
	}
	for len(frac) < 8 {
		frac += "0"
	}
	var v int64
	for _, ch := range whole + frac {
		if ch < '0' || ch > '9' {
			return 0, fmt.Errorf("amount %q: not a decimal", n)
		}
		if v > (math.MaxInt64-9)/10 {
			return 0, fmt.Errorf("amount %q: out of range", n)
		}
		v = v*10 + int64(ch-'0')
	}
	if neg {
		v = -v
	}
	return v, nil
}

// TxOutputs fetches a transaction with getrawtransaction and returns its
// outputs.
func (c *Client) TxOutputs(ctx context.Context, txid chainhash.Hash) ([]*wire.TxOut, error) {
	raw, err := c.RawTx(ctx, txid)
	if err != nil {
		return nil, err
	}
	var tx wire.MsgTx
	if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, &Error{Method: "getrawtransaction", Kind: KindProtocol, Msg: "decode: " + err.Error()}
	}
	if tx.TxHash() != txid {
		return nil, &Error{Method: "getrawtransaction", Kind: KindProtocol, Msg: fmt.Sprintf("asked for %s, got %s", txid, tx.TxHash())}
	}
	return tx.TxOut, nil
}
