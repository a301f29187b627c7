package state

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
)

// The per-operation tests run a real Machine on a temporary Pebble database
// and feed it blocks of real transactions: each one is a wire.MsgTx with an
// OP_RETURN payload laid out as blockstack-v1.md §1.4 describes, funded by a
// p2pkh or p2sh output the harness remembers, and turned into a candidate by
// nameop.Extract exactly as a block from bitcoind would be. Acceptance is read
// from ApplyBlock's result and state from the package's own lookups.

// firstBlock is where every test network starts.
const firstBlock = 300

// genesisCH is the consensus hash the test networks record for the four
// blocks before the first, as the reference's regtest runs did.
const genesisCH = "17ac43c1d8549c3181b200f1bf97eb7d"

// Epoch feature sets, as in blockstack-v1.md §1.7.
var (
	featsE2 = []string{"multisig"}
	featsE3 = append(featsE2, "segwit", "op_register_update", "op_renew_transfer_update", "namespace_burn_to_creator")
	featsE4 = append(append([]string{}, featsE3...), "namespace_pay_with_stacks", "stacks_buy_namespaces",
		"fix_preorder_expire", "nameops_cost_tokens", "token_transfer", "int_division")
	featsE5 = append(append([]string{}, featsE4...), "token_transfer_consensus_hash_optional")
)

// Small stand-ins for mainnet's 5000-block grace period and 52595-block
// receive-fees period, so tests can cross them.
const (
	testGrace       = 10
	testReceiveFees = 20
)

// epochNet builds a regtest network whose first block (300) falls in epoch
// start (1..5); each later height in next begins the following epoch. Epochs
// before start end at heights 1, 2, ... so they never apply. Multipliers and
// price rules are mainnet's; the grace and receive-fees periods are shortened.
func epochNet(t testing.TB, start int, next ...uint64) *params.Params {
	t.Helper()
	all := [][]string{{}, featsE2, featsE3, featsE4, featsE5}
	last := start + len(next)
	if start < 1 || last > len(all) {
		t.Fatalf("epochNet: epochs %d..%d out of range", start, last)
	}
	var epochs []map[string]any
	for i := 1; i <= last; i++ {
		e := map[string]any{"features": all[i-1], "namespace_lifetime_multiplier": 2, "price_multiplier": 1.0}
		switch {
		case i < start:
			e["end_block"] = i
		case i < last:
			e["end_block"] = next[i-start] - 1
		default:
			e["end_block"] = nil
		}
		if i == 1 {
			e["namespace_lifetime_multiplier"] = 1
		}
		if i >= 3 {
			e["grace_period"] = testGrace
			e["receive_fees_period"] = testReceiveFees
		}
		if i == 3 {
			e["price_multiplier"] = 0.1
			e["namespace_price_divisor"] = 10
		}
		if i >= 4 {
			e["price_divisor"] = 10
			e["price_divisor_stacks"] = 1
		}
		epochs = append(epochs, e)
	}
	f := map[string]any{
		"network": "regtest", "magic": "id", "first_block": firstBlock, "p2pkh_version": 111, "p2sh_version": 196,
		"epochs":                   epochs,
		"genesis_snapshot":         map[string]string{"296": genesisCH, "297": genesisCH, "298": genesisCH, "299": genesisCH},
		"name_import_keyring_size": 5, "consensus_hash_window": 24, "announce_ids": []string{"ann.test"},
	}
	raw, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	p, err := params.Parse(raw)
	if err != nil {
		t.Fatalf("epochNet: %v", err)
	}
	return p
}

// wallet is one funding key: a p2pkh output of a compressed key, or a p2sh
// output of a 1-of-1 multisig script.
type wallet struct {
	label   string
	pub     []byte
	script  []byte
	addr    string
	redeem  []byte
	witness bool
}

func keyFromSeed(seed string) *btcec.PrivateKey {
	sum := sha256.Sum256([]byte("atlasd optest " + seed))
	k, _ := btcec.PrivKeyFromBytes(sum[:])
	return k
}

func p2pkhScript(h160 []byte) []byte {
	return append(append([]byte{0x76, 0xa9, 0x14}, h160...), 0x88, 0xac)
}

func p2shScript(h160 []byte) []byte {
	return append(append([]byte{0xa9, 0x14}, h160...), 0x87)
}

// walletOfPub is the p2pkh wallet of a public key as given (compressed or
// not).
func walletOfPub(label string, pub []byte) *wallet {
	h := btcutil.Hash160(pub)
	return &wallet{label: label, pub: pub, script: p2pkhScript(h), addr: base58.CheckEncode(h, 0x6f)}
}

func newWallet(label string) *wallet {
	return walletOfPub(label, keyFromSeed(label).PubKey().SerializeCompressed())
}

func newMultisigWallet(label string) *wallet {
	pub := keyFromSeed(label).PubKey().SerializeCompressed()
	redeem := append(append([]byte{0x51, 0x21}, pub...), 0x51, 0xae)
	h := btcutil.Hash160(redeem)
	return &wallet{label: label, script: p2shScript(h), addr: base58.CheckEncode(h, 0xc4), redeem: redeem}
}

