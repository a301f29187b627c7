package zonestore

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"

	"github.com/atlasd/atlasd/atlas/inventory"
)

// MaxSize is the largest zonefile v1 accepts, in bytes
// (config.py RPC_MAX_ZONEFILE_LEN).
const MaxSize = 40960

// Errors returned by the store.
var (
	// ErrNotFound reports a hash the store does not hold.
	ErrNotFound = errors.New("zonestore: zonefile not found")
	// ErrCorrupt reports a stored value that does not hash to its key; the
	// zonefile is to be treated as absent.
	ErrCorrupt = errors.New("zonestore: stored zonefile does not match its hash")
	// ErrTooLarge reports a zonefile over MaxSize.
	ErrTooLarge = errors.New("zonestore: zonefile larger than 40960 bytes")
)

func zonefileKey(h inventory.Hash) []byte {
	return append([]byte{prefixZonefile}, h[:]...)
}

// Put stores zonefiles in one batch, synced to disk before it returns, and
// returns their hashes in order. Nothing is written if any is over MaxSize.
// Storing a zonefile again rewrites the same bytes, which also repairs a
// corrupt copy.
func (d *DB) Put(zonefiles ...[]byte) ([]inventory.Hash, error) {
	if d.closed.Load() {
		return nil, ErrClosed
	}
	hashes := make([]inventory.Hash, len(zonefiles))
	for i, z := range zonefiles {
		if len(z) > MaxSize {
			return nil, fmt.Errorf("%w: %d bytes", ErrTooLarge, len(z))
		}
		hashes[i] = inventory.HashOf(z)
	}
	if len(zonefiles) == 0 {
		return hashes, nil
	}
	if g := d.opts.WriteGate; g != nil {
		if err := g(); err != nil {
			return nil, fmt.Errorf("zonestore: not writing %d zonefiles: %w", len(zonefiles), err)
		}
	}
	if err := d.healed(); err != nil {
		return nil, err
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.db == nil {
		return nil, errReopening
	}
	b := d.db.NewBatch()
	defer b.Close()
	for i, z := range zonefiles {
		if err := b.Set(zonefileKey(hashes[i]), z, nil); err != nil {
			return nil, fmt.Errorf("zonestore: put %s: %w", hashes[i], err)
		}
	}
	// Synced (see commit): a zonefile acknowledged to a peer (saved: 1)
	// must survive a crash, or the peer will not send it again.
	if err := d.commit(b); err != nil {
		return nil, fmt.Errorf("zonestore: commit %d zonefiles: %w", len(zonefiles), err)
	}
	return hashes, nil
}

// Get returns the zonefile with hash h. It fails with ErrNotFound when the
// store does not hold it and ErrCorrupt when the stored bytes no longer hash
// to h (counted in Corruptions).
func (d *DB) Get(h inventory.Hash) ([]byte, error) {
	if d.closed.Load() {
		return nil, ErrClosed
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.db == nil {
		return nil, errReopening
	}
	v, closer, err := d.db.Get(zonefileKey(h))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("zonestore: get %s: %w", h, err)
	}
	// The value is only valid until closer.Close.
	data := bytes.Clone(v)
	if err := closer.Close(); err != nil {
		return nil, fmt.Errorf("zonestore: get %s: %w", h, err)
	}
	if data == nil {
		data = []byte{}
	}
	if !d.verify(h, data) {
		return nil, fmt.Errorf("%w: %s", ErrCorrupt, h)
	}
	return data, nil
}

// Has reports whether the store holds a zonefile with hash h that verifies.
// A corrupt copy counts as not held (and in Corruptions).
func (d *DB) Has(h inventory.Hash) (bool, error) {
	_, err := d.Get(h)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, ErrNotFound), errors.Is(err, ErrCorrupt):
		return false, nil
	default:
		return false, err
	}
}

// Scan calls fn with the hash of every stored zonefile that verifies, in
// hash order; corrupt values are counted and skipped. An error from fn stops
// the scan and is returned.
func (d *DB) Scan(fn func(h inventory.Hash) error) error {
	if d.closed.Load() {
		return ErrClosed
	}
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.db == nil {
		return errReopening
	}
	it, err := d.db.NewIter(&pebble.IterOptions{
		LowerBound: []byte{prefixZonefile},
		UpperBound: []byte{prefixZonefile + 1},
	})
	if err != nil {
		return fmt.Errorf("zonestore: scan: %w", err)
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		k := it.Key()
		var h inventory.Hash
		if len(k) != 1+len(h) {
			// Not a key this package writes: as untrustworthy as a bad
			// value, and just as skippable.
			d.corrupt.Add(1)
			continue
		}
		copy(h[:], k[1:])
		if !d.verify(h, it.Value()) {
			continue
		}
		if err := fn(h); err != nil {
			return err
		}
	}
	if err := it.Error(); err != nil {
		return fmt.Errorf("zonestore: scan: %w", err)
	}
	return nil
}

// verify reports whether data hashes to h, counting a mismatch.
func (d *DB) verify(h inventory.Hash, data []byte) bool {
	if len(data) <= MaxSize && inventory.HashOf(data) == h {
		return true
	}
	d.corrupt.Add(1)
	return false
}
