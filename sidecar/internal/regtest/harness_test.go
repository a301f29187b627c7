package regtest

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// p2pkh writes out a P2PKH script by hand, independently of txscript.
func p2pkh(hash160 []byte) []byte {
	return append(append([]byte{0x76, 0xa9, 0x14}, hash160...), 0x88, 0xac)
}

func mustGenerate(t *testing.T, n *Node, count uint32) []chainhash.Hash {
	t.Helper()
	hs, err := n.Generate(count)
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != int(count) {
		t.Fatalf("generate %d returned %d hashes", count, len(hs))
	}
	return hs
}

func findTx(blk *wire.MsgBlock, txid chainhash.Hash) *wire.MsgTx {
	for _, tx := range blk.Transactions {
		if tx.TxHash() == txid {
			return tx
		}
	}
	return nil
}

func serialize(t *testing.T, tx *wire.MsgTx) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := tx.Serialize(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestFollowScenario walks the path a follower sees: a matured chain, a
// BNS-like OP_RETURN from a fresh key, and a reorg that moves it.
func TestFollowScenario(t *testing.T) {
	t.Parallel()
	n := Start(t)
	c := n.Client()

	mined := mustGenerate(t, n, 101)
	for i, h := range mined {
		got, err := c.GetBlockHash(int64(i + 1))
		if err != nil {
			t.Fatal(err)
		}
		if *got != h {
			t.Fatalf("height %d: getblockhash %s, generate said %s", i+1, got, h)
		}
	}

	sender, recipient := n.NewKey(), n.NewKey()
	fundOp, err := n.Fund(sender, 2*btcutil.SatoshiPerBitcoin)
	if err != nil {
		t.Fatal(err)
	}
	// A preorder-shaped payload: magic, opcode, 20-byte hash, 16-byte
	// consensus hash.
	payload := append([]byte("id?"), bytes.Repeat([]byte{0xab}, 36)...)
	txid, err := n.NewTx(sender).OpReturn(payload).Pay(recipient, 5500).Send()
	if err != nil {
		t.Fatal(err)
	}
	opBlock := mustGenerate(t, n, 1)[0]

	var sent *wire.MsgTx
	t.Run("getblock", func(t *testing.T) {
		blk, err := c.GetBlock(&opBlock)
		if err != nil {
			t.Fatal(err)
		}
		if blk.BlockHash() != opBlock {
			t.Fatalf("decoded block hashes to %s, want %s", blk.BlockHash(), opBlock)
		}
		if sent = findTx(blk, txid); sent == nil {
			t.Fatalf("block %s lacks tx %s", opBlock, txid)
		}
		wantOuts := [][]byte{
			append([]byte{0x6a, byte(len(payload))}, payload...),
			p2pkh(recipient.Hash160()),
			p2pkh(sender.Hash160()),
		}
		if len(sent.TxOut) != len(wantOuts) {
			t.Fatalf("tx has %d outputs, want %d", len(sent.TxOut), len(wantOuts))
		}
		for i, want := range wantOuts {
			if !bytes.Equal(sent.TxOut[i].PkScript, want) {
				t.Errorf("output %d script %x, want %x", i, sent.TxOut[i].PkScript, want)
			}
		}
		if sent.TxOut[0].Value != 0 || sent.TxOut[1].Value != 5500 {
			t.Errorf("output values %d, %d; want 0, 5500", sent.TxOut[0].Value, sent.TxOut[1].Value)
		}
		if got := sent.TxIn[0].PreviousOutPoint; got != fundOp {
			t.Errorf("first input spends %v, want the sender's %v", got, fundOp)
		}
		if sig := sent.TxIn[0].SignatureScript; !bytes.HasSuffix(sig, sender.PubKey()) {
			t.Errorf("first input is not signed by the sender: %x", sig)
		}
	})

	t.Run("getrawtransaction", func(t *testing.T) {
		if sent == nil {
			t.Skip("needs the getblock step")
		}
		raw, err := c.GetRawTransaction(&txid)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(serialize(t, raw.MsgTx()), serialize(t, sent)) {
			t.Error("getrawtransaction bytes differ from the tx in the block")
		}
		v, err := c.GetRawTransactionVerbose(&txid)
		if err != nil {
			t.Fatal(err)
		}
		if v.BlockHash != opBlock.String() {
			t.Errorf("tx block %s, want %s", v.BlockHash, opBlock)
		}
	})

	t.Run("reorg", func(t *testing.T) {
		mustGenerate(t, n, 2)
		oldTip, oldHeight, err := n.BestBlock()
		if err != nil {
			t.Fatal(err)
		}
		r, err := n.Reorg(3)
		if err != nil {
			t.Fatal(err)
		}
		if r.ForkHeight != oldHeight-3 || len(r.Old) != 3 || len(r.New) != 4 {
			t.Fatalf("reorg fork %d, %d old, %d new; want %d, 3, 4", r.ForkHeight, len(r.Old), len(r.New), oldHeight-3)
		}
		if r.Old[0] != opBlock || r.Old[2] != oldTip {
			t.Fatalf("old branch %v does not run from %s to %s", r.Old, opBlock, oldTip)
		}
		tip, height, err := n.BestBlock()
		if err != nil {
			t.Fatal(err)
		}
		if tip == oldTip || tip != r.New[3] || height != oldHeight+1 {
			t.Fatalf("tip %s at %d after reorg, want %s at %d", tip, height, r.New[3], oldHeight+1)
		}
		for i, want := range r.New {
			got, err := c.GetBlockHash(int64(r.ForkHeight) + 1 + int64(i))
			if err != nil {
				t.Fatal(err)
			}
			if *got != want || slices.Contains(r.Old, *got) {
				t.Errorf("height %d is %s, want new block %s", int(r.ForkHeight)+1+i, got, want)
			}
			hdr, err := c.GetBlockHeader(&want)
			if err != nil {
				t.Fatal(err)
			}
			prev := mined[100]
			if i > 0 {
				prev = r.New[i-1]
			}
			if hdr.PrevBlock != prev {
				t.Errorf("new block %d builds on %s, want %s", i, hdr.PrevBlock, prev)
			}
		}
		// A follower reverting the old branch must still be able to
		// fetch it raw.
		old, err := c.GetBlock(&r.Old[0])
		if err != nil {
			t.Fatalf("raw getblock of a stale block: %v", err)
		}
		if findTx(old, txid) == nil {
			t.Error("stale block lost the OP_RETURN tx")
		}
		if hdr, err := c.GetBlockHeader(&r.Old[1]); err != nil || hdr.PrevBlock != r.Old[0] {
			t.Errorf("raw getblockheader of a stale block: %v", err)
		}
		// Unlike bitcoind, btcd refuses the verbose forms off the main
		// chain; doc.go tells followers so.
		if _, err := c.GetBlockVerbose(&r.Old[0]); err == nil {
			t.Error("verbose getblock of a stale block now works; update doc.go")
		}
		tips, err := c.GetChainTips()
		if err != nil {
			t.Fatal(err)
		}
		var fork bool
		for _, tp := range tips {
			if tp.Hash == oldTip.String() && tp.Status == "invalid" && tp.BranchLen == 3 {
				fork = true
			}
		}
		if !fork {
			t.Errorf("old tip not a 3-block invalid branch in getchaintips")
		}
		// Generate refills the new branch from the mempool, so the tx
		// moves to the first new block.
		v, err := c.GetRawTransactionVerbose(&txid)
		if err != nil {
			t.Fatal(err)
		}
		if v.BlockHash != r.New[0].String() {
			t.Errorf("tx now in %s, want %s", v.BlockHash, r.New[0])
		}
		if bal, err := n.Balance(recipient); err != nil || bal != 5500 {
			t.Errorf("recipient balance %v (%v), want 5500 sat", bal, err)
		}
	})
}

// TestReorgDropsTx builds a branch with MineBlock that double-spends a tx
// of the old branch, so the op vanishes instead of moving.
func TestReorgDropsTx(t *testing.T) {
	t.Parallel()
	n := Start(t)
	if err := n.Mature(); err != nil {
		t.Fatal(err)
	}
	k := n.NewKey()
	op, err := n.Fund(k, btcutil.SatoshiPerBitcoin)
	if err != nil {
		t.Fatal(err)
	}
	mustGenerate(t, n, 1)
	a, err := n.NewTx(k).OpReturn([]byte("old branch")).Build()
	if err != nil {
		t.Fatal(err)
	}
	b, err := n.NewTx(k).OpReturn([]byte("new branch")).Build()
	if err != nil {
		t.Fatal(err)
	}
	if a.TxIn[0].PreviousOutPoint != op || b.TxIn[0].PreviousOutPoint != op {
		t.Fatalf("builds spend %v and %v, want both %v", a.TxIn[0].PreviousOutPoint, b.TxIn[0].PreviousOutPoint, op)
	}
	aid, err := n.Broadcast(a)
	if err != nil {
		t.Fatal(err)
	}
	oldBlock := mustGenerate(t, n, 1)[0]
	if err := n.InvalidateBlock(oldBlock); err != nil {
		t.Fatal(err)
	}
	pool, err := n.Client().GetRawMempool()
	if err != nil {
		t.Fatal(err)
	}
	if len(pool) != 1 || *pool[0] != aid {
		t.Fatalf("mempool after invalidateblock %v, want [%s]", pool, aid)
	}
	newBlock, err := n.MineBlock(b)
	if err != nil {
		t.Fatal(err)
	}
	mustGenerate(t, n, 1)

	blk, err := n.Client().GetBlock(&newBlock)
	if err != nil {
		t.Fatal(err)
	}
	if len(blk.Transactions) != 2 || blk.Transactions[1].TxHash() != b.TxHash() {
		t.Fatalf("MineBlock block holds %d txs, want coinbase and %s", len(blk.Transactions), b.TxHash())
	}
	if _, err := n.Client().GetRawTransaction(&aid); err == nil {
		t.Error("double-spent tx still retrievable")
	}
	us, err := n.UTXOs(k)
	if err != nil {
		t.Fatal(err)
	}
	want := wire.OutPoint{Hash: b.TxHash(), Index: 1}
	if len(us) != 1 || us[0].OutPoint != want {
		t.Fatalf("key UTXOs %v, want only %v", us, want)
	}
}

// TestChainedSpends sends a run of unconfirmed txs, each spending the last
// one's change, to check the wallet follows the mempool.
func TestChainedSpends(t *testing.T) {
	t.Parallel()
	n := Start(t)
	if err := n.Mature(); err != nil {
		t.Fatal(err)
	}
	keys := []*Key{n.NewKey(), n.NewKey(), n.NewKey()}
	if _, err := n.Fund(keys[0], 10*btcutil.SatoshiPerBitcoin); err != nil {
		t.Fatal(err)
	}
	var txids []chainhash.Hash
	for i := range 12 {
		from, to := keys[i%3], keys[(i+1)%3]
		id, err := n.NewTx(from).Pay(to, 1e8).ChangeTo(to).Send()
		if err != nil {
			t.Fatalf("tx %d: %v", i, err)
		}
		txids = append(txids, id)
	}
	blk, err := n.Client().GetBlock(&mustGenerate(t, n, 1)[0])
	if err != nil {
		t.Fatal(err)
	}
	for i, id := range txids {
		if findTx(blk, id) == nil {
			t.Errorf("tx %d %s not mined", i, id)
		}
	}
	var total btcutil.Amount
	for _, k := range keys {
		bal, err := n.Balance(k)
		if err != nil {
			t.Fatal(err)
		}
		total += bal
	}
	// Everything stays within the three keys except the fees.
	if total >= 10*btcutil.SatoshiPerBitcoin || total < 10*btcutil.SatoshiPerBitcoin-12*10000 {
		t.Errorf("keys hold %v after 12 internal transfers of 10 BTC", total)
	}
}

// TestCoinbaseMaturity checks the wallet's maturity rule against btcd's at
// the boundary: at tip h, the coinbase of block h-99 is the newest spendable.
func TestCoinbaseMaturity(t *testing.T) {
	t.Parallel()
	n := Start(t)
	mustGenerate(t, n, 99)
	if _, err := n.NewTx().Pay(n.NewKey(), 1e8).Send(); !errors.Is(err, ErrNoFunds) {
		t.Fatalf("spend at tip 99: %v, want ErrNoFunds", err)
	}
	mustGenerate(t, n, 1)
	us, err := n.UTXOs(n.MinerKey())
	if err != nil {
		t.Fatal(err)
	}
	if len(us) != 1 || us[0].Height != 1 || !us[0].Coinbase {
		t.Fatalf("spendable at tip 100: %v, want the block 1 coinbase", us)
	}
	if _, err := n.NewTx().Pay(n.NewKey(), 1e8).Send(); err != nil {
		t.Fatalf("btcd refused a coinbase the wallet deems mature: %v", err)
	}
	// Hand-sign a spend of block 2's coinbase, one confirmation short.
	h2, err := n.Client().GetBlockHash(2)
	if err != nil {
		t.Fatal(err)
	}
	blk2, err := n.Client().GetBlock(h2)
	if err != nil {
		t.Fatal(err)
	}
	k := n.MinerKey()
	tx := wire.NewMsgTx(1)
	tx.AddTxIn(wire.NewTxIn(&wire.OutPoint{Hash: blk2.Transactions[0].TxHash()}, nil, nil))
	tx.AddTxOut(wire.NewTxOut(blk2.Transactions[0].TxOut[0].Value-10000, k.PkScript()))
	sig, err := signP2PKH(tx, 0, k)
	if err != nil {
		t.Fatal(err)
	}
	tx.TxIn[0].SignatureScript = sig
	if _, err := n.Broadcast(tx); err == nil {
		t.Fatal("btcd accepted a spend of an immature coinbase")
	}
}

// TestOpReturnSizes checks regtest btcd relays and mines OP_RETURN payloads
// past the 80-byte standardness limit, so tests can send malformed ops.
func TestOpReturnSizes(t *testing.T) {
	t.Parallel()
	n := Start(t)
	if err := n.Mature(); err != nil {
		t.Fatal(err)
	}
	sizes := []struct {
		name string
		size int
		push []byte // expected push opcode(s) after OP_RETURN
	}{
		{"empty", 0, []byte{0x00}},
		{"short", 40, []byte{40}},
		{"pushdata1", 80, []byte{0x4c, 80}},
		{"over relay limit", 81, []byte{0x4c, 81}},
		{"pushdata2", 300, []byte{0x4d, 0x2c, 0x01}},
	}
	for _, tc := range sizes {
		t.Run(tc.name, func(t *testing.T) {
			data := bytes.Repeat([]byte{0x5a}, tc.size)
			id, err := n.NewTx().OpReturn(data).Send()
			if err != nil {
				t.Fatal(err)
			}
			blk, err := n.Client().GetBlock(&mustGenerate(t, n, 1)[0])
			if err != nil {
				t.Fatal(err)
			}
			tx := findTx(blk, id)
			if tx == nil {
				t.Fatal("tx not mined")
			}
			want := append(append([]byte{0x6a}, tc.push...), data...)
			if !bytes.Equal(tx.TxOut[0].PkScript, want) {
				t.Errorf("script %x, want %x", tx.TxOut[0].PkScript, want)
			}
		})
	}
}
