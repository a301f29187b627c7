package state

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/wire"

	"github.com/atlasd/atlasd/virtualchain/params"
)

// Payload builders, one per operation (blockstack-v1.md §1.4).

func unhex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(fmt.Sprintf("optest: bad hex %q", s))
	}
	return b
}

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// units19 is a NUL-padded 19-byte token type field.
func units19(s string) []byte { return append([]byte(s), make([]byte, 19-len(s))...) }

// b40 reads s as a base-40 number over v1's alphabet.
func b40(s string) *big.Int {
	n := new(big.Int)
	for _, ch := range []byte(s) {
		n.Mul(n, big.NewInt(40))
		n.Add(n, big.NewInt(int64(strings.IndexByte("0123456789abcdefghijklmnopqrstuvwxyz-_.+", ch))))
	}
	return n
}

// hashName is the preorder hash H160(b40(fqn) || script || address text),
// computed here from the spec rather than with nameop.HashName.
func hashName(fqn string, from *wallet, addr string) []byte {
	h := b40(fqn).Text(16)
	if len(h)%2 == 1 {
		h = "0" + h
	}
	buf := append(append(unhex(h), from.script...), addr...)
	return btcutil.Hash160(buf)
}

func hash128(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:16]
}

func preorderPayload(fqn string, from, owner *wallet, ch string) []byte {
	return append(hashName(fqn, from, owner.addr), unhex(ch)...)
}

func nsPreorderPayload(id string, from, revealer *wallet, ch string) []byte {
	return append(hashName(id, from, revealer.addr), unhex(ch)...)
}

// nsRules are a namespace's reveal parameters.
type nsRules struct {
	lifetime          uint32
	coeff, base       byte
	buckets           [16]byte
	nonalpha, novowel byte
	version           uint16
}

func (r nsRules) payload(id string) []byte {
	p := binary.BigEndian.AppendUint32(nil, r.lifetime)
	p = append(p, r.coeff, r.base)
	for i := 0; i < 16; i += 2 {
		p = append(p, r.buckets[i]<<4|r.buckets[i+1])
	}
	p = append(p, r.nonalpha<<4|r.novowel)
	p = binary.BigEndian.AppendUint16(p, r.version)
	return append(p, id...)
}

func flatBuckets(e byte) (b [16]byte) {
	for i := range b {
		b[i] = e
	}
	return b
}

// cheapRules price every name at 2 * 10^2 * 100 = 20000 satoshis before
// discounts and let names live 1000 blocks.
var cheapRules = nsRules{lifetime: 1000, coeff: 2, base: 10, buckets: flatBuckets(2), nonalpha: 1, novowel: 1, version: 1}

const cheapPrice = 20000

// registerPayload is a name followed, when vh is given, by the 37-byte
// padding and the value hash of epoch 3 and later.
func registerPayload(fqn string, vh ...string) []byte {
	if len(vh) == 0 {
		return []byte(fqn)
	}
	p := append([]byte(fqn), make([]byte, 37-len(fqn))...)
	return append(p, unhex(vh[0])...)
}

func updatePayload(fqn, ch, vh string) []byte {
	return append(hash128(fqn+ch), unhex(vh)...)
}

func transferPayload(keep bool, fqn, ch string) []byte {
	d := byte('~')
	if keep {
		d = '>'
	}
	return append(append([]byte{d}, hash128(fqn)...), unhex(ch)...)
}

func tokenTransferPayload(ch, units string, amount uint64) []byte {
	return append(append(unhex(ch), units19(units)...), u64(amount)...)
}

// valueHash returns a distinct 20-byte hash per label.
func valueHash(label string) string {
	return hex.EncodeToString(btcutil.Hash160([]byte(label)))
}

// vhOut is NAME_IMPORT's third output: a p2pkh output of the value hash.
func vhOut(vh string) *wire.TxOut { return wire.NewTxOut(5500, p2pkhScript(unhex(vh))) }

// Shared setups.

// nsPrice is what the namespace preorder pays: at least the price of any
// 2..19 character ID in every epoch's BTC table (40 BTC).
const nsPrice = 40 * 100000000

// readyNamespace preorders, reveals and readies id with rules in three
// blocks; the revealer signs imports and READY. In epochs where namespaces
// cost STX the preorderer pays stx tokens from its genesis account.
func (c *chain) readyNamespace(id string, r nsRules, preorderer, revealer *wallet, stx ...uint64) {
	c.t.Helper()
	c.revealNamespace(id, r, preorderer, revealer, stx...)
	c.mustMine(c.tx(revealer, '!', append([]byte{'.'}, id...)))
}

// revealNamespace is readyNamespace without the READY.
func (c *chain) revealNamespace(id string, r nsRules, preorderer, revealer *wallet, stx ...uint64) {
	c.t.Helper()
	p := nsPreorderPayload(id, preorderer, revealer, c.ch())
	if c.p.Features(c.next()).Has(params.StacksBuyNamespaces) {
		if len(stx) == 0 {
			c.t.Fatal("revealNamespace: this epoch needs a STX fee")
		}
		p = append(p, u64(stx[0])...)
	}
	c.mustMine(c.tx(preorderer, '*', p, to(preorderer, 1000), burn(nsPrice)))
	c.mustMine(c.tx(preorderer, '&', r.payload(id), to(revealer, 1000), to(preorderer, 1000)))
}

// register preorders fqn from payer for owner and registers it in the next
// block, paying fee satoshis.
func (c *chain) register(fqn string, payer, owner *wallet, fee int64) {
	c.t.Helper()
	c.mustMine(c.tx(payer, '?', preorderPayload(fqn, payer, owner, c.ch()), to(payer, 1000), burn(fee)))
	c.mustMine(c.tx(payer, ':', registerPayload(fqn), to(owner, 1000)))
}

// ownMany registers n names (own00.test, own01.test, ...) to owner in two
// blocks: all preorders, then all registrations.
func (c *chain) ownMany(owner *wallet, n int) {
	c.t.Helper()
	var pre, reg []*wire.MsgTx
	for i := 0; i < n; i++ {
		fqn := fmt.Sprintf("own%02d.test", i)
		pre = append(pre, c.tx(owner, '?', preorderPayload(fqn, owner, owner, c.ch()), to(owner, 1000), burn(cheapPrice)))
		reg = append(reg, c.tx(owner, ':', registerPayload(fqn), to(owner, 1000)))
	}
	c.mustMine(pre...)
	c.mustMine(reg...)
}
