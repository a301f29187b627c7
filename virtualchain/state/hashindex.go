package state

import (
	"encoding/binary"
	"encoding/hex"
)

// hashIndex mirrors the committed 'C' keys: each consensus hash and the
// lowest height that produced it. Every block asks whether its new hash is
// already known, and almost never is; answering that from Pebble meant a
// lookup through the memtables and every level for a key that is not there.
//
// Like senderIndex it changes only with the committed keys: after a block's
// batch commits, after each rolled-back block and at Open. Hashes are kept
// as their 16 bytes (a mainnet replay has 292,150 of them); every 'C' key
// this package writes is 32 lower-case hex characters, and load refuses
// any other.
type hashIndex map[[16]byte]uint64

// hashKey returns the bytes of a consensus hash in canonical form (32
// lower-case hex characters), and false for any other string.
func hashKey(ch string) ([16]byte, bool) {
	var k [16]byte
	if len(ch) != 32 {
		return k, false
	}
	for i := 0; i < len(ch); i++ {
		if c := ch[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return k, false
		}
	}
	_, err := hex.Decode(k[:], []byte(ch))
	return k, err == nil
}

// apply records the committed value of a 'C' key (or its absence); other
// keys are ignored, as are values that are not a height.
func (x hashIndex) apply(key []byte, exists bool, val []byte) {
	if len(key) == 0 || key[0] != pfxConsensusRev {
		return
	}
	k, ok := hashKey(string(key[1:]))
	if !ok {
		return
	}
	if exists && len(val) == 8 {
		x[k] = binary.BigEndian.Uint64(val)
	} else {
		delete(x, k)
	}
}

// load fills the index from the committed 'C' keys.
func (x hashIndex) load(base reader) error {
	it, err := base.NewIter(nil)
	if err != nil {
		return err
	}
	defer it.Close()
	lo := []byte{pfxConsensusRev}
	it.SetBounds(lo, prefixEnd(lo))
	for it.First(); it.Valid(); it.Next() {
		k, ok := hashKey(string(it.Key()[1:]))
		if !ok || len(it.Value()) != 8 {
			return &InvariantError{Msg: "malformed consensus hash index entry " + string(it.Key())}
		}
		x[k] = binary.BigEndian.Uint64(it.Value())
	}
	return it.Error()
}

// knownHash reports whether a committed block or this block's writes
// recorded consensus hash ch.
func (b *block) knownHash(ch string) bool {
	if w, ok := b.ov.writes[string(strKey(pfxConsensusRev, ch))]; ok {
		return !w.del
	}
	k, ok := hashKey(ch)
	if !ok {
		// Not a spelling this package stores: no committed key has it.
		return false
	}
	_, ok = b.m.hashIdx[k]
	return ok
}
