// Package bnstx builds real BNS name-operation transactions on a regtest
// node: the OP_RETURN payloads of Blockstack Core v1 (spec §1.4) with the
// output layouts its parsers require (§1.5), funded and signed by the
// regtest harness wallet. Integration tests and the devnet use it to play
// name histories against a live chain.
//
// Payload layouts are those of the epochs without register-with-update
// (the regtest network's first epoch): a registration carries only the
// name, and zonefile hashes are set with NAME_UPDATE.
package bnstx

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/btcsuite/btcd/btcutil"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
	"github.com/atlasd/atlasd/virtualchain/nameop"
)

// Dust is the value of the marker outputs (owner, reveal address).
const Dust btcutil.Amount = 5500

// Builder makes BNS transactions for one network on one node.
type Builder struct {
	n   *regtest.Node
	net nameop.Network
}

// New returns a builder for net (its magic and address versions).
func New(n *regtest.Node, net nameop.Network) *Builder { return &Builder{n: n, net: net} }

func (b *Builder) data(op byte, payload ...[]byte) []byte {
	d := []byte{b.net.Magic[0], b.net.Magic[1], op}
	for _, p := range payload {
		d = append(d, p...)
	}
	return d
}

func (b *Builder) address(k *regtest.Key) string {
	addr, _ := nameop.ScriptToAddress(k.PkScript(), b.net)
	return addr
}

func (b *Builder) burnScript() []byte {
	// OP_DUP OP_HASH160 <20 zero bytes> OP_EQUALVERIFY OP_CHECKSIG
	s := []byte{0x76, 0xa9, 0x14}
	s = append(s, make([]byte, 20)...)
	return append(s, 0x88, 0xac)
}

func unhex(s string, n int) ([]byte, error) {
	v, err := hex.DecodeString(s)
	if err != nil || len(v) != n {
		return nil, fmt.Errorf("bnstx: %q is not %d hex bytes", s, n)
	}
	return v, nil
}

// NamespacePreorder pays fee to the burn address to preorder nsID for the
// reveal address of revealer; ch is a recent consensus hash.
func (b *Builder) NamespacePreorder(from *regtest.Key, nsID string, revealer *regtest.Key, ch string, fee btcutil.Amount) (*regtest.TxBuilder, error) {
	h, err := nameop.HashName(nsID, hex.EncodeToString(from.PkScript()), b.address(revealer))
	if err != nil {
		return nil, err
	}
	hb, err := unhex(h, 20)
	if err != nil {
		return nil, err
	}
	cb, err := unhex(ch, 16)
	if err != nil {
		return nil, err
	}
	return b.n.NewTx(from).OpReturn(b.data('*', hb, cb)).ChangeHere().PayScript(b.burnScript(), fee), nil
}

// Rules are a namespace's price function and lifetime (spec §1.4.9).
type Rules struct {
	Lifetime     uint32 // blocks; 0xffffffff never expires
	Coeff, Base  byte
	Buckets      [16]byte // exponent per name length, each 0..15
	NonAlphaDisc byte     // 1..15
	NoVowelDisc  byte     // 1..15
	Version      uint16   // 1 = pay to burn
}

// CheapRules makes names of every length cost coeff 1 × base 2 ^ 1 units.
func CheapRules(lifetime uint32) Rules {
	r := Rules{Lifetime: lifetime, Coeff: 1, Base: 2, NonAlphaDisc: 1, NoVowelDisc: 1, Version: 1}
	for i := range r.Buckets {
		r.Buckets[i] = 1
	}
	return r
}

// NamespaceReveal reveals nsID with rules; from must be the preorderer and
// revealer the key named in the preorder.
func (b *Builder) NamespaceReveal(from *regtest.Key, nsID string, revealer *regtest.Key, r Rules) *regtest.TxBuilder {
	p := make([]byte, 17, 17+len(nsID))
	binary.BigEndian.PutUint32(p[0:4], r.Lifetime)
	p[4], p[5] = r.Coeff, r.Base
	for i := 0; i < 8; i++ {
		p[6+i] = r.Buckets[2*i]<<4 | r.Buckets[2*i+1]&0x0f
	}
	p[14] = r.NonAlphaDisc<<4 | r.NoVowelDisc&0x0f
	binary.BigEndian.PutUint16(p[15:17], r.Version)
	p = append(p, nsID...)
	return b.n.NewTx(from).OpReturn(b.data('&', p)).Pay(revealer, Dust)
}

// NamespaceReady launches nsID; revealer must sign.
func (b *Builder) NamespaceReady(revealer *regtest.Key, nsID string) *regtest.TxBuilder {
	return b.n.NewTx(revealer).OpReturn(b.data('!', []byte("."+nsID)))
}

// NamePreorder preorders name for owner, paying fee to the burn address.
func (b *Builder) NamePreorder(from *regtest.Key, name string, owner *regtest.Key, ch string, fee btcutil.Amount) (*regtest.TxBuilder, error) {
	h, err := nameop.HashName(name, hex.EncodeToString(from.PkScript()), b.address(owner))
	if err != nil {
		return nil, err
	}
	hb, err := unhex(h, 20)
	if err != nil {
		return nil, err
	}
	cb, err := unhex(ch, 16)
	if err != nil {
		return nil, err
	}
	return b.n.NewTx(from).OpReturn(b.data('?', hb, cb)).ChangeHere().PayScript(b.burnScript(), fee), nil
}

// NameRegister registers a preordered name to owner; from is the
// preorderer.
func (b *Builder) NameRegister(from *regtest.Key, name string, owner *regtest.Key) *regtest.TxBuilder {
	return b.n.NewTx(from).OpReturn(b.data(':', []byte(name))).Pay(owner, Dust)
}

// NameRenew renews name, paying fee to the burn address; owner keeps it.
func (b *Builder) NameRenew(owner *regtest.Key, name string, fee btcutil.Amount) *regtest.TxBuilder {
	return b.n.NewTx(owner).OpReturn(b.data(':', []byte(name))).Pay(owner, Dust).ChangeHere().PayScript(b.burnScript(), fee)
}

// NameUpdate sets name's zonefile hash; ch is a consensus hash of one of
// the last 24 blocks.
func (b *Builder) NameUpdate(owner *regtest.Key, name, ch string, zonefile []byte) (*regtest.TxBuilder, error) {
	nh, err := unhex(nameop.Hash128(name+ch), 16)
	if err != nil {
		return nil, err
	}
	return b.n.NewTx(owner).OpReturn(b.data('+', nh, Hash160(zonefile))), nil
}

// NameTransfer gives name to newOwner, keeping its zonefile hash or not.
func (b *Builder) NameTransfer(owner *regtest.Key, name string, newOwner *regtest.Key, keepData bool, ch string) (*regtest.TxBuilder, error) {
	disp := byte('~')
	if keepData {
		disp = '>'
	}
	nh, err := unhex(nameop.Hash128(name), 16)
	if err != nil {
		return nil, err
	}
	cb, err := unhex(ch, 16)
	if err != nil {
		return nil, err
	}
	return b.n.NewTx(owner).OpReturn(b.data('>', []byte{disp}, nh, cb)).Pay(newOwner, Dust), nil
}

// NameRevoke revokes name for good.
func (b *Builder) NameRevoke(owner *regtest.Key, name string) *regtest.TxBuilder {
	return b.n.NewTx(owner).OpReturn(b.data('~', []byte(name)))
}

// Hash160 is RIPEMD160(SHA256(b)), the zonefile hash.
func Hash160(b []byte) []byte {
	h := inventory.HashOf(b)
	return h[:]
}
