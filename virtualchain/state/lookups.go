package state

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/atlasd/atlasd/consensus"
)

// The lookups below mirror blockstack-core's namedb queries. They read the
// committed state plus this block's earlier writes, and take "current block"
// arguments exactly where v1 passed lastblock (the previous block) or the
// block being processed.

// row returns the stored record at key, or nil. The record is shared with
// the block's decode cache: callers must not modify it (clone it first, or
// use getRec).
func (b *block) row(key []byte) (rec, error) {
	if r, ok := b.ov.rows[string(key)]; ok {
		return r, nil
	}
	_, written := b.ov.writes[string(key)]
	keep := !written && key[0] == pfxNamespace
	if keep {
		// Namespace rows are read by nearly every block and rarely written:
		// the machine keeps them decoded across blocks.
		if r, ok := b.m.nsRows[string(key)]; ok {
			b.ov.rows[string(key)] = r
			return r, nil
		}
	}
	v, ok, err := b.ov.get(key)
	if err != nil {
		return nil, err
	}
	var r rec
	if ok {
		if r, err = decodeRec(v); err != nil {
			return nil, fmt.Errorf("state: decode %q: %w", key, err)
		}
	}
	b.ov.rows[string(key)] = r
	if keep {
		b.m.nsRows[string(key)] = r
	}
	return r, nil
}

// getRec returns a private copy of the stored record at key, or nil.
func (b *block) getRec(key []byte) (rec, error) {
	r, err := b.row(key)
	if err != nil || r == nil {
		return nil, err
	}
	return cloneRec(r), nil
}

func (b *block) putRec(key []byte, r rec) error {
	return b.ov.put(key, encodeRec(nil, r))
}

// The row lookups below return shared, read-only records (see row); every
// caller that changes a field works on a clone.

// nameRow is `SELECT * FROM name_records WHERE name = ?` (expired included).
func (b *block) nameRow(name string) (rec, error) { return b.row(strKey(pfxName, name)) }

// summaryFields are the fields of a name row that namesBySender and
// unexpired read.
var summaryFields = map[string]bool{
	"sender": true, "revoked": true, "first_registered": true, "last_renewed": true, "namespace_id": true,
}

// nameSummary is nameRow reduced to summaryFields. namesBySender reads every
// name of a sender for most operations, and decoding each full row was a
// third of a replay's allocations.
func (b *block) nameSummary(name string) (rec, error) {
	key := strKey(pfxName, name)
	if r, ok := b.ov.rows[string(key)]; ok {
		return r, nil
	}
	if r, ok := b.ov.summaries[string(key)]; ok {
		return r, nil
	}
	v, ok, err := b.ov.get(key)
	if err != nil {
		return nil, err
	}
	var r rec
	if ok {
		if r, err = decodeSome(v, summaryFields); err != nil {
			return nil, fmt.Errorf("state: decode %q: %w", key, err)
		}
	}
	b.ov.summaries[string(key)] = r
	return r, nil
}

// namespaceRow is the namespace table's row for id, in any state.
func (b *block) namespaceRow(id string) (rec, error) { return b.row(strKey(pfxNamespace, id)) }

func (b *block) preorderRow(hash string) (rec, error) { return b.row(strKey(pfxPreorder, hash)) }

func namespaceOf(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i+1:]
	}
	return ""
}

func namePart(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[:i]
	}
	return name
}

// unexpired is namedb_select_where_unexpired_names joined with the name's
// namespace row, at block cb (only_registered=True).
func (b *block) unexpired(nameRow rec, cb int64) (bool, error) {
	if num(nameRow, "first_registered") > cb {
		return false, nil
	}
	ns, err := b.namespaceRow(str(nameRow, "namespace_id"))
	if err != nil || ns == nil {
		return false, err
	}
	ep := b.m.p.Epoch(uint64(max(cb, 0)))
	m, g := ep.LifetimeMultiplier, ep.GracePeriod
	switch str(ns, "op") {
	case "!":
		life := num(ns, "lifetime")*m + g
		return num(ns, "ready_block")+life > cb || num(nameRow, "last_renewed")+life >= cb, nil
	case "&":
		rb := num(ns, "reveal_block")
		return rb <= cb && cb < rb+b.m.p.NamespaceRevealExpire, nil
	}
	return false, nil
}

// getName is namedb_get_name(name, cb) without expired names.
func (b *block) getName(name string, cb int64) (rec, error) {
	row, err := b.nameRow(name)
	if err != nil || row == nil {
		return nil, err
	}
	ok, err := b.unexpired(row, cb)
	if err != nil || !ok {
		return nil, err
	}
	return row, nil
}

func (b *block) isNameRegistered(name string) (bool, error) {
	row, err := b.getName(name, b.last)
	if err != nil || row == nil {
		return false, err
	}
	return !truthy(row, "revoked"), nil
}

func (b *block) isNameRevoked(name string) (bool, error) {
	row, err := b.getName(name, b.last)
	if err != nil || row == nil {
		return false, err
	}
	return truthy(row, "revoked"), nil
}

