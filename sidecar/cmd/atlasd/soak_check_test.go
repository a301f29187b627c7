//go:build soak

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/service"
	"github.com/atlasd/atlasd/atlas/zonestore"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// soakUploads is what the test has handed to atlasd: a zonefile is acked
// once POST /v1/zonefile answered 200 or put_zonefiles answered saved, and
// must be held from then on, whatever is killed; pending ones are announced
// on the reference chain and still to be (re)sent.
type soakUploads struct {
	sc      *soakChain
	acked   map[inventory.Hash]bool
	pending map[inventory.Hash]int64 // lowest announcing height
	seen    uint64                   // reference slots already looked at
}

func newSoakUploads(sc *soakChain) *soakUploads {
	return &soakUploads{sc: sc, acked: map[inventory.Hash]bool{}, pending: map[inventory.Hash]int64{}}
}

// refresh queues the zonefiles of announcements the reference replay made
// since the last call.
func (u *soakUploads) refresh() error {
	ref := u.sc.cp.m
	n := ref.Slots()
	as, err := ref.Announcements(u.seen, int(n-u.seen))
	if err != nil {
		return err
	}
	for _, a := range as {
		h, err := inventory.ParseHash(a.Hash)
		if err != nil {
			return err
		}
		if _, queued := u.pending[h]; u.sc.upload[h] && !u.acked[h] && !queued {
			u.pending[h] = int64(a.Height)
		}
	}
	u.seen = n
	return nil
}

// eligible lists the pending hashes announced at or below height, lowest
// height first, so a daemon that is still syncing can take them.
func (u *soakUploads) eligible(height int64) []inventory.Hash {
	var out []inventory.Hash
	for h, at := range u.pending {
		if at <= height {
			out = append(out, h)
		}
	}
	slices.SortFunc(out, func(a, b inventory.Hash) int {
		if d := u.pending[a] - u.pending[b]; d != 0 {
			return int(d)
		}
		return bytes.Compare(a[:], b[:])
	})
	return out
}

// send offers the eligible zonefiles to v, by POST or, as a peer pushing
// them, by put_zonefiles in batches of up to five, and stops after stopAt
// acks (0: never) or at the first transport error. It returns the acks.
func (u *soakUploads) send(v *victim, height int64, push bool, stopAt int) int {
	hs := u.eligible(height)
	acks := 0
	if !push {
		for _, h := range hs {
			ok, err := v.postZonefile(u.sc.zonefiles[h])
			if err != nil {
				return acks
			}
			if ok {
				u.ack(h)
				if acks++; acks == stopAt {
					return acks
				}
			}
		}
		return acks
	}
	c, err := v.atlasClient()
	if err != nil {
		return acks
	}
	for len(hs) > 0 {
		batch := hs[:min(len(hs), peers.MaxPutZonefiles)]
		hs = hs[len(batch):]
		zfs := make([][]byte, len(batch))
		for i, h := range batch {
			zfs[i] = u.sc.zonefiles[h]
		}
		saved, err := c.PutZonefiles(context.Background(), zfs)
		if err != nil {
			return acks
		}
		for i, ok := range saved {
			if ok {
				u.ack(batch[i])
				acks++
			}
		}
		if stopAt > 0 && acks >= stopAt {
			return acks
		}
	}
	return acks
}

func (u *soakUploads) ack(h inventory.Hash) {
	u.acked[h] = true
	delete(u.pending, h)
}

// copyDir copies the regular files under src to dst, so that a crashed
// database can be opened (and recovered) by the test without touching
// the copy atlasd itself will recover from.
func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o700)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.Create(to)
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
}

// imageCheck is what one crash image held.
type imageCheck struct {
	tip       int64
	heights   int
	zonefiles int
	lost      int
	problems  []string
}

func (c *imageCheck) fail(format string, args ...any) {
	c.lost++
	if len(c.problems) < 10 {
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	}
}

