package backup

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/atlasd/atlasd/plugin/driver"
)

const (
	// maxCorruptReported caps RestoreResult.Corrupt; the counts go on.
	maxCorruptReported = 100
	// breakerLimit is how many failed calls in a row make a restore stop
	// asking a driver: a driver that is down would otherwise cost a call
	// timeout per wanted hash.
	breakerLimit = 8
	// sinkBatchItems and sinkBatchBytes bound one Sink.Store batch.
	sinkBatchItems = 64
	sinkBatchBytes = 1 << 20
	// listPage is the page size RestoreAll asks for.
	listPage = 1000
)

// RestoreResult summarises a restore.
type RestoreResult struct {
	// Wanted is how many hashes were asked for; for RestoreAll, how many
	// listed keys were wanted and not restored already.
	Wanted int `json:"wanted"`
	// Restored is how many zonefiles were verified and handed to the sink.
	Restored int `json:"restored"`
	// NotFound is how many no driver holds (Restore only).
	NotFound int `json:"not_found"`
	// Unavailable is how many were not restored although some driver
	// failed or returned bad bytes for them (Restore only).
	Unavailable int `json:"unavailable"`
	// Drivers has one entry per configured driver, in order.
	Drivers []DriverRestore `json:"drivers"`
	// Corrupt lists blobs whose bytes did not match their key, up to 100.
	Corrupt []Corruption `json:"corrupt,omitempty"`
}

// DriverRestore counts one driver's part in a restore.
type DriverRestore struct {
	Name     string `json:"name"`
	Restored int    `json:"restored"`
	NotFound int    `json:"not_found"`
	// Corrupt counts blobs whose bytes did not hash to their key. They
	// were not stored.
	Corrupt int `json:"corrupt"`
	// Failed counts calls that failed.
	Failed int `json:"failed"`
	// Skipped says why the driver was not asked, or stopped being asked.
	Skipped string `json:"skipped,omitempty"`
}

// Corruption is a blob that does not hash to its key.
type Corruption struct {
	Driver string `json:"driver"`
	Hash   Hash   `json:"hash"`
	Got    Hash   `json:"got"`
	Size   int    `json:"size"`
}

// fetched is a verified zonefile and the index of the driver it came from.
type fetched struct {
	zf  Zonefile
	src int
}

// restorer is one restore in progress.
type restorer struct {
	m    *Manager
	sink Sink

	mu      sync.Mutex
	res     RestoreResult
	streak  []int  // failed calls in a row, per driver
	skipped []bool // per driver
	seen    map[Hash]bool
}

func (m *Manager) newRestorer(sink Sink) *restorer {
	r := &restorer{
		m:       m,
		sink:    sink,
		streak:  make([]int, len(m.targets)),
		skipped: make([]bool, len(m.targets)),
		seen:    make(map[Hash]bool),
	}
	r.res.Drivers = make([]DriverRestore, len(m.targets))
	for i, t := range m.targets {
		r.res.Drivers[i].Name = t.spec.Name
		if !t.usable() {
			r.skip(i, "the driver has stopped: "+t.lastError())
		}
	}
	return r
}

