package regtest

import (
	"bytes"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// TestTxBuilder checks input order, output layout, change placement and
// fees of built transactions, and that btcd accepts them.
func TestTxBuilder(t *testing.T) {
	t.Parallel()
	n := Start(t)
	if err := n.Mature(); err != nil {
		t.Fatal(err)
	}
	sender, other, burn, twoCoins := n.NewKey(), n.NewKey(), n.NewKey(), n.NewKey()
	for _, k := range []*Key{sender, sender, twoCoins, twoCoins} {
		if _, err := n.Fund(k, btcutil.SatoshiPerBitcoin); err != nil {
			t.Fatal(err)
		}
	}
	mustGenerate(t, n, 1)
	// Force the coin coin selection would take last.
	coins, err := n.UTXOs(twoCoins)
	if err != nil || len(coins) != 2 {
		t.Fatalf("twoCoins UTXOs %v, %v", coins, err)
	}
	forced := coins[1].OutPoint
	payload := []byte("id?layout")
	opReturn := append([]byte{0x6a, byte(len(payload))}, payload...)

	tests := []struct {
		name      string
		build     func() *TxBuilder
		wantIn0   *wire.OutPoint
		wantOuts  [][]byte // scripts in order; nil entry = change
		changeTo  *Key
		fee       btcutil.Amount // 0: not checked exactly
		wantErrIs error
		wantErr   bool
	}{
		{
			name:     "change last by default",
			build:    func() *TxBuilder { return n.NewTx(sender).OpReturn(payload).Pay(other, 5500) },
			wantOuts: [][]byte{opReturn, p2pkh(other.Hash160()), nil},
			changeTo: sender,
		},
		{
			name: "change between outputs, preorder layout",
			build: func() *TxBuilder {
				return n.NewTx(sender).OpReturn(payload).ChangeHere().Pay(burn, 10000)
			},
			wantOuts: [][]byte{opReturn, nil, p2pkh(burn.Hash160())},
			changeTo: sender,
		},
		{
			name:     "change to another key",
			build:    func() *TxBuilder { return n.NewTx(sender).Pay(other, 1000).ChangeTo(burn) },
			wantOuts: [][]byte{p2pkh(other.Hash160()), nil},
			changeTo: burn,
		},
		{
			name:     "forced input first",
			build:    func() *TxBuilder { return n.NewTx(twoCoins).SpendOutPoint(forced).OpReturn(payload) },
			wantIn0:  &forced,
			wantOuts: [][]byte{opReturn, nil},
			changeTo: twoCoins,
		},
		{
			name:     "fixed fee",
			build:    func() *TxBuilder { return n.NewTx(sender).OpReturn(payload).Fee(12345) },
			wantOuts: [][]byte{opReturn, nil},
			changeTo: sender,
			fee:      12345,
		},
		{
			name:      "key without funds",
			build:     func() *TxBuilder { return n.NewTx(n.NewKey()).OpReturn(payload) },
			wantErrIs: ErrNoFunds,
		},
		{
			name: "foreign outpoint",
			build: func() *TxBuilder {
				return n.NewTx(sender).SpendOutPoint(wire.OutPoint{Hash: chainhash.Hash{1}})
			},
			wantErr: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tx, err := tc.build().Build()
			if tc.wantErr || tc.wantErrIs != nil {
				if err == nil || (tc.wantErrIs != nil && !errors.Is(err, tc.wantErrIs)) {
					t.Fatalf("Build() error %v, want %v", err, tc.wantErrIs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			values := make(map[wire.OutPoint]int64)
			for _, k := range []*Key{sender, twoCoins} {
				us, err := n.UTXOs(k)
				if err != nil {
					t.Fatal(err)
				}
				for _, u := range us {
					values[u.OutPoint] = int64(u.Value)
				}
			}
			var in int64
			for i, txin := range tx.TxIn {
				v, ok := values[txin.PreviousOutPoint]
				if !ok {
					t.Fatalf("input %d spends %v, not a harness output", i, txin.PreviousOutPoint)
				}
				in += v
			}
			if tc.wantIn0 != nil && tx.TxIn[0].PreviousOutPoint != *tc.wantIn0 {
				t.Errorf("first input %v, want %v", tx.TxIn[0].PreviousOutPoint, *tc.wantIn0)
			}
			if len(tx.TxOut) != len(tc.wantOuts) {
				t.Fatalf("%d outputs, want %d", len(tx.TxOut), len(tc.wantOuts))
			}
			var out int64
			for i, want := range tc.wantOuts {
				if want == nil {
					want = p2pkh(tc.changeTo.Hash160())
					if tx.TxOut[i].Value < int64(minChange) {
						t.Errorf("change %d below %d", tx.TxOut[i].Value, minChange)
					}
				}
				if !bytes.Equal(tx.TxOut[i].PkScript, want) {
					t.Errorf("output %d script %x, want %x", i, tx.TxOut[i].PkScript, want)
				}
				out += tx.TxOut[i].Value
			}
			fee := btcutil.Amount(in - out)
			if tc.fee != 0 && fee != tc.fee {
				t.Errorf("fee %v, want %v", fee, tc.fee)
			}
			// The estimate must cover btcd's 1 sat/byte relay floor.
			if size := tx.SerializeSize(); fee < btcutil.Amount(size) {
				t.Errorf("fee %v for %d bytes", fee, size)
			}
			if _, err := n.Broadcast(tx); err != nil {
				t.Fatalf("btcd rejected the tx: %v", err)
			}
		})
	}
}
