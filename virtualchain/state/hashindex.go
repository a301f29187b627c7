package state

import "encoding/binary"

// hashIndex mirrors the committed 'C' keys: each consensus hash and the
// lowest height that produced it. Every block asks whether its new hash is
// already known, and almost never is; answering that from Pebble meant a
// lookup through the memtables and every level for a key that is not there.
//
// Like senderIndex it changes only with the committed keys: after a block's
// batch commits, after each rolled-back block and at Open.
type hashIndex map[string]uint64

// apply records the committed value of a 'C' key (or its absence); other
// keys are ignored, as are values that are not a height.
func (x hashIndex) apply(key []byte, exists bool, val []byte) {
	if len(key) == 0 || key[0] != pfxConsensusRev {
		return
	}
	ch := string(key[1:])
	if exists && len(val) == 8 {
		x[ch] = binary.BigEndian.Uint64(val)
	} else {
		delete(x, ch)
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
		if len(it.Value()) != 8 {
			return &InvariantError{Msg: "malformed consensus hash index entry " + string(it.Key())}
		}
		x[string(it.Key()[1:])] = binary.BigEndian.Uint64(it.Value())
	}
	return it.Error()
}

// knownHash reports whether a committed block or this block's writes
// recorded consensus hash ch.
func (b *block) knownHash(ch string) bool {
	if w, ok := b.ov.writes[string(strKey(pfxConsensusRev, ch))]; ok {
		return !w.del
	}
	_, ok := b.m.hashIdx[ch]
	return ok
}