func (b *block) isNameOwner(name, sender string) (bool, error) {
	ok, err := b.isNameRegistered(name)
	if err != nil || !ok {
		return false, err
	}
	row, err := b.getName(name, b.last)
	if err != nil || row == nil {
		return false, err
	}
	return str(row, "sender") == sender, nil
}

func (b *block) isNameExpired(name string, h int64) (bool, error) {
	row, err := b.getName(name, h)
	return row == nil, err
}

// isNameInGracePeriod is BlockstackDB.is_name_in_grace_period at h.
func (b *block) isNameInGracePeriod(name string, h int64) (bool, error) {
	row, err := b.getName(name, h)
	if err != nil || row == nil {
		return false, err
	}
	ns, err := b.getNamespaceAt(namespaceOf(name), h, false)
	if err != nil || ns == nil || str(ns, "op") != "!" {
		return false, err
	}
	ep := b.m.p.Epoch(uint64(h))
	expire := max(num(ns, "ready_block"), num(row, "last_renewed")) + num(ns, "lifetime")*ep.LifetimeMultiplier
	return h >= expire && h < expire+ep.GracePeriod, nil
}

// getNamespaceAt is namedb_get_namespace(id, cb, include_expired,
// only_revealed=True): ready namespaces always, revealed ones once
// reveal_block <= cb and, unless includeExpired, while the reveal is fresh.
func (b *block) getNamespaceAt(id string, cb int64, includeExpired bool) (rec, error) {
	ns, err := b.namespaceRow(id)
	if err != nil || ns == nil {
		return nil, err
	}
	switch str(ns, "op") {
	case "!":
		return ns, nil
	case "&":
		rb := num(ns, "reveal_block")
		if rb > cb {
			return nil, nil
		}
		if !includeExpired && !(cb < rb+b.m.p.NamespaceRevealExpire) {
			return nil, nil
		}
		return ns, nil
	}
	return nil, nil
}

// getNamespaceReady is get_namespace(id): only a READY namespace.
func (b *block) getNamespaceReady(id string) (rec, error) {
	ns, err := b.namespaceRow(id)
	if err != nil || ns == nil || str(ns, "op") != "!" {
		return nil, err
	}
	return ns, nil
}

// getNamespaceReveal is namedb_get_namespace_reveal at lastblock.
func (b *block) getNamespaceReveal(id string) (rec, error) {
	ns, err := b.namespaceRow(id)
	if err != nil || ns == nil || str(ns, "op") != "&" {
		return nil, err
	}
	rb := num(ns, "reveal_block")
	if rb <= b.last && b.last < rb+b.m.p.NamespaceRevealExpire {
		return ns, nil
	}
	return nil, nil
}

// namesBySender is namedb_get_names_by_sender(sender, cb): unrevoked,
// unexpired names whose row has this sender, in name order.
func (b *block) namesBySender(sender string, cb int64) ([]string, error) {
	var names []string
	for _, name := range b.ov.namesOf(b.m.senders, sender) {
		row, err := b.nameSummary(name)
		if err != nil {
			return nil, err
		}
		if row == nil || str(row, "sender") != sender || truthy(row, "revoked") {
			continue
		}
		ok, err := b.unexpired(row, cb)
		if err != nil {
			return nil, err
		}
		if ok {
			names = append(names, name)
		}
	}
	return names, nil
}

// getNamePreorder is namedb_get_name_preorder(hash, cb): a stored NAME_PREORDER
// not yet bound to a live name.
func (b *block) getNamePreorder(hash string, cb int64) (rec, error) {
	pre, err := b.preorderRow(hash)
	if err != nil || pre == nil {
		return nil, err
	}
	if str(pre, "op") != "?" || !(num(pre, "block_number") < cb+b.m.p.NamePreorderExpire) {
		return nil, nil
	}
	v, ok, err := b.ov.get(strKey(pfxNamePreorder, hash))
	if err != nil {
		return nil, err
	}
	if ok {
		row, err := b.nameRow(string(v))
		if err != nil {
			return nil, err
		}
		if row != nil && str(row, "preorder_hash") == hash {
			live, err := b.unexpired(row, cb)
			if err != nil {
				return nil, err
			}
			if live {
				return nil, nil
			}
		}
	}
	return pre, nil
}

// getNamespacePreorder is namedb_get_namespace_preorder(hash, cb).
func (b *block) getNamespacePreorder(hash string, cb int64) (rec, error) {
	pre, err := b.preorderRow(hash)
	if err != nil || pre == nil {
		return nil, err
	}
	if str(pre, "op") != "*" || !(num(pre, "block_number") < cb+b.m.p.NamespacePreorderExpire) {
		return nil, nil
	}
	v, ok, err := b.ov.get(strKey(pfxNSPreorder, hash))
	if err != nil {
		return nil, err
	}
	if ok {
		ns, err := b.namespaceRow(string(v))
		if err != nil {
			return nil, err
		}
		if ns != nil && str(ns, "preorder_hash") == hash {
			switch str(ns, "op") {
			case "!":
				return nil, nil
			case "&":
				if num(ns, "reveal_block") < cb+b.m.p.NamespaceRevealExpire {
					return nil, nil
				}
			}
		}
	}
	return pre, nil
}

