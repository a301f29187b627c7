package state

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/cockroachdb/pebble"
)

// reader is the committed state a block reads from.
type reader interface {
	Get(key []byte) ([]byte, io.Closer, error)
	NewIter(o *pebble.IterOptions) (*pebble.Iterator, error)
}

// overlay collects one block's writes on top of the committed state. Later
// operations of the block read them, as v1's SQL connection saw its own
// uncommitted rows. The first time a key is touched its old value is kept for
// the undo record.
type overlay struct {
	base   reader
	writes map[string]write
	order  []string
	undo   []undoEntry
	// reads caches committed values: the base does not change while a block
	// runs, and one operation's checks read the same rows many times.
	reads map[string]baseRead
	// rows caches decoded records of the current overlay state, and
	// summaries records decoded in part (see nameSummary); a write to a key
	// drops its entries. Cached records are shared and never mutated.
	rows      map[string]rec
	summaries map[string]rec
	// shared, when set, is the machine's cache of committed values across
	// blocks, consulted before Pebble.
	shared *readCache
	// empty, when set, marks key prefixes (first bytes) that have no
	// committed key at all, so scans of them need no Pebble iterator.
	empty *prefixSet
	// senders, when set, answers reads of sender index keys, which are
	// always stored empty.
	senders senderIndex
}

type baseRead struct {
	val    []byte
	exists bool
}

type write struct {
	val []byte
	del bool
}

type undoEntry struct {
	key    []byte
	old    []byte
	exists bool
}

func newOverlay(base reader) *overlay {
	return &overlay{base: base, writes: map[string]write{}, reads: map[string]baseRead{}, rows: map[string]rec{}, summaries: map[string]rec{}}
}

func (o *overlay) get(key []byte) ([]byte, bool, error) {
	if w, ok := o.writes[string(key)]; ok {
		if w.del {
			return nil, false, nil
		}
		return w.val, true, nil
	}
	return o.getBase(key)
}

// getBase returns the committed value of key. The slice is shared with the
// read cache: callers must not modify it.
func (o *overlay) getBase(key []byte) ([]byte, bool, error) {
	if r, ok := o.reads[string(key)]; ok {
		return r.val, r.exists, nil
	}
	if o.senders != nil && len(key) > 0 && key[0] == pfxSender {
		r := baseRead{exists: o.senders.has(key)}
		o.reads[string(key)] = r
		return nil, r.exists, nil
	}
	if o.shared != nil {
		if r, ok := o.shared.get(key); ok {
			o.reads[string(key)] = r
			return r.val, r.exists, nil
		}
	}
	var r baseRead
	v, closer, err := o.base.Get(key)
	switch {
	case errors.Is(err, pebble.ErrNotFound):
	case err != nil:
		return nil, false, fmt.Errorf("state: read %q: %w", key, err)
	default:
		r = baseRead{val: append([]byte(nil), v...), exists: true}
		if err := closer.Close(); err != nil {
			return nil, false, err
		}
	}
	o.reads[string(key)] = r
	if o.shared != nil {
		o.shared.set(string(key), r)
	}
	return r.val, r.exists, nil
}

func (o *overlay) touch(key []byte) error {
	k := string(key)
	if _, ok := o.writes[k]; ok {
		return nil
	}
	old, exists, err := o.getBase(key)
	if err != nil {
		return err
	}
	o.undo = append(o.undo, undoEntry{key: append([]byte(nil), key...), old: old, exists: exists})
	o.order = append(o.order, k)
	return nil
}

func (o *overlay) put(key, val []byte) error {
	if err := o.touch(key); err != nil {
		return err
	}
	o.writes[string(key)] = write{val: append([]byte(nil), val...)}
	delete(o.rows, string(key))
	delete(o.summaries, string(key))
	return nil
}

func (o *overlay) del(key []byte) error {
	if err := o.touch(key); err != nil {
		return err
	}
	o.writes[string(key)] = write{del: true}
	delete(o.rows, string(key))
	delete(o.summaries, string(key))
	return nil
}

// putNew writes a key that the committed state cannot hold: one keyed by a
// height above the tip (a consensus hash, block hash or history entry of
// the block being applied) or by a chunk slot past the last. Such keys are
// only ever written by their own block and removed again by its rollback,
// so their undo entry is "absent" without a read. A test checks the
// invariant after every block, rollback and reopen of the scenarios.
func (o *overlay) putNew(key, val []byte) {
	k := string(key)
	if _, ok := o.writes[k]; !ok {
		o.undo = append(o.undo, undoEntry{key: append([]byte(nil), key...)})
		o.order = append(o.order, k)
		o.reads[k] = baseRead{}
	}
	o.writes[k] = write{val: append([]byte(nil), val...)}
	delete(o.rows, k)
	delete(o.summaries, k)
}

