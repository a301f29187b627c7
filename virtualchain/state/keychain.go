package state

import (
	"encoding/hex"
	"strings"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/hdkeychain"
	"github.com/btcsuite/btcd/chaincfg"

	"github.com/atlasd/atlasd/virtualchain/nameop"
)

// pubkeyAddress is the P2PKH address of a public key as pushed (compressed
// or not), the way v1's BitcoinPublicKey(hex).address() derived it.
func pubkeyAddress(pubHex string, net nameop.Network) (string, error) {
	raw, err := hex.DecodeString(pubHex)
	if err != nil {
		return "", err
	}
	if _, err := btcec.ParsePubKey(raw); err != nil {
		return "", err
	}
	return base58Check(btcutil.Hash160(raw), net.P2PKHVersion), nil
}

func base58Check(h160 []byte, version byte) string {
	return base58CheckEncode(h160, version)
}

var base58CheckEncode = func(b []byte, v byte) string {
	return btcutilBase58(b, v)
}

// importKeychain is namedb.build_import_keychain: the addresses of the first
// n public BIP32 children of an extended key made from the revealer's
// compressed public key with a zero chain code, plus the key's own address.
func importKeychain(pubHex string, n int, net nameop.Network) ([]string, error) {
	raw, err := hex.DecodeString(pubHex)
	if err != nil {
		return nil, err
	}
	pk, err := btcec.ParsePubKey(raw)
	if err != nil {
		return nil, err
	}
	own, err := pubkeyAddress(pubHex, net)
	if err != nil {
		return nil, err
	}
	xpub := hdkeychain.NewExtendedKey(chaincfg.MainNetParams.HDPublicKeyID[:], pk.SerializeCompressed(), make([]byte, 32), []byte{0, 0, 0, 0}, 0, 0, false)
	out := make([]string, 0, n+1)
	for i := 0; i < n; i++ {
		child, err := xpub.Derive(uint32(i))
		if err != nil {
			return nil, err
		}
		cpk, err := child.ECPubKey()
		if err != nil {
			return nil, err
		}
		out = append(out, base58Check(btcutil.Hash160(cpk.SerializeCompressed()), net.P2PKHVersion))
	}
	return append(out, own), nil
}

// isMultisigScriptHex is virtualchain's is_multisig_script: p2sh or p2wsh.
func isMultisigScriptHex(s string) bool {
	s = strings.ToLower(s)
	p2sh := len(s) == 46 && strings.HasPrefix(s, "a914") && strings.HasSuffix(s, "87")
	p2wsh := len(s) == 68 && strings.HasPrefix(s, "0020")
	return p2sh || p2wsh
}
