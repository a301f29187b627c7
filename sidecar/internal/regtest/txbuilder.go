package regtest

import (
	"errors"
	"fmt"
	"slices"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
)

// Fee policy. btcd relays at 1 sat/byte and up; 10 sat/byte leaves room for
// the estimate being a little short. Change is never dropped, so tests can
// rely on where it lands; minChange keeps it above the P2PKH dust limit.
const (
	// DefaultFeeRate is the fee per estimated byte when Fee is not set.
	DefaultFeeRate btcutil.Amount = 10
	minChange      btcutil.Amount = 1000
	// p2pkhInputSize is the largest P2PKH input: outpoint, sequence and a
	// 107-byte scriptSig (72-byte DER signature, 33-byte key, two pushes).
	p2pkhInputSize = 32 + 4 + 4 + 1 + 107
	p2pkhOutSize   = 8 + 1 + 25
)

// ErrNoFunds is returned when the sender keys cannot cover a transaction.
var ErrNoFunds = errors.New("regtest: not enough spendable funds (mine past height 100 first, see Mature)")

// TxBuilder assembles a transaction spending harness-owned P2PKH outputs.
// Methods chain; the first error is kept and returned by Build or Send.
type TxBuilder struct {
	n         *Node
	from      []*Key
	forced    []wire.OutPoint
	outs      []*wire.TxOut
	changeAt  int
	changeKey *Key
	fee       btcutil.Amount
	feeSet    bool
	err       error
}

// NewTx starts a transaction funded by the given keys, tried in order, so
// the first input belongs to from[0] unless SpendOutPoint forces another;
// BNS takes the sender from the first input. With no keys the miner pays.
// Change goes back to from[0] after the other outputs unless ChangeHere or
// ChangeTo say otherwise.
func (n *Node) NewTx(from ...*Key) *TxBuilder {
	if len(from) == 0 {
		from = []*Key{n.MinerKey()}
	}
	return &TxBuilder{n: n, from: from, changeAt: -1, changeKey: from[0]}
}

// SpendOutPoint makes op an input, ahead of any inputs picked automatically
// and in call order. op must be a harness-owned output.
func (b *TxBuilder) SpendOutPoint(op wire.OutPoint) *TxBuilder {
	b.forced = append(b.forced, op)
	return b
}

// Pay adds a P2PKH output to key.
func (b *TxBuilder) Pay(key *Key, amount btcutil.Amount) *TxBuilder {
	return b.PayScript(key.pkScript, amount)
}

// PayScript adds an output with an arbitrary script, which may be
// non-standard: regtest btcd relays non-standard transactions.
func (b *TxBuilder) PayScript(script []byte, amount btcutil.Amount) *TxBuilder {
	b.outs = append(b.outs, wire.NewTxOut(int64(amount), slices.Clone(script)))
	return b
}

// OpReturn adds a zero-value `OP_RETURN <data>` output with a minimal push,
// the form Blockstack's parser expects. data may exceed the 80-byte relay
// limit; regtest btcd accepts it as non-standard.
func (b *TxBuilder) OpReturn(data []byte) *TxBuilder {
	script, err := txscript.NewScriptBuilder().AddOp(txscript.OP_RETURN).AddData(data).Script()
	if err != nil && b.err == nil {
		b.err = fmt.Errorf("regtest: OP_RETURN script: %w", err)
	}
	return b.PayScript(script, 0)
}

// ChangeHere puts the change output at the current position, i.e. after the
// outputs added so far and before any added later.
func (b *TxBuilder) ChangeHere() *TxBuilder {
	b.changeAt = len(b.outs)
	return b
}

// ChangeTo sends change to key instead of from[0].
func (b *TxBuilder) ChangeTo(key *Key) *TxBuilder {
	b.changeKey = key
	return b
}

// Fee sets an absolute fee instead of DefaultFeeRate times the size.
func (b *TxBuilder) Fee(fee btcutil.Amount) *TxBuilder {
	b.fee, b.feeSet = fee, true
	return b
}

// Build selects inputs and signs, without broadcasting. The outputs it
// spends stay available, so two Builds may conflict.
func (b *TxBuilder) Build() (*wire.MsgTx, error) {
	b.n.mu.Lock()
	defer b.n.mu.Unlock()
	if err := b.n.syncLocked(); err != nil {
		return nil, err
	}
	return b.buildLocked()
}

// Send builds, signs and broadcasts the transaction and returns its txid.
func (b *TxBuilder) Send() (chainhash.Hash, error) {
	b.n.mu.Lock()
	defer b.n.mu.Unlock()
	if err := b.n.syncLocked(); err != nil {
		return chainhash.Hash{}, err
	}
	tx, err := b.buildLocked()
	if err != nil {
		return chainhash.Hash{}, err
	}
	return b.n.broadcastLocked(tx)
}