// scan calls fn for every live key with the prefix, in key order, merging
// committed keys with this block's writes.
func (o *overlay) scan(prefix []byte, fn func(k, v []byte) error) error {
	seen := map[string]bool{}
	var items []kvp
	if o.empty == nil || len(prefix) == 0 || !o.empty[prefix[0]] {
		var err error
		if items, err = o.scanBase(prefix, seen, items); err != nil {
			return err
		}
	}
	for k, w := range o.writes {
		if seen[k] || w.del || !strings.HasPrefix(k, string(prefix)) {
			continue
		}
		items = append(items, kvp{[]byte(k), w.val})
	}
	sort.Slice(items, func(i, j int) bool { return bytes.Compare(items[i].k, items[j].k) < 0 })
	for _, it := range items {
		if err := fn(it.k, it.v); err != nil {
			return err
		}
	}
	return nil
}

type kvp struct{ k, v []byte }

// scanBase appends the committed keys with the prefix to items, taking this
// block's writes over them and noting those in seen.
func (o *overlay) scanBase(prefix []byte, seen map[string]bool, items []kvp) ([]kvp, error) {
	it, err := o.base.NewIter(&pebble.IterOptions{LowerBound: prefix, UpperBound: prefixEnd(prefix)})
	if err != nil {
		return nil, err
	}
	for it.First(); it.Valid(); it.Next() {
		k := string(it.Key())
		if w, ok := o.writes[k]; ok {
			seen[k] = true
			if !w.del {
				items = append(items, kvp{[]byte(k), w.val})
			}
			continue
		}
		items = append(items, kvp{append([]byte(nil), it.Key()...), append([]byte(nil), it.Value()...)})
	}
	if err := it.Error(); err != nil {
		it.Close()
		return nil, err
	}
	return items, it.Close()
}

// flush writes the overlay into b in first-touch order.
func (o *overlay) flush(b *pebble.Batch) error {
	for _, k := range o.order {
		w := o.writes[k]
		var err error
		if w.del {
			err = b.Delete([]byte(k), nil)
		} else {
			err = b.Set([]byte(k), w.val, nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// publish records the overlay's writes in the machine's read cache, sender
// and hash indexes and empty-prefix set once they are committed.
func (o *overlay) publish(c *readCache, x senderIndex, hx hashIndex, empty *prefixSet) {
	for _, k := range o.order {
		if k == "" {
			continue
		}
		w := o.writes[k]
		c.set(k, baseRead{val: w.val, exists: !w.del})
		switch k[0] {
		case pfxSender:
			x.apply([]byte(k), !w.del)
		case pfxConsensusRev:
			hx.apply([]byte(k), !w.del, w.val)
		}
		if !w.del {
			empty[k[0]] = false
		}
	}
}

// encodeUndo serializes the undo entries: a count, then per entry the key,
// an existence flag and the old value, all length-prefixed with uvarints.
func encodeUndo(entries []undoEntry) []byte {
	var buf []byte
	buf = binary.AppendUvarint(buf, uint64(len(entries)))
	for _, e := range entries {
		buf = binary.AppendUvarint(buf, uint64(len(e.key)))
		buf = append(buf, e.key...)
		if e.exists {
			buf = append(buf, 1)
			buf = binary.AppendUvarint(buf, uint64(len(e.old)))
			buf = append(buf, e.old...)
		} else {
			buf = append(buf, 0)
		}
	}
	return buf
}

var errBadUndo = errors.New("state: corrupt undo record")

func decodeUndo(buf []byte) ([]undoEntry, error) {
	n, k := binary.Uvarint(buf)
	if k <= 0 || n > uint64(len(buf)) {
		return nil, errBadUndo
	}
	buf = buf[k:]
	out := make([]undoEntry, 0, n)
	for i := uint64(0); i < n; i++ {
		l, k := binary.Uvarint(buf)
		if k <= 0 || uint64(len(buf)-k) < l+1 {
			return nil, errBadUndo
		}
		e := undoEntry{key: append([]byte(nil), buf[k:k+int(l)]...)}
		buf = buf[k+int(l):]
		e.exists = buf[0] == 1
		buf = buf[1:]
		if e.exists {
			l, k := binary.Uvarint(buf)
			if k <= 0 || uint64(len(buf)-k) < l {
				return nil, errBadUndo
			}
			e.old = append([]byte(nil), buf[k:k+int(l)]...)
			buf = buf[k+int(l):]
		}
		out = append(out, e)
	}
	if len(buf) != 0 {
		return nil, errBadUndo
	}
	return out, nil
}
