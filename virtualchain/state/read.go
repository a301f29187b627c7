package state

import (
	"fmt"

	"github.com/cockroachdb/pebble"

	"github.com/atlasd/atlasd/consensus"
)

// Record is a stored row as plain Go values (nil, int64, float64, string,
// bool, []int64), keyed by v1's column names, for APIs and the CLI. It is a
// copy: changing it changes nothing stored.
type Record map[string]any

func plainRecord(r rec) Record {
	out := make(Record, len(r))
	for k, v := range r {
		out[k] = plainValue(v)
	}
	return out
}

func plainValue(v consensus.Value) any {
	switch v.Kind() {
	case consensus.KindInt:
		i, _ := v.AsInt()
		return i
	case consensus.KindFloat:
		f, _ := v.AsFloat()
		return f
	case consensus.KindStr:
		s, _ := v.AsStr()
		return s
	case consensus.KindBool:
		b, _ := v.AsBool()
		return b
	case consensus.KindIntList:
		l, _ := v.AsIntList()
		return l
	}
	return nil
}

func (m *Machine) readRow(key []byte) (Record, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return nil, false, ErrClosed
	}
	v, ok, err := m.getRaw(key)
	if err != nil || !ok {
		return nil, false, err
	}
	r, err := decodeRec(v)
	if err != nil {
		return nil, false, fmt.Errorf("state: decode %q: %w", key, err)
	}
	return plainRecord(r), true, nil
}

// Name returns a name's current record (as of the last applied block),
// whatever its status: expired and revoked names are still stored.
func (m *Machine) Name(name string) (Record, bool, error) {
	return m.readRow(strKey(pfxName, name))
}

// Namespace returns a namespace's record, revealed or ready.
func (m *Machine) Namespace(id string) (Record, bool, error) {
	return m.readRow(strKey(pfxNamespace, id))
}

// History returns the history entries of a name or namespace in (height,
// vtxindex) order, each the record as it stood after that operation.
func (m *Machine) History(id string) ([]Record, error) {
	var out []Record
	err := m.scanPrefix(historyPrefix(id), 0, func(k, v []byte) error {
		r, err := decodeRec(v)
		if err != nil {
			return fmt.Errorf("state: decode history %q: %w", k, err)
		}
		out = append(out, plainRecord(r))
		return nil
	})
	return out, err
}

// Namespaces returns the IDs of every revealed or ready namespace, sorted.
func (m *Machine) Namespaces() ([]string, error) {
	var out []string
	err := m.scanPrefix([]byte{pfxNamespace}, 0, func(k, _ []byte) error {
		out = append(out, string(k[1:]))
		return nil
	})
	return out, err
}

// NameCount returns how many names have a record (live, expired or
// revoked).
func (m *Machine) NameCount() (int, error) {
	n := 0
	err := m.scanPrefix([]byte{pfxName}, 0, func(_, _ []byte) error { n++; return nil })
	return n, err
}

// scanPrefix calls fn for each committed key with prefix p, in key order,
// stopping after limit keys when limit > 0.
// It holds the read lock, so it sees no block half-applied.
func (m *Machine) scanPrefix(p []byte, limit int, fn func(k, v []byte) error) error {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return ErrClosed
	}
	it, err := m.db.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return err
	}
	defer it.Close()
	n := 0
	for it.First(); it.Valid(); it.Next() {
		if err := fn(it.Key(), it.Value()); err != nil {
			return err
		}
		if n++; limit > 0 && n >= limit {
			break
		}
	}
	return it.Error()
}