// newSegwitWallet is a p2wpkh output, which v1 never accepted as a sender.
func newSegwitWallet(label string) *wallet {
	pub := keyFromSeed(label).PubKey().SerializeCompressed()
	return &wallet{label: label, pub: pub, script: append([]byte{0x00, 0x14}, btcutil.Hash160(pub)...), witness: true}
}

func (w *wallet) scriptHex() string { return hex.EncodeToString(w.script) }

// sigScript spends the wallet's output. Nothing checks signatures, so a
// DER-shaped placeholder stands in for one; the public key (or redeem
// script) is real, which is what v1's sender_pubkey search looks at.
func (w *wallet) sigScript() []byte {
	sig := append([]byte{0x30, 0x44}, make([]byte, 69)...)
	if w.witness {
		return nil
	}
	if w.redeem != nil {
		return append(append([]byte{0x00}, push(sig)...), push(w.redeem)...)
	}
	return append(push(sig), push(w.pub)...)
}

func push(b []byte) []byte {
	if len(b) < 0x4c {
		return append([]byte{byte(len(b))}, b...)
	}
	return append([]byte{0x4c, byte(len(b))}, b...)
}

// chain drives one Machine block by block and knows every output it funded
// transactions from, so it can answer nameop.Extract's prevout lookups.
type chain struct {
	t        testing.TB
	m        *Machine
	p        *params.Params
	dir      string
	opts     Options
	net      nameop.Network
	prevouts map[wire.OutPoint][]byte
	seq      uint32
}

// genesisRow is one entry of a token genesis file a test writes.
type genesisRow map[string]any

// newChain opens a Machine for p on a fresh directory. A non-nil genesis is
// written to a file and passed as the token genesis.
func newChain(t testing.TB, p *params.Params, genesis []genesisRow) *chain {
	t.Helper()
	dir := t.TempDir()
	opts := Options{Logger: zerolog.Nop()}
	if genesis != nil {
		opts.TokenGenesis = writeGenesis(t, genesis)
	}
	c := &chain{t: t, p: p, dir: filepath.Join(dir, "db"), opts: opts, prevouts: map[wire.OutPoint][]byte{},
		net: nameop.Network{Magic: p.Magic, P2PKHVersion: p.P2PKHVersion, P2SHVersion: p.P2SHVersion}}
	c.open()
	t.Cleanup(func() { c.m.Close() })
	return c
}

// writeGenesis writes rows as a token genesis file and returns its path.
func writeGenesis(t testing.TB, rows []genesisRow) string {
	t.Helper()
	raw, err := json.Marshal(rows)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "genesis.json")
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func (c *chain) open() {
	c.t.Helper()
	m, err := Open(c.dir, c.p, c.opts)
	if err != nil {
		c.t.Fatal(err)
	}
	c.m = m
}

// reopen closes the database and opens it again, as a restart would.
func (c *chain) reopen() {
	c.t.Helper()
	if err := c.m.Close(); err != nil {
		c.t.Fatal(err)
	}
	c.open()
}

// Prevout implements nameop.PrevoutSource.
func (c *chain) Prevout(op wire.OutPoint) ([]byte, int64, bool, error) {
	s, ok := c.prevouts[op]
	return s, 1e8, ok, nil
}

// tip is the last applied height; next is the height mine applies.
func (c *chain) tip() uint64  { h, _ := c.m.Tip(); return uint64(h) }
func (c *chain) next() uint64 { return c.tip() + 1 }

// ch is a consensus hash that is valid in the next block: the tip's (or
// the genesis snapshot's before the first block).
func (c *chain) ch() string { return c.chAt(c.tip()) }

func (c *chain) chAt(h uint64) string {
	c.t.Helper()
	if h < c.p.FirstBlock {
		return c.p.GenesisSnapshot[h]
	}
	s, ok := c.m.ConsensusHash(h)
	if !ok {
		c.t.Fatalf("no consensus hash at %d", h)
	}
	return s
}

// tx builds a transaction spending a fresh output of from: the OP_RETURN
// with magic, opcode and payload first, then outs.
func (c *chain) tx(from *wallet, opcode byte, payload []byte, outs ...*wire.TxOut) *wire.MsgTx {
	c.seq++
	op := wire.OutPoint{Hash: chainhash.Hash(sha256.Sum256(binary.BigEndian.AppendUint32([]byte("funding"), c.seq)))}
	c.prevouts[op] = from.script
	tx := wire.NewMsgTx(1)
	tx.AddTxIn(wire.NewTxIn(&op, from.sigScript(), nil))
	data := append([]byte{c.p.Magic[0], c.p.Magic[1], opcode}, payload...)
	tx.AddTxOut(wire.NewTxOut(0, append([]byte{0x6a}, push(data)...)))
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	return tx
}