// Restore fetches each wanted hash from the first driver, in configuration
// order, that returns bytes hashing to it, and hands the zonefiles to sink in
// batches. Drivers are asked concurrently for different hashes. Bytes that do
// not match are counted, logged and never stored; the next driver is then
// asked. The error is ctx's or the sink's; driver failures are only counted.
func (m *Manager) Restore(ctx context.Context, wanted []Hash, sink Sink) (RestoreResult, error) {
	r := m.newRestorer(sink)
	r.res.Wanted = len(wanted)
	err := r.pipeline(ctx, func(ctx context.Context, jobs chan<- Hash) error {
		for _, h := range wanted {
			select {
			case jobs <- h:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	}, nil)
	return r.result(), err
}

// RestoreAll restores everything the drivers hold, for a node starting from
// nothing: it pages through each listing driver's keys in configuration
// order and fetches every valid hash that want accepts (nil wants all) and
// no earlier driver restored. Drivers that cannot list are skipped. want is
// called from one goroutine at a time. RestoreAll keeps the set of restored
// hashes in memory, 20 bytes each.
func (m *Manager) RestoreAll(ctx context.Context, sink Sink, want func(Hash) bool) (RestoreResult, error) {
	r := m.newRestorer(sink)
	for i, t := range m.targets {
		if r.isSkipped(i) {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, m.cfg.CallTimeout)
		desc, err := t.drv.Describe(cctx)
		cancel()
		switch {
		case ctx.Err() != nil:
			return r.result(), ctx.Err()
		case err != nil:
			r.failed(i, err)
			r.skip(i, "describe failed: "+t.redact(err))
			continue
		case !desc.Capabilities.List:
			r.skip(i, "the driver cannot list its blobs")
			continue
		}
		only := i
		err = r.pipeline(ctx, func(ctx context.Context, jobs chan<- Hash) error {
			return r.list(ctx, only, want, jobs)
		}, &only)
		if err != nil {
			return r.result(), err
		}
	}
	return r.result(), nil
}

// list feeds the keys of driver i's listing into jobs.
func (r *restorer) list(ctx context.Context, i int, want func(Hash) bool, jobs chan<- Hash) error {
	t := r.m.targets[i]
	token := ""
	for pages := 0; ; pages++ {
		cctx, cancel := context.WithTimeout(ctx, r.m.cfg.CallTimeout)
		page, err := t.drv.List(cctx, driver.ListRequest{PageToken: token, Limit: listPage})
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			r.failed(i, err)
			r.skip(i, fmt.Sprintf("listing failed after %d pages: %s", pages, t.redact(err)))
			return nil
		}
		for _, e := range page.Entries {
			h, err := ParseHash(e.Key)
			if err != nil {
				continue // not a zonefile; someone else's blob
			}
			r.mu.Lock()
			skip := r.seen[h]
			r.mu.Unlock()
			if skip || (want != nil && !want(h)) {
				continue
			}
			r.mu.Lock()
			r.res.Wanted++
			r.mu.Unlock()
			select {
			case jobs <- h:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if page.NextPageToken == "" || r.isSkipped(i) {
			return nil
		}
		token = page.NextPageToken
	}
}

// pipeline runs feed, RestoreConcurrency fetchers and one sink writer. With
// only set, hashes are fetched from that driver alone.
func (r *restorer) pipeline(ctx context.Context, feed func(context.Context, chan<- Hash) error, only *int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	jobs := make(chan Hash)
	out := make(chan fetched)
	var workers sync.WaitGroup
	for range r.m.cfg.RestoreConcurrency {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for h := range jobs {
				if f, ok := r.fetch(ctx, h, only); ok {
					select {
					case out <- f:
					case <-ctx.Done():
					}
				}
			}
		}()
	}
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		if err := r.write(ctx, out); err != nil {
			cancel(err)
		}
	}()
	feedErr := feed(ctx, jobs)
	close(jobs)
	workers.Wait()
	close(out)
	<-writerDone
	if err := context.Cause(ctx); err != nil {
		return err
	}
	return feedErr
}

// write batches verified zonefiles into the sink.
func (r *restorer) write(ctx context.Context, in <-chan fetched) error {
	var batch []fetched
	size := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := r.store(ctx, batch)
		batch, size = batch[:0], 0
		return err
	}
	for f := range in {
		if ctx.Err() != nil {
			continue // drain so the fetchers can finish
		}
		batch = append(batch, f)
		size += len(f.zf.Data)
		if len(batch) >= sinkBatchItems || size >= sinkBatchBytes {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	return flush()
}

// store hands one batch to the sink. While it runs, the node's notifications
// for these hashes do not queue them for the driver they came from.
func (r *restorer) store(ctx context.Context, batch []fetched) error {
	zfs := make([]Zonefile, len(batch))
	r.m.rmu.Lock()
	for i, f := range batch {
		zfs[i] = f.zf
		r.m.restoring[restoredFrom{r.m.targets[f.src].spec.Name, f.zf.Hash}] = struct{}{}
	}
	r.m.rmu.Unlock()
	err := r.sink.Store(ctx, zfs)
	r.m.rmu.Lock()
	for _, f := range batch {
		delete(r.m.restoring, restoredFrom{r.m.targets[f.src].spec.Name, f.zf.Hash})
	}
	r.m.rmu.Unlock()
	if err != nil {
		return fmt.Errorf("backup: restore: sink: %w", err)
	}
	r.mu.Lock()
	for _, f := range batch {
		r.res.Restored++
		r.res.Drivers[f.src].Restored++
		r.seen[f.zf.Hash] = true
	}
	r.mu.Unlock()
	for _, f := range batch {
		r.m.targets[f.src].restored.Add(1)
	}
	return nil
}

// fetch asks the drivers for h in order (or driver *only) and returns the
// first copy that verifies.
func (r *restorer) fetch(ctx context.Context, h Hash, only *int) (fetched, bool) {
	failed := false
	for i, t := range r.m.targets {
		if only != nil && i != *only {
			continue
		}
		if r.isSkipped(i) {
			// Stopped or failing: whether it holds h is unknown.
			failed = true
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, r.m.cfg.CallTimeout)
		resp, err := t.drv.Get(cctx, driver.GetRequest{Key: h.String()})
		cancel()
		switch {
		case ctx.Err() != nil:
			return fetched{}, false
		case errors.Is(err, driver.ErrNotFound):
			r.answered(i, func(d *DriverRestore) { d.NotFound++ })
			continue
		case err != nil:
			r.failed(i, err)
			failed = true
			continue
		}
		if got := HashOf(resp.Data); got != h {
			r.corrupt(i, h, got, len(resp.Data))
			failed = true
			continue
		}
		return fetched{zf: Zonefile{Hash: h, Data: resp.Data}, src: i}, true
	}
	if only == nil {
		r.mu.Lock()
		if failed {
			r.res.Unavailable++
		} else {
			r.res.NotFound++
		}
		r.mu.Unlock()
	}
	return fetched{}, false
}

// answered records a call that worked, which resets the driver's streak.
func (r *restorer) answered(i int, count func(*DriverRestore)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.streak[i] = 0
	count(&r.res.Drivers[i])
}

func (r *restorer) failed(i int, err error) {
	t := r.m.targets[i]
	t.noteError(r.m.cfg.Now(), err)
	r.mu.Lock()
	r.res.Drivers[i].Failed++
	r.streak[i]++
	trip := r.streak[i] == breakerLimit
	r.mu.Unlock()
	if trip {
		r.skip(i, fmt.Sprintf("stopped asking after %d failed calls in a row; last: %s", breakerLimit, t.redact(err)))
		t.log.Warn().Str("error", t.redact(err)).Msg("restore stopped asking a failing backup driver")
	}
}

func (r *restorer) corrupt(i int, h, got Hash, size int) {
	t := r.m.targets[i]
	t.corrupt.Add(1)
	t.noteError(r.m.cfg.Now(), fmt.Errorf("backup: restore: blob %s holds %d bytes hashing to %s; not stored", h, size, got))
	t.log.Warn().Stringer("hash", h).Stringer("got", got).Int("size", size).Msg("backup driver returned bytes that do not match their hash; not stored")
	r.mu.Lock()
	defer r.mu.Unlock()
	r.streak[i] = 0
	r.res.Drivers[i].Corrupt++
	if len(r.res.Corrupt) < maxCorruptReported {
		r.res.Corrupt = append(r.res.Corrupt, Corruption{Driver: t.spec.Name, Hash: h, Got: got, Size: size})
	}
}

func (r *restorer) skip(i int, why string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.skipped[i] {
		r.skipped[i] = true
		r.res.Drivers[i].Skipped = why
	}
}

func (r *restorer) isSkipped(i int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.skipped[i]
}

func (r *restorer) result() RestoreResult {
	r.mu.Lock()
	defer r.mu.Unlock()
	res := r.res
	res.Drivers = append([]DriverRestore(nil), r.res.Drivers...)
	res.Corrupt = append([]Corruption(nil), r.res.Corrupt...)
	return res
}