// nameFromHash128 is namedb_get_name_from_name_hash128 at lastblock.
func (b *block) nameFromHash128(h string) (string, error) {
	v, ok, err := b.ov.get(strKey(pfxHash128, h))
	if err != nil || !ok {
		return "", err
	}
	row, err := b.getName(string(v), b.last)
	if err != nil || row == nil || truthy(row, "revoked") {
		return "", err
	}
	return string(v), nil
}

// consensusAt returns the stored consensus hash of height h, including the
// genesis snapshot rows below the first block.
func (b *block) consensusAt(h int64) (string, bool) {
	if h < 0 {
		return "", false
	}
	if ch, ok := b.m.p.GenesisSnapshot[uint64(h)]; ok && uint64(h) < b.m.p.FirstBlock {
		return ch, true
	}
	return b.m.hashAt(uint64(h))
}

// isConsensusHashValid: ch equals a stored hash of a block in
// [height-window, height].
func (b *block) isConsensusHashValid(ch string) bool {
	for h := b.height - b.m.p.ConsensusWindow; h <= b.height; h++ {
		if c, ok := b.consensusAt(h); ok && c == ch {
			return true
		}
	}
	return false
}

// blockFromConsensus reports whether any stored block has this hash.
func (b *block) blockFromConsensus(ch string) (bool, error) {
	for h, c := range b.m.p.GenesisSnapshot {
		if c == ch && h < b.m.p.FirstBlock {
			return true, nil
		}
	}
	return b.knownHash(ch), nil
}

// history returns a name's or namespace's history entries in (height,
// vtxindex) order, as namedb_get_history does.
func (b *block) history(id string) ([]rec, error) {
	var out []rec
	err := b.ov.scan(historyPrefix(id), func(k, v []byte) error {
		r, err := decodeRec(v)
		if err != nil {
			return fmt.Errorf("state: decode %q: %w", k, err)
		}
		// The key's tail is height(8) vtxindex(4) seq(4); keep the first two
		// beside the entry under keys sanitize() strips.
		if len(k) >= 16 {
			t := k[len(k)-16:]
			r["__height__"] = consensus.Int(int64(binary.BigEndian.Uint64(t[:8])))
			r["__vtx__"] = consensus.Int(int64(binary.BigEndian.Uint32(t[8:12])))
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// saveHistory appends a history entry for id at (height, vtxindex).
func (b *block) saveHistory(id string, height int64, vtx int64, r rec) error {
	for seq := uint32(0); ; seq++ {
		k := historyKey(id, uint64(height), uint32(vtx), seq)
		if height == b.height {
			// Entries of the block being applied exist only in its overlay.
			if _, ok := b.ov.writes[string(k)]; !ok {
				b.ov.putNew(k, encodeRec(nil, r))
				return nil
			}
			continue
		}
		_, ok, err := b.ov.get(k)
		if err != nil {
			return err
		}
		if !ok {
			return b.putRec(k, r)
		}
	}
}

// putNameRow stores a name row and keeps the sender, hash128 and preorder
// indexes in step with it.
func (b *block) putNameRow(name string, row rec, old rec) error {
	if old != nil && str(old, "sender") != str(row, "sender") {
		if err := b.ov.del(pairKey(pfxSender, str(old, "sender"), name)); err != nil {
			return err
		}
	}
	if err := b.ov.put(pairKey(pfxSender, str(row, "sender"), name), nil); err != nil {
		return err
	}
	if err := b.ov.put(strKey(pfxHash128, str(row, "name_hash128")), []byte(name)); err != nil {
		return err
	}
	if ph := str(row, "preorder_hash"); ph != "" {
		if err := b.ov.put(strKey(pfxNamePreorder, ph), []byte(name)); err != nil {
			return err
		}
	}
	return b.putRec(strKey(pfxName, name), row)
}

func (b *block) putNamespaceRow(id string, row rec) error {
	if ph := str(row, "preorder_hash"); ph != "" {
		if err := b.ov.put(strKey(pfxNSPreorder, ph), []byte(id)); err != nil {
			return err
		}
	}
	return b.putRec(strKey(pfxNamespace, id), row)
}

// keychain returns the cached import keychain of a namespace, or nil.
func (b *block) keychain(id string) ([]string, error) {
	v, ok, err := b.ov.get(strKey(pfxKeychain, id))
	if err != nil || !ok {
		return nil, err
	}
	addrs, err := decodeStrings(v)
	if err != nil {
		return nil, fmt.Errorf("state: keychain of %q: %w", id, err)
	}
	return addrs, nil
}

func (b *block) putKeychain(id string, addrs []string) error {
	return b.ov.put(strKey(pfxKeychain, id), encodeStrings(addrs))
}