// addInput adds an input spending a fresh output of from, after the
// existing ones.
func (c *chain) addInput(tx *wire.MsgTx, from *wallet) {
	c.seq++
	op := wire.OutPoint{Hash: chainhash.Hash(sha256.Sum256(binary.BigEndian.AppendUint32([]byte("funding"), c.seq)))}
	c.prevouts[op] = from.script
	tx.AddTxIn(wire.NewTxIn(&op, from.sigScript(), nil))
}

// to pays v to w; burn pays v to the network's burn address.
func to(w *wallet, v int64) *wire.TxOut { return wire.NewTxOut(v, w.script) }
func burn(v int64) *wire.TxOut          { return wire.NewTxOut(v, p2pkhScript(make([]byte, 20))) }

// mine applies a block holding txs at vtxindex 1, 2, ... and returns the
// result. A tx v1 ignores before parsing (a non-p2pkh/p2sh funding output)
// is left out of the block, as Extract's callers do.
func (c *chain) mine(txs ...*wire.MsgTx) *Result {
	c.t.Helper()
	var cands []*nameop.Tx
	for i, tx := range txs {
		t, err := nameop.Extract(tx, i+1, c.net, c)
		var rej *nameop.RejectError
		switch {
		case errors.As(err, &rej):
			continue
		case err != nil:
			c.t.Fatalf("extract tx %d: %v", i, err)
		case t == nil:
			c.t.Fatalf("tx %d is not a BNS candidate", i)
		}
		cands = append(cands, t)
	}
	res, err := c.m.ApplyBlock(c.next(), "", cands)
	if err != nil {
		c.t.Fatalf("block %d: %v", c.next(), err)
	}
	return res
}

// skipTo mines empty blocks until the next block is h.
func (c *chain) skipTo(h uint64) {
	c.t.Helper()
	if c.next() > h {
		c.t.Fatalf("skipTo %d: already at %d", h, c.next())
	}
	for c.next() < h {
		c.mine()
	}
}

func accepted(res *Result, tx *wire.MsgTx) bool {
	id := tx.TxHash().String()
	for _, a := range res.Accepted {
		if a.TxID == id {
			return true
		}
	}
	return false
}

// mustMine mines txs and fails unless every one is accepted.
func (c *chain) mustMine(txs ...*wire.MsgTx) *Result {
	c.t.Helper()
	res := c.mine(txs...)
	for i, tx := range txs {
		if !accepted(res, tx) {
			c.t.Fatalf("block %d: tx %d (%q) rejected", res.Height, i, tx.TxOut[0].PkScript[4])
		}
	}
	return res
}

// view reads state as the next block would see it.
func (c *chain) view() *block {
	h := c.next()
	return &block{m: c.m, ov: newOverlay(c.m.db), height: int64(h), last: int64(h) - 1, feats: c.p.Features(h)}
}

func (c *chain) nameRow(name string) rec {
	c.t.Helper()
	r, err := c.view().nameRow(name)
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

func (c *chain) namespaceRow(id string) rec {
	c.t.Helper()
	r, err := c.view().namespaceRow(id)
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

func (c *chain) preorderRow(hash string) rec {
	c.t.Helper()
	r, err := c.view().preorderRow(hash)
	if err != nil {
		c.t.Fatal(err)
	}
	return r
}

// balance returns an account's balance and whether it exists.
func (c *chain) balance(addr, units string) (int64, bool) {
	c.t.Helper()
	a, err := c.view().getAccount(addr, units)
	if err != nil {
		c.t.Fatal(err)
	}
	if a == nil {
		return 0, false
	}
	return accountBalance(a), true
}

// opCase is one table row of a per-operation test: optional setup on top
// of the suite's base state, then one block whose last transaction is the
// one under test.
type opCase struct {
	name  string
	setup func(c *chain)
	block func(c *chain) []*wire.MsgTx
	ok    bool
	check func(t *testing.T, c *chain, res *Result)
}

// opSuite runs every case on its own fresh chain: net's rules, an optional
// token genesis, and the base setup shared by the cases.
type opSuite struct {
	net     func(t testing.TB) *params.Params
	genesis []genesisRow
	base    func(c *chain)
}

func (s opSuite) run(t *testing.T, cases []opCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := newChain(t, s.net(t), s.genesis)
			if s.base != nil {
				s.base(c)
			}
			if tc.setup != nil {
				tc.setup(c)
			}
			txs := tc.block(c)
			res := c.mine(txs...)
			if got := accepted(res, txs[len(txs)-1]); got != tc.ok {
				t.Fatalf("block %d: accepted = %v, want %v", res.Height, got, tc.ok)
			}
			if tc.check != nil {
				tc.check(t, c, res)
			}
		})
	}
}

func one(tx *wire.MsgTx) []*wire.MsgTx { return []*wire.MsgTx{tx} }

// net1 .. net5 are networks that start in one epoch and stay there.
func net1(t testing.TB) *params.Params { return epochNet(t, 1) }
func net2(t testing.TB) *params.Params { return epochNet(t, 2) }
func net3(t testing.TB) *params.Params { return epochNet(t, 3) }
func net4(t testing.TB) *params.Params { return epochNet(t, 4) }
func net5(t testing.TB) *params.Params { return epochNet(t, 5) }
