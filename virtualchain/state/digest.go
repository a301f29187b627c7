package state

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"

	"github.com/cockroachdb/pebble"
)

// Digest returns a SHA-256 over every key and value of the replay state
// except undo records and metadata, in key order. Two databases with the
// same digest hold the same names, namespaces, preorders, history, hashes
// and chunk slots: crash, reorg and rollback tests compare it with a fresh
// replay's.
func (m *Machine) Digest() (string, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	it, err := m.db.NewIter(&pebble.IterOptions{})
	if err != nil {
		return "", err
	}
	defer it.Close()
	h := sha256.New()
	var n [8]byte
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		if len(k) == 0 || k[0] == pfxUndo || k[0] == pfxMeta {
			continue
		}
		binary.BigEndian.PutUint64(n[:], uint64(len(k)))
		h.Write(n[:])
		h.Write(k)
		binary.BigEndian.PutUint64(n[:], uint64(len(it.Value())))
		h.Write(n[:])
		h.Write(it.Value())
	}
	if err := it.Error(); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
