package state

import (
	"crypto/hmac"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/wire"
)

// childPub is BIP32's public child derivation (CKDpub) for a parent key
// with an all-zero chain code, written out here from the BIP rather than
// through hdkeychain so the keychain the state machine builds is checked
// against an independent derivation.
func childPub(t testing.TB, parent []byte, i uint32) []byte {
	t.Helper()
	mac := hmac.New(sha512.New, make([]byte, 32))
	mac.Write(parent)
	mac.Write(binary.BigEndian.AppendUint32(nil, i))
	sum := mac.Sum(nil)
	_, tweak := btcec.PrivKeyFromBytes(sum[:32])
	pk, err := btcec.ParsePubKey(parent)
	if err != nil {
		t.Fatal(err)
	}
	var a, b, r btcec.JacobianPoint
	tweak.AsJacobian(&a)
	pk.AsJacobian(&b)
	btcec.AddNonConst(&a, &b, &r)
	r.ToAffine()
	return btcec.NewPublicKey(&r.X, &r.Y).SerializeCompressed()
}

// keychainWallet is the wallet of the i-th import key of revealer.
func keychainWallet(t testing.TB, revealer *wallet, i uint32) *wallet {
	return walletOfPub(fmt.Sprintf("%s/%d", revealer.label, i), childPub(t, revealer.pub, i))
}

func importTx(c *chain, from *wallet, fqn string, owner *wallet, vh string) *wire.MsgTx {
	return c.tx(from, ';', []byte(fqn), to(owner, 1000), vhOut(vh))
}

// TestNameImport covers NAME_IMPORT and its keychain rules: the first
// import must come from the reveal address, later ones from it or one of
// the first keyring-size BIP32 children of its key (blockstack-v1.md §1.4.7).
func TestNameImport(t *testing.T) {
	base := func(c *chain) { c.revealNamespace("test", cheapRules, alice, dave) }
	first := func(c *chain) { c.mustMine(importTx(c, dave, "first.test", carol, valueHash("zf0"))) }
	imported := func(t *testing.T, c *chain, res *Result) {
		row := c.nameRow("foo.test")
		h := int64(res.Height)
		if row == nil || str(row, "sender") != bob.scriptHex() || str(row, "address") != bob.addr || str(row, "op") != ";" ||
			str(row, "value_hash") != valueHash("zf1") || num(row, "first_registered") != h || num(row, "block_number") != h ||
			num(row, "op_fee") != cheapPrice || !isNone(row, "consensus_hash") {
			t.Fatalf("name row %v", row)
		}
		if len(res.Announcements) != 1 || res.Announcements[0].Hash != valueHash("zf1") {
			t.Fatalf("announcements %v", res.Announcements)
		}
	}
	importedBy := func(w *wallet) func(t *testing.T, c *chain, res *Result) {
		return func(t *testing.T, c *chain, res *Result) {
			imported(t, c, res)
			row := c.nameRow("foo.test")
			if str(row, "importer") != w.scriptHex() || str(row, "importer_address") != w.addr {
				t.Fatalf("importer %q, want %s", str(row, "importer_address"), w.label)
			}
		}
	}
	absent := func(t *testing.T, c *chain, res *Result) {
		if row := c.nameRow("foo.test"); row != nil {
			t.Fatalf("rejected import stored: %v", row)
		}
	}
	child := func(i uint32) *wallet { return keychainWallet(t, dave, i) }
	opSuite{net: net1, base: base}.run(t, []opCase{
		{name: "first import by the revealer", ok: true, check: importedBy(dave),
			block: func(c *chain) []*wire.MsgTx { return one(importTx(c, dave, "foo.test", bob, valueHash("zf1"))) }},
		{name: "first import by an import key", ok: false, check: absent,
			block: func(c *chain) []*wire.MsgTx { return one(importTx(c, child(0), "foo.test", bob, valueHash("zf1"))) }},
		{name: "import key 0 after the first import", ok: true, check: importedBy(child(0)), setup: first,
			block: func(c *chain) []*wire.MsgTx { return one(importTx(c, child(0), "foo.test", bob, valueHash("zf1"))) }},
		{name: "last import key", ok: true, check: importedBy(child(4)), setup: first,
			block: func(c *chain) []*wire.MsgTx { return one(importTx(c, child(4), "foo.test", bob, valueHash("zf1"))) }},
		{name: "key past the keyring", ok: false, check: absent, setup: first,
			block: func(c *chain) []*wire.MsgTx { return one(importTx(c, child(5), "foo.test", bob, valueHash("zf1"))) }},
		{name: "stranger after the first import", ok: false, check: absent, setup: first,
			block: func(c *chain) []*wire.MsgTx { return one(importTx(c, carol, "foo.test", bob, valueHash("zf1"))) }},
		{name: "preorderer instead of revealer", ok: false, check: absent,
			block: func(c *chain) []*wire.MsgTx { return one(importTx(c, alice, "foo.test", bob, valueHash("zf1"))) }},
		{name: "revealer key not in the spending script", ok: false, check: absent,
			block: func(c *chain) []*wire.MsgTx {
				tx := importTx(c, dave, "foo.test", bob, valueHash("zf1"))
				tx.TxIn[0].SignatureScript = carol.sigScript()
				return one(tx)
			}},
		{name: "no value-hash output", ok: false, check: absent,
			block: func(c *chain) []*wire.MsgTx { return one(c.tx(dave, ';', []byte("foo.test"), to(bob, 1000))) }},
		{name: "namespace already ready", ok: false, check: absent,
			setup: func(c *chain) { c.mustMine(c.tx(dave, '!', []byte(".test"))) },
			block: func(c *chain) []*wire.MsgTx { return one(importTx(c, dave, "foo.test", bob, valueHash("zf1"))) }},
		{name: "namespace not revealed", ok: false,
			block: func(c *chain) []*wire.MsgTx { return one(importTx(c, dave, "foo.tesu", bob, valueHash("zf1"))) }},
		{name: "re-import keeps the first import's heights", ok: true,
			setup: func(c *chain) {
				c.mustMine(importTx(c, dave, "foo.test", bob, valueHash("zf1")))
				c.mine()
			},
			block: func(c *chain) []*wire.MsgTx { return one(importTx(c, dave, "foo.test", carol, valueHash("zf2"))) },
			check: func(t *testing.T, c *chain, res *Result) {
				row := c.nameRow("foo.test")
				h0 := int64(res.Height) - 2
				if str(row, "sender") != carol.scriptHex() || str(row, "value_hash") != valueHash("zf2") ||
					num(row, "first_registered") != h0 || num(row, "block_number") != h0 ||
					num(row, "preorder_block_number") != h0 || num(row, "last_renewed") != h0 ||
					str(row, "preorder_hash") != hex.EncodeToString(hashName("foo.test", dave, bob.addr)) {
					t.Fatalf("name row %v", row)
				}
			}},
	})

	t.Run("keychain", func(t *testing.T) {
		c := newChain(t, net1(t), nil)
		base(c)
		first(c)
		got, err := c.view().keychain("test")
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for i := uint32(0); i < 5; i++ {
			want = append(want, child(i).addr)
		}
		want = append(want, dave.addr)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("keychain\n got %v\nwant %v", got, want)
		}
	})
}