func (b *TxBuilder) buildLocked() (*wire.MsgTx, error) {
	if b.err != nil {
		return nil, b.err
	}
	var want btcutil.Amount
	outSize := 0
	for _, o := range b.outs {
		want += btcutil.Amount(o.Value)
		outSize += 8 + wire.VarIntSerializeSize(uint64(len(o.PkScript))) + len(o.PkScript)
	}
	ins, err := b.selectInputs(want, outSize)
	if err != nil {
		return nil, err
	}
	var have btcutil.Amount
	tx := wire.NewMsgTx(1)
	for _, u := range ins {
		have += u.Value
		tx.AddTxIn(wire.NewTxIn(&u.OutPoint, nil, nil))
	}
	change := have - want - b.feeFor(len(ins), outSize)
	outs := slices.Clone(b.outs)
	at := b.changeAt
	if at < 0 || at > len(outs) {
		at = len(outs)
	}
	outs = slices.Insert(outs, at, wire.NewTxOut(int64(change), b.changeKey.PkScript()))
	tx.TxOut = outs
	for i, u := range ins {
		sig, err := signP2PKH(tx, i, u.Key)
		if err != nil {
			return nil, err
		}
		tx.TxIn[i].SignatureScript = sig
	}
	return tx, nil
}

// selectInputs takes the forced outpoints, then the senders' outputs in key
// order, until they cover the outputs, the fee and a non-dust change.
func (b *TxBuilder) selectInputs(want btcutil.Amount, outSize int) ([]UTXO, error) {
	w := &b.n.wallet
	var ins []UTXO
	var have btcutil.Amount
	used := make(map[wire.OutPoint]bool)
	for _, op := range b.forced {
		u, ok := w.utxos[op]
		if !ok {
			return nil, fmt.Errorf("regtest: %v is not an unspent harness output", op)
		}
		if !spendable(u, w.height) {
			return nil, fmt.Errorf("regtest: %v is an immature coinbase", op)
		}
		if used[op] {
			return nil, fmt.Errorf("regtest: %v spent twice", op)
		}
		used[op] = true
		ins = append(ins, u)
		have += u.Value
	}
	enough := func() bool { return have >= want+b.feeFor(len(ins), outSize)+minChange }
	for _, k := range b.from {
		for _, u := range b.n.spendableLocked(k) {
			if enough() {
				return ins, nil
			}
			if used[u.OutPoint] {
				continue
			}
			used[u.OutPoint] = true
			ins = append(ins, u)
			have += u.Value
		}
	}
	if enough() {
		return ins, nil
	}
	return nil, fmt.Errorf("%w: have %v, need %v plus fee", ErrNoFunds, have, want)
}

// feeFor is the fee for a tx with nIn P2PKH inputs, the given outputs and a
// change output.
func (b *TxBuilder) feeFor(nIn, outSize int) btcutil.Amount {
	if b.feeSet {
		return b.fee
	}
	size := 4 + 4 + wire.VarIntSerializeSize(uint64(nIn)) + wire.VarIntSerializeSize(uint64(len(b.outs)+1)) +
		nIn*p2pkhInputSize + outSize + p2pkhOutSize
	return btcutil.Amount(size) * DefaultFeeRate
}

// Broadcast submits a transaction built elsewhere (e.g. signed by hand) and
// remembers it, so harness-owned outputs it creates or spends are tracked.
func (n *Node) Broadcast(tx *wire.MsgTx) (chainhash.Hash, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.broadcastLocked(tx)
}

func (n *Node) broadcastLocked(tx *wire.MsgTx) (chainhash.Hash, error) {
	txid, err := n.client.SendRawTransaction(tx, true)
	if err != nil {
		return chainhash.Hash{}, fmt.Errorf("regtest: sendrawtransaction %s: %w", tx.TxHash(), err)
	}
	n.wallet.sent = append(n.wallet.sent, tx)
	return *txid, nil
}

// Fund pays amount from the miner to key and returns the new output, which
// is spendable at once (unconfirmed) and confirmed by the next block.
func (n *Node) Fund(key *Key, amount btcutil.Amount) (wire.OutPoint, error) {
	txid, err := n.NewTx().Pay(key, amount).Send()
	if err != nil {
		return wire.OutPoint{}, err
	}
	return wire.OutPoint{Hash: txid, Index: 0}, nil
}

// signP2PKH returns the scriptSig for input i of tx spending key's P2PKH
// output with SIGHASH_ALL and a compressed key.
func signP2PKH(tx *wire.MsgTx, i int, key *Key) ([]byte, error) {
	sig, err := txscript.SignatureScript(tx, i, key.pkScript, txscript.SigHashAll, key.priv, true)
	if err != nil {
		return nil, fmt.Errorf("regtest: sign input %d: %w", i, err)
	}
	return sig, nil
}