// checkImage opens a copy of the data directory as kill -9 left it: the
// replay state and the zonefile store must open, every consensus hash and
// chunk slot the state holds must equal the reference's, and every acked
// zonefile must be in the store. An open failing is an error.
func checkImage(dir string, ref *state.Machine, u *soakUploads) (imageCheck, error) {
	var c imageCheck
	tmp, err := os.MkdirTemp("", "atlasd-soak-image")
	if err != nil {
		return c, err
	}
	defer os.RemoveAll(tmp)
	p := params.Regtest()
	if err := copyDir(filepath.Join(dir, p.Network, "state"), filepath.Join(tmp, "state")); err != nil {
		return c, err
	}
	m, err := state.Open(filepath.Join(tmp, "state"), p, state.Options{Logger: zerolog.Nop()})
	if err != nil {
		return c, fmt.Errorf("replay state does not open after kill -9: %w", err)
	}
	defer m.Close()
	c.tip, _ = m.Tip()
	for h := int64(p.FirstBlock); h <= c.tip; h++ {
		got, ok := m.ConsensusHash(uint64(h))
		want, _ := ref.ConsensusHash(uint64(h))
		if c.heights++; !ok || got != want {
			c.fail("height %d: consensus hash %q after the kill, %q uninterrupted", h, got, want)
		}
	}
	slots := m.Slots()
	got, err := m.Announcements(0, int(slots)+1)
	if err != nil {
		return c, err
	}
	want, err := ref.Announcements(0, int(slots))
	if err != nil {
		return c, err
	}
	if len(got) != int(slots) || !slices.Equal(got, want) {
		c.fail("chunk slots after the kill differ from the uninterrupted run's first %d (%d read)", slots, len(got))
	}

	zdir := filepath.Join(dir, p.Network, "atlas", service.StoreDir)
	if _, err := os.Stat(zdir); os.IsNotExist(err) {
		if len(u.acked) > 0 {
			c.fail("zonefile store missing with %d zonefiles acked", len(u.acked))
		}
		return c, nil
	}
	if err := copyDir(zdir, filepath.Join(tmp, "zonefiles")); err != nil {
		return c, err
	}
	z, err := zonestore.Open(filepath.Join(tmp, "zonefiles"), zonestore.Options{})
	if err != nil {
		return c, fmt.Errorf("zonefile store does not open after kill -9: %w", err)
	}
	defer z.Close()
	for h := range u.acked {
		data, err := z.Get(h)
		if c.zonefiles++; err != nil || !bytes.Equal(data, u.sc.zonefiles[h]) {
			c.fail("zonefile %s acked but not held after the kill: %v", h, err)
		}
	}
	return c, nil
}

// liveCheck is what a restarted daemon serves once caught up.
type liveCheck struct {
	heights  int
	lost     int
	problems []string
}

func (c *liveCheck) fail(format string, args ...any) {
	c.lost++
	if len(c.problems) < 10 {
		c.problems = append(c.problems, fmt.Sprintf(format, args...))
	}
}

// checkLive waits until v has caught up with the reference (same tip,
// same number of chunk slots), re-sends whatever was never acked (as a
// client whose request died with the daemon would), and then compares the
// consensus hash at every height (get_consensus_hashes on its Atlas port)
// and the inventory vector (the chunk sequence with the held bits) with
// the uninterrupted reference. An error means it never caught up.
func checkLive(v *victim, u *soakUploads, within time.Duration) (liveCheck, error) {
	var c liveCheck
	ref := u.sc.cp.m
	deadline := time.Now().Add(within)
	if err := u.refresh(); err != nil {
		return c, err
	}
	tip, _ := ref.Tip()
	for {
		in, err := v.info()
		if err == nil && in.Height == tip && in.Total == int(ref.Slots()) {
			if len(u.pending) == 0 {
				break
			}
			u.send(v, tip, false, 0)
			continue
		}
		if time.Now().After(deadline) {
			return c, fmt.Errorf("not caught up within %v: %+v (%v), reference at %d with %d slots, %d zonefiles unsent",
				within, in, err, tip, ref.Slots(), len(u.pending))
		}
		time.Sleep(50 * time.Millisecond)
	}
	cl, err := v.atlasClient()
	if err != nil {
		return c, err
	}
	first := int64(params.Regtest().FirstBlock)
	for lo := first; lo <= tip; lo += peers.MaxConsensusHashes {
		hs := make([]int64, 0, peers.MaxConsensusHashes)
		for h := lo; h <= tip && len(hs) < peers.MaxConsensusHashes; h++ {
			hs = append(hs, h)
		}
		got, err := cl.GetConsensusHashes(context.Background(), hs)
		if err != nil {
			return c, err
		}
		for _, h := range hs {
			want, _ := ref.ConsensusHash(uint64(h))
			if c.heights++; got[h] != want {
				c.fail("height %d: consensus hash %q after restart, %q uninterrupted", h, got[h], want)
			}
		}
	}
	want, err := expectedInventory(ref, u)
	if err != nil {
		return c, err
	}
	var inv struct {
		Present int    `json:"present"`
		Total   int    `json:"total"`
		Inv     string `json:"inv"`
	}
	if err := v.getJSON("/v1/atlas/inventory", &inv); err != nil {
		return c, err
	}
	bits, err := base64.StdEncoding.DecodeString(inv.Inv)
	if err != nil {
		return c, err
	}
	if inv.Total != want.Len() || inv.Present != want.Count() || !bytes.Equal(bits, want.Bytes()) {
		c.fail("inventory after restart: %d of %d present, %x; uninterrupted: %d of %d, %x",
			inv.Present, inv.Total, bits, want.Count(), want.Len(), want.Bytes())
	}
	return c, nil
}

// expectedInventory is the vector an uninterrupted peer holding exactly
// the acked zonefiles has: one bit per reference chunk slot, set when that
// slot's zonefile is held.
func expectedInventory(ref *state.Machine, u *soakUploads) (*inventory.Vector, error) {
	as, err := ref.Announcements(0, int(ref.Slots()))
	if err != nil {
		return nil, err
	}
	var v inventory.Vector
	if err := v.Resize(len(as)); err != nil {
		return nil, err
	}
	for i, a := range as {
		h, err := inventory.ParseHash(a.Hash)
		if err != nil {
			return nil, err
		}
		if u.acked[h] {
			v.Set(i)
		}
	}
	return &v, nil
}
