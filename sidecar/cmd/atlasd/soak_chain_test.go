//go:build soak

package main

import (
	"fmt"
	"math/rand"
	"strconv"

	"github.com/btcsuite/btcd/btcutil"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/sidecar/internal/bnstx"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
)

// soakName is a registered name as the history generator believes it to be;
// the chain may have rejected an op (an expired name), which only makes
// later ops on it rejected too.
type soakName struct {
	name  string
	owner *regtest.Key
}

// soakChain writes a BNS history onto a regtest node through a chainPlayer,
// whose in-process replay is the uninterrupted reference: namespaces with a
// long and a short name lifetime (so names expire and renewals matter),
// batched preorders and registrations, zonefile updates (some sharing a
// zonefile), transfers, renewals and revokes, with runs of empty blocks
// between.
type soakChain struct {
	cp    *chainPlayer
	rng   *rand.Rand
	names []*soakName
	ns    []string
	// zonefiles holds the bytes of every hash an update announced;
	// upload says which of them the test hands to atlasd (the others stay
	// missing, so the inventory has clear bits).
	zonefiles map[inventory.Hash][]byte
	upload    map[inventory.Hash]bool
	order     []inventory.Hash // zonefiles' keys in creation order
	counter   int
	ops       int
}

func newSoakChain(cp *chainPlayer, seed int64) *soakChain {
	return &soakChain{cp: cp, rng: rand.New(rand.NewSource(seed)),
		zonefiles: map[inventory.Hash][]byte{}, upload: map[inventory.Hash]bool{}}
}

// tip is the reference replay's height.
func (sc *soakChain) tip() int64 { h, _ := sc.cp.m.Tip(); return h }

// launch readies a namespace whose names live lifetime blocks.
func (sc *soakChain) launch(lifetime uint32) {
	// Eight characters or more: shorter IDs cost more than the preorder pays.
	id := "soakspace" + strconv.Itoa(len(sc.ns))
	err := sc.cp.b.Launch(sc.cp, bnstx.Launch{NS: id, Fee: btcutil.SatoshiPerBitcoin, Rules: bnstx.CheapRules(lifetime),
		CreatorFunds: 5 * btcutil.SatoshiPerBitcoin, RevealerFunds: btcutil.SatoshiPerBitcoin})
	if err != nil {
		sc.cp.t.Fatal(err)
	}
	sc.ns = append(sc.ns, id)
	sc.ops += 3
}

func (sc *soakChain) fund(k *regtest.Key, amount btcutil.Amount) {
	sc.cp.t.Helper()
	if _, err := sc.cp.n.Fund(k, amount); err != nil {
		sc.cp.t.Fatal(err)
	}
}

// register preorders k names in one block and registers them in the next.
func (sc *soakChain) register(k int) {
	type pending struct {
		name string
		key  *regtest.Key
	}
	var ps []pending
	for i := 0; i < k; i++ {
		sc.counter++
		p := pending{name: "n" + strconv.Itoa(sc.counter) + "." + sc.ns[sc.rng.Intn(len(sc.ns))], key: sc.cp.n.NewKey()}
		sc.fund(p.key, btcutil.SatoshiPerBitcoin/10)
		ps = append(ps, p)
	}
	ch := sc.cp.mine(1)
	for _, p := range ps {
		sc.cp.send(sc.cp.b.NamePreorder(p.key, p.name, p.key, ch, 100000))
	}
	sc.cp.mine(1)
	for _, p := range ps {
		sc.cp.send(sc.cp.b.NameRegister(p.key, p.name, p.key), nil)
		sc.names = append(sc.names, &soakName{name: p.name, owner: p.key})
	}
	sc.cp.mine(1)
	sc.ops += 2 * k
}

// newZonefile makes the zonefile of an update, now and then reusing an
// earlier one so that one hash has several slots.
func (sc *soakChain) newZonefile(name string) []byte {
	if len(sc.order) > 0 && sc.rng.Intn(20) == 0 {
		return sc.zonefiles[sc.order[sc.rng.Intn(len(sc.order))]]
	}
	sc.counter++
	zf := fmt.Appendf(nil, "$ORIGIN %s\n$TTL 3600\n@ IN TXT \"soak %d\"\n", name, sc.counter)
	h := inventory.HashOf(zf)
	sc.zonefiles[h] = zf
	sc.order = append(sc.order, h)
	sc.upload[h] = sc.rng.Intn(7) != 0
	return zf
}

// sendOps broadcasts one op for each of a few random names (at most one
// per name, so no two collide in a block); the caller mines them.
func (sc *soakChain) sendOps() {
	if len(sc.names) == 0 {
		return
	}
	ch := sc.cp.mine(0)
	// Distinct names, so no two ops of a block collide.
	picked := sc.rng.Perm(len(sc.names))[:min(len(sc.names), 1+sc.rng.Intn(6))]
	revoked := map[*soakName]bool{}
	for _, j := range picked {
		nm := sc.names[j]
		switch r := sc.rng.Intn(100); {
		case r < 72:
			sc.cp.send(sc.cp.b.NameUpdate(nm.owner, nm.name, ch, sc.newZonefile(nm.name)))
		case r < 84:
			to := sc.cp.n.NewKey()
			sc.fund(to, btcutil.SatoshiPerBitcoin/20)
			sc.cp.send(sc.cp.b.NameTransfer(nm.owner, nm.name, to, sc.rng.Intn(2) == 0, ch))
			nm.owner = to
		case r < 97:
			sc.cp.send(sc.cp.b.NameRenew(nm.owner, nm.name, 100000), nil)
		default:
			sc.cp.send(sc.cp.b.NameRevoke(nm.owner, nm.name), nil)
			revoked[nm] = true
		}
		sc.ops++
	}
	if len(revoked) > 0 {
		kept := sc.names[:0]
		for _, nm := range sc.names {
			if !revoked[nm] {
				kept = append(kept, nm)
			}
		}
		sc.names = kept
	}
}

// round adds one stretch of history: sometimes a batch of registrations
// (3 blocks), then a block of ops, then up to maxGap empty blocks. It
// returns the number of blocks mined.
func (sc *soakChain) round(maxGap int) int {
	from := sc.tip()
	if len(sc.names) < 4 || sc.rng.Intn(3) == 0 {
		sc.register(1 + sc.rng.Intn(3))
	}
	sc.sendOps()
	sc.cp.mine(1)
	sc.cp.mine(sc.rng.Intn(maxGap + 1))
	return int(sc.tip() - from)
}

// build writes a history of about blocks blocks above the first block.
func (sc *soakChain) build(blocks int) {
	sc.launch(100000)
	sc.launch(400)
	end := sc.tip() + int64(blocks)
	for sc.tip() < end {
		if len(sc.ns) < 4 && sc.rng.Intn(150) == 0 {
			sc.launch(100000)
		}
		sc.round(min(12, int(end-sc.tip())))
	}
}
