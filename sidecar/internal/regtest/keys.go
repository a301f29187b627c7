package regtest

import (
	"crypto/sha256"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/txscript"
)

// Key is a secp256k1 key the harness can sign for, with its regtest P2PKH
// address. Keys are derived from a fixed seed and an index so that a failing
// run can be replayed with the same addresses.
type Key struct {
	priv     *btcec.PrivateKey
	addr     *btcutil.AddressPubKeyHash
	pkScript []byte
}

// keySeed separates harness keys from any other use of the same index.
const keySeed = "atlasd/regtest/key/"

// deriveKey makes the index-th harness key. The private key is
// sha256(seed || index), which is a valid scalar with overwhelming
// probability; PrivKeyFromBytes reduces it modulo the group order anyway.
func deriveKey(index int) (*Key, error) {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s%d", keySeed, index))
	priv, _ := btcec.PrivKeyFromBytes(sum[:])
	return newKey(priv)
}

func newKey(priv *btcec.PrivateKey) (*Key, error) {
	pub := priv.PubKey().SerializeCompressed()
	addr, err := btcutil.NewAddressPubKeyHash(btcutil.Hash160(pub), &chaincfg.RegressionNetParams)
	if err != nil {
		return nil, fmt.Errorf("regtest: key address: %w", err)
	}
	script, err := txscript.PayToAddrScript(addr)
	if err != nil {
		return nil, fmt.Errorf("regtest: key script: %w", err)
	}
	return &Key{priv: priv, addr: addr, pkScript: script}, nil
}

// PrivKey returns the private key, for tests that sign by hand.
func (k *Key) PrivKey() *btcec.PrivateKey { return k.priv }

// PubKey returns the 33-byte compressed public key the harness signs with.
func (k *Key) PubKey() []byte { return k.priv.PubKey().SerializeCompressed() }

// Hash160 returns the key's HASH160, from which any network's address
// (BNS on mainnet, testnet, regtest) can be encoded.
func (k *Key) Hash160() []byte { return k.addr.Hash160()[:] }

// Address returns the key's regtest P2PKH address (m... or n...).
func (k *Key) Address() *btcutil.AddressPubKeyHash { return k.addr }

// PkScript returns the P2PKH output script paying the key. The returned slice
// is a copy so callers may modify it.
func (k *Key) PkScript() []byte { return append([]byte(nil), k.pkScript...) }

// String returns the regtest address, so keys print usefully in test logs.
func (k *Key) String() string { return k.addr.EncodeAddress() }

// MinerKey returns the key btcd's --miningaddr pays, which owns every
// coinbase from Generate and MineBlock.
func (n *Node) MinerKey() *Key {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.keys[0]
}

// NewKey returns the next harness key. The wallet tracks outputs paying it,
// so it can be funded with Fund and used as a sender with NewTx.
func (n *Node) NewKey() *Key {
	n.mu.Lock()
	defer n.mu.Unlock()
	k, err := deriveKey(len(n.keys))
	if err != nil {
		// Unreachable: a compressed key always yields a 20-byte hash.
		n.t.Fatal(err)
	}
	n.keys = append(n.keys, k)
	// Force a rescan so outputs to the new key made by hand are found.
	n.wallet.confirmed = nil
	return k
}
