package nameop

import (
	"bytes"
	"encoding/hex"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/wire"
)

// senderPubkey mirrors scripts.py get_public_key_hex_from_tx: walk every
// input in order, take the second element of any scriptSig with exactly two
// elements, and return (as hex of the pushed bytes) the first one that is a
// public key whose p2pkh hash equals want. "" means None.
func senderPubkey(ins []*wire.TxIn, want []byte) string {
	for _, in := range ins {
		toks := tokenize(in.SignatureScript, 2)
		if len(toks) != 2 || !toks[1].push {
			continue
		}
		cand := toks[1].data
		key := keylibKeyBytes(cand)
		if key == nil || !bytes.Equal(Hash160(key), want) {
			continue
		}
		// Hash first, curve check second: the answer is the same and the
		// check is the expensive part.
		if _, err := btcec.ParsePubKey(key); err != nil {
			continue
		}
		return hex.EncodeToString(cand)
	}
	return ""
}

// keylibKeyBytes returns the key bytes keylib's ECPublicKey builds from a
// pushed candidate, which are the bytes its address() hashes, or nil when
// keylib refuses the candidate's shape. keylib sniffs the *hex string* it
// is given, which leads to two odd cases kept here: a 64-byte push is taken
// as raw x‖y coordinates and gets an 0x04 prefix, and a 32-byte push (64 hex
// characters) is taken as 64 binary bytes made of its own hex text.
func keylibKeyBytes(c []byte) []byte {
	switch {
	case len(c) == 32:
		return append([]byte{0x04}, hex.EncodeToString(c)...)
	case len(c) == 64:
		return append([]byte{0x04}, c...)
	case len(c) == 65 && c[0] == 0x04:
		return c
	case len(c) == 33 && (c[0] == 0x02 || c[0] == 0x03):
		return c
	}
	return nil
}
