package state

import (
	"github.com/atlasd/atlasd/consensus"
	"github.com/atlasd/atlasd/virtualchain/nameop"
	"github.com/atlasd/atlasd/virtualchain/params"
)

// block is the work of applying one block.
type block struct {
	m      *Machine
	ov     *overlay
	height int64
	last   int64 // v1's lastblock during this block: height-1
	feats  params.Features
	coll   collisions
}

func (b *block) net() nameop.Network {
	return nameop.Network{Magic: b.m.p.Magic, P2PKHVersion: b.m.p.P2PKHVersion, P2SHVersion: b.m.p.P2SHVersion}
}

func (b *block) burnAddress() string { return nameop.BurnAddress(b.net()) }

// isP2SHAddress is btc_is_multisig_address for base58 addresses.
func (b *block) isP2SHAddress(addr string) bool {
	_, v, err := base58CheckDecode(addr)
	return err == nil && v == b.m.p.P2SHVersion
}

var creationOps = map[string]bool{"NAME_REGISTRATION": true, "NAME_IMPORT": true, "NAMESPACE_REVEAL": true}

func (b *block) check(o *opCtx, checked []rec) (bool, error) {
	switch o.name {
	case "NAME_PREORDER":
		return b.checkPreorder(o, checked)
	case "NAME_REGISTRATION":
		return b.checkRegister(o, checked)
	case "NAME_RENEWAL":
		return b.checkRenewal(o, checked)
	case "NAME_UPDATE":
		return b.checkUpdate(o, checked)
	case "NAME_TRANSFER":
		return b.checkTransfer(o, checked)
	case "NAME_REVOKE":
		return b.checkRevoke(o, checked)
	case "NAME_IMPORT":
		return b.checkImport(o, checked)
	case "NAMESPACE_PREORDER":
		return b.checkNamespacePreorder(o, checked)
	case "NAMESPACE_REVEAL":
		return b.checkNamespaceReveal(o, checked)
	case "NAMESPACE_READY":
		return b.checkNamespaceReady(o, checked)
	case "ANNOUNCE":
		return b.checkAnnounce(o, checked)
	case "TOKEN_TRANSFER":
		return b.checkTokenTransfer(o, checked)
	}
	return false, nil
}

// Accepted is one accepted operation of a block.
type Accepted struct {
	Op         string // NAME_PREORDER, NAME_RENEWAL, ...
	TxID       string
	VtxIndex   int64
	Serialized string // as hashed into the ops hash; "" for ANNOUNCE
}

// Announcement is one chunk slot: a transaction that set a name's zonefile
// hash (Atlas inventory order is slot order).
type Announcement struct {
	Slot     uint64 `json:"slot"` // 0-based; v1's inv_index is Slot+1
	Name     string `json:"name"`
	Hash     string `json:"zonefile_hash"`
	TxID     string `json:"txid"`
	Height   uint64 `json:"block_height"`
	VtxIndex int64  `json:"vtxindex"`
}

var announcingOps = map[string]bool{"NAME_UPDATE": true, "NAME_IMPORT": true, "NAME_REGISTRATION": true, "NAME_RENEWAL": true}

// run processes the block's candidates: parse, collision scan, check and
// commit in transaction order, then the snapshot. Writes stay in the overlay.
func (b *block) run(txs []*nameop.Tx) (ops []Accepted, ann []Announcement, opsHash, ch string, rejected int, err error) {
	var pending []*opCtx
	cut := b.m.p.ImportHeight != 0 && uint64(b.height) >= b.m.p.ImportHeight
	for _, t := range txs {
		if cut {
			rejected++
			continue
		}
		o, perr := b.opRecord(t)
		if perr != nil {
			rejected++
			b.m.log.Debug().Int64("height", b.height).Str("txid", t.TxID).Err(perr).Msg("not an operation")
			continue
		}
		pending = append(pending, o)
	}

	// Scan: check every state-creating op against the previous block's
	// state to find the names and namespaces that several ops compete for.
	b.coll = collisions{}
	var scanned []rec
	for _, o := range pending {
		if !creationOps[o.name] {
			continue
		}
		c := o.clone()
		ok, err := b.check(c, scanned)
		if err != nil {
			return nil, nil, "", "", 0, err
		}
		if ok {
			scanned = append(scanned, c.data)
		} else {
			scanned = append(scanned, cloneRec(o.data))
		}
	}
	// The scan must not leave writes behind (keychains are cached on first
	// use; v1 wrote them to disk in the scan too, so keep those).
	b.coll = collidedSet(scanned)

	var checked []rec
	var serialized []string
	for _, o := range pending {
		c := o.clone()
		ok, err := b.check(c, checked)
		if err != nil {
			return nil, nil, "", "", 0, err
		}
		if !ok {
			rejected++
			b.m.log.Debug().Int64("height", b.height).Str("op", o.name).Str("txid", o.txid).Msg("rejected")
			continue
		}
		cop, err := b.commit(c)
		if err != nil {
			return nil, nil, "", "", 0, err
		}
		acc := Accepted{Op: c.name, TxID: c.txid, VtxIndex: c.vtxindex}
		if cop != nil {
			s, err := consensus.SerializeOp(c.opByte, cop, consensus.SerializeFields(c.name))
			if err != nil {
				return nil, nil, "", "", 0, &InvariantError{Height: b.height, Msg: err.Error()}
			}
			acc.Serialized = s
			serialized = append(serialized, s)
			// cop is not used after this iteration, so the collision
			// marks later ops may add to it need no copy.
			checked = append(checked, cop)
			if announcingOps[c.name] && !isNone(cop, "value_hash") {
				ann = append(ann, Announcement{Name: str(cop, "name"), Hash: str(cop, "value_hash"), TxID: c.txid, Height: uint64(b.height), VtxIndex: c.vtxindex})
			}
		}
		ops = append(ops, acc)
	}

	opsHash = consensus.OpsHash(serialized)
	var prior []string
	for _, h := range consensus.PriorHeights(uint64(b.height), b.m.p.FirstBlock) {
		c, ok := b.m.hashAt(h)
		if !ok {
			return nil, nil, "", "", 0, &InvariantError{Height: b.height, Msg: "missing consensus hash of an earlier block"}
		}
		prior = append(prior, c)
	}
	ch, err = consensus.ConsensusHash(opsHash, prior)
	if err != nil {
		return nil, nil, "", "", 0, err
	}
	return ops, ann, opsHash, ch, rejected, nil
}
