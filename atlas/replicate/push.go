package replicate

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/atlasd/atlasd/atlas/inventory"
	"github.com/atlasd/atlasd/atlas/peers"
)

// ErrBadZonefile reports a zonefile handed to Push whose bytes do not hash
// to its hash or are over the size limit; it is never sent.
var ErrBadZonefile = errors.New("replicate: zonefile does not match its hash")

// Zonefile is a zonefile held locally, with the bits of its slots.
type Zonefile struct {
	Hash inventory.Hash
	Bits []int
	Data []byte
}

// PushReport says what a Push did.
type PushReport struct {
	// Calls is how many put_zonefiles calls were made.
	Calls int
	// Kept lists, per peer, the zonefiles it reported saving.
	Kept map[string][]inventory.Hash
}

// Push sends files to every peer whose cached inventory lacks them, in
// put_zonefiles calls of at most peers.MaxPutZonefiles, at most Concurrency
// peers at a time. What a peer saves is marked in its cached inventory, so
// it is not sent again and counts as a source. Peers whose inventory is
// not known yet are skipped: nobody is sent what it may already have.
// Files that fail their hash check are not sent, and reported as
// ErrBadZonefile.
//
// v1 had this as AtlasZonefilePusher but never started it (and its peer
// selection picked the peers that already had the file); zonefiles then
// spread only by pulling.
func (r *Replicator) Push(ctx context.Context, files []Zonefile) (PushReport, error) {
	var bad []error
	good := files[:0:0]
	for _, f := range files {
		if len(f.Data) > peers.MaxZonefileLen || inventory.HashOf(f.Data) != f.Hash {
			bad = append(bad, fmt.Errorf("%w: %s", ErrBadZonefile, f.Hash))
			continue
		}
		good = append(good, f)
	}
	rep := PushReport{Kept: map[string][]inventory.Hash{}}
	type job struct {
		peer  string
		files []Zonefile
	}
	var jobs []job
	r.mu.Lock()
	for _, m := range r.cfg.Peers.Members() {
		s, ok := r.state[m.HostPort]
		if !ok || s.inv == nil {
			continue
		}
		var lack []Zonefile
		for _, f := range good {
			if !anySet(s.inv, f.Bits) {
				lack = append(lack, f)
			}
		}
		if len(lack) > 0 {
			jobs = append(jobs, job{m.HostPort, lack})
		}
	}
	r.mu.Unlock()

	var mu sync.Mutex
	forEach(ctx, r.cfg.Concurrency, jobs, func(j job) {
		calls, kept := r.pushTo(ctx, j.peer, j.files)
		mu.Lock()
		rep.Calls += calls
		if len(kept) > 0 {
			rep.Kept[j.peer] = kept
		}
		mu.Unlock()
	})
	return rep, errors.Join(bad...)
}

// pushTo sends files to one peer in chunks, stopping at the first failed
// call.
func (r *Replicator) pushTo(ctx context.Context, peer string, files []Zonefile) (calls int, kept []inventory.Hash) {
	src, err := r.cfg.Dial(peer)
	if err != nil {
		r.cfg.Peers.Observe(peer, false)
		return 0, nil
	}
	for start := 0; start < len(files) && ctx.Err() == nil; start += peers.MaxPutZonefiles {
		chunk := files[start:min(start+peers.MaxPutZonefiles, len(files))]
		datas := make([][]byte, len(chunk))
		for i, f := range chunk {
			datas[i] = f.Data
		}
		calls++
		saved, err := src.PutZonefiles(ctx, datas)
		if ctx.Err() != nil {
			return calls, kept
		}
		r.cfg.Peers.Observe(peer, err == nil)
		if err != nil {
			return calls, kept
		}
		r.mu.Lock()
		s := r.state[peer]
		for i, ok := range saved {
			if !ok {
				continue
			}
			kept = append(kept, chunk[i].Hash)
			if s != nil && s.inv != nil {
				for _, b := range chunk[i].Bits {
					s.inv.Set(b)
				}
			}
		}
		r.mu.Unlock()
	}
	return calls, kept
}

// ErrQueueFull reports an Announce while MaxQueuedPush zonefiles wait.
var ErrQueueFull = errors.New("replicate: push queue full")

// Announce queues a zonefile that just became present locally for Run to
// push, without blocking. It refuses a zonefile that fails its hash check
// (ErrBadZonefile) and, when MaxQueuedPush are already waiting,
// ErrQueueFull: the zonefile then spreads by pull alone.
func (r *Replicator) Announce(z Zonefile) error {
	if len(z.Data) > peers.MaxZonefileLen || inventory.HashOf(z.Data) != z.Hash {
		return fmt.Errorf("%w: %s", ErrBadZonefile, z.Hash)
	}
	select {
	case r.pushQ <- z:
		return nil
	default:
		return ErrQueueFull
	}
}
