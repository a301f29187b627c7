package state

import (
	"bytes"
	"sort"
)

// senderIndex mirrors the committed 's' keys (sender script, name) in
// memory. namesBySender runs for almost every operation, and a Pebble
// iterator per call, opened across the memtables and every level, cost more
// than the rest of the check.
//
// The mirror changes only where the committed keys change: after a block's
// batch commits (its overlay writes), after each rolled-back block (its undo
// entries) and at Open (a full scan), so it always equals the database.
type senderIndex map[string][]string // sender -> names, sorted

// splitSenderKey returns the sender and name of an 's' key.
func splitSenderKey(k []byte) (sender, name string, ok bool) {
	if len(k) == 0 || k[0] != pfxSender {
		return "", "", false
	}
	i := bytes.IndexByte(k[1:], keySep)
	if i < 0 {
		return "", "", false
	}
	return string(k[1 : 1+i]), string(k[2+i:]), true
}

func (x senderIndex) add(sender, name string) {
	l := x[sender]
	i := sort.SearchStrings(l, name)
	if i < len(l) && l[i] == name {
		return
	}
	l = append(l, "")
	copy(l[i+1:], l[i:])
	l[i] = name
	x[sender] = l
}

func (x senderIndex) remove(sender, name string) {
	l := x[sender]
	i := sort.SearchStrings(l, name)
	if i == len(l) || l[i] != name {
		return
	}
	if len(l) == 1 {
		delete(x, sender)
		return
	}
	// Copy rather than shift in place: a block may still hold the old
	// slice from namesOf.
	out := make([]string, 0, len(l)-1)
	x[sender] = append(append(out, l[:i]...), l[i+1:]...)
}

// has reports whether the 's' key is committed.
func (x senderIndex) has(key []byte) bool {
	sender, name, ok := splitSenderKey(key)
	if !ok {
		return false
	}
	l := x[sender]
	i := sort.SearchStrings(l, name)
	return i < len(l) && l[i] == name
}

// apply records that key now exists (or not); other prefixes are ignored.
func (x senderIndex) apply(key []byte, exists bool) {
	sender, name, ok := splitSenderKey(key)
	if !ok {
		return
	}
	if exists {
		x.add(sender, name)
	} else {
		x.remove(sender, name)
	}
}

// load fills the index from the committed 's' keys.
func (x senderIndex) load(base reader) error {
	it, err := base.NewIter(nil)
	if err != nil {
		return err
	}
	defer it.Close()
	lo := []byte{pfxSender}
	it.SetBounds(lo, prefixEnd(lo))
	for it.First(); it.Valid(); it.Next() {
		sender, name, ok := splitSenderKey(it.Key())
		if !ok {
			return &InvariantError{Msg: "malformed sender index key " + string(it.Key())}
		}
		// Keys arrive in order, so names arrive sorted per sender.
		x[sender] = append(x[sender], name)
	}
	return it.Error()
}

// namesOf returns the names of sender in the committed index x merged with
// the block's own writes to the index, in name order. The result may share
// memory with the index: read only.
func (o *overlay) namesOf(x senderIndex, sender string) []string {
	base := x[sender]
	prefix := pairKey(pfxSender, sender, "")
	var changed map[string]bool // name -> exists after this block's writes
	for _, k := range o.order {
		if len(k) < len(prefix) || k[:len(prefix)] != string(prefix) {
			continue
		}
		if changed == nil {
			changed = map[string]bool{}
		}
		changed[k[len(prefix):]] = !o.writes[k].del
	}
	if changed == nil {
		return base
	}
	out := make([]string, 0, len(base)+len(changed))
	for _, n := range base {
		if live, ok := changed[n]; !ok || live {
			out = append(out, n)
		}
	}
	for n, live := range changed {
		if !live {
			continue
		}
		if i := sort.SearchStrings(base, n); i < len(base) && base[i] == n {
			continue
		}
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
