package nameop

import (
	"encoding/hex"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/btcutil/bech32"
)

// Network holds the network-level constants extraction needs. The caller
// fills it from its network parameters.
type Network struct {
	// Magic is the two bytes every BNS payload starts with ("id" on
	// mainnet and in the reference's regtest runs).
	Magic [2]byte
	// P2PKHVersion and P2SHVersion are the base58check version bytes
	// (0x00/0x05 on mainnet, 0x6f/0xc4 on testnet and regtest).
	P2PKHVersion, P2SHVersion byte
}

// bech32HRP mirrors virtualchain, which picks "tb" from the same testnet
// switch that selects the 0x6f/0xc4 version bytes, and "bc" otherwise.
func (n Network) bech32HRP() string {
	if n.P2PKHVersion == 0x00 {
		return "bc"
	}
	return "tb"
}

// Hash160 is RIPEMD160(SHA256(b)).
func Hash160(b []byte) []byte { return btcutil.Hash160(b) }

// BurnAddress is BLOCKSTACK_BURN_ADDRESS for the network: the p2pkh address
// of twenty zero bytes ("1111111111111111111114oLvT2" on mainnet).
func BurnAddress(net Network) string {
	return base58.CheckEncode(make([]byte, 20), net.P2PKHVersion)
}

// ScriptToAddress classifies script and gives the address virtualchain's
// btc_script_hex_to_address would: base58check for p2pkh and p2sh, and for
// p2wpkh and p2wsh the reference's own bech32 string, which encodes witness
// version 1 instead of 0 (a virtualchain bug kept here because a NAME_RENEWAL
// fee output is not type-checked and only needs *some* address to extract).
// Every other script has no address ("").
func ScriptToAddress(script []byte, net Network) (string, ScriptType) {
	t := ClassifyScript(script)
	switch t {
	case ScriptP2PKH:
		return base58.CheckEncode(script[3:23], net.P2PKHVersion), t
	case ScriptP2SH:
		return base58.CheckEncode(script[2:22], net.P2SHVersion), t
	case ScriptP2WPKH, ScriptP2WSH:
		return virtualchainBech32(script[2:], net.bech32HRP()), t
	}
	return "", t
}

func virtualchainBech32(program []byte, hrp string) string {
	five, err := bech32.ConvertBits(program, 8, 5, true)
	if err != nil {
		return ""
	}
	addr, err := bech32.Encode(hrp, append([]byte{1}, five...))
	if err != nil {
		return ""
	}
	return addr
}

// scriptHash160 returns the 20-byte hash a p2pkh or p2sh script pays to.
func scriptHash160(script []byte, t ScriptType) []byte {
	switch t {
	case ScriptP2PKH:
		return script[3:23]
	case ScriptP2SH:
		return script[2:22]
	}
	return nil
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }
