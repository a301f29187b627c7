package nameop

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// HashName mirrors hashing.py hash_name, the preorder hash of a name or
// namespace ID: hex(hash160(B40ToBin(name) ‖ unhex(scriptHex) ‖ addr)),
// where addr is appended as its base58 text. For NAME_PREORDER name is the
// full "name.ns", scriptHex the preorderer's script and addr the address of
// the registration's recipient output; for NAMESPACE_PREORDER name is the
// namespace ID and addr the reveal address. It fails where the reference
// raised: a name with characters outside base 40, or a script that is not
// hex.
func HashName(name, scriptHex, addr string) (string, error) {
	bin, err := B40ToBin(name)
	if err != nil {
		return "", err
	}
	script, err := hex.DecodeString(scriptHex)
	if err != nil {
		return "", fmt.Errorf("nameop: hash name %q: script: %w", name, err)
	}
	buf := make([]byte, 0, len(bin)+len(script)+len(addr))
	buf = append(buf, bin...)
	buf = append(buf, script...)
	buf = append(buf, addr...)
	return hex.EncodeToString(Hash160(buf)), nil
}

// Hash128 mirrors hashing.py hash256_trunc128: the hex of the first 16 bytes
// of SHA256(data).
func Hash128(data string) string {
	sum := sha256.Sum256([]byte(data))
	return hex.EncodeToString(sum[:16])
}

// NameHash128 is a name's name_hash128, the key a NAME_TRANSFER payload
// names it by.
func NameHash128(name string) string { return Hash128(name) }

// NameConsensusHash is the hash a NAME_UPDATE payload carries:
// Hash128(name ‖ consensusHashHex), over the 32-character hex text of the
// consensus hash, not its 16 bytes.
func NameConsensusHash(name, consensusHashHex string) string {
	return Hash128(name + consensusHashHex)
}
