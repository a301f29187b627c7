package backup

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/atlasd/atlasd/plugin/driver"
)

// windowPerWorker sizes a round: each round reads at most this many due
// items per upload slot, so memory stays bounded whatever the queue holds.
const windowPerWorker = 4

// outcome is what became of one upload attempt.
type outcome uint8

const (
	// aborted: the run is ending; the item is left as it was.
	aborted outcome = iota
	// uploaded: the driver acknowledged the Put; the item is deleted.
	uploaded
	// dropped: the item can never succeed (the node no longer holds the
	// zonefile, or the driver refuses it for good); it is deleted.
	dropped
	// itemFailed: this item failed for a reason local to it; it waits.
	itemFailed
	// driverFailed: the driver failed; the item waits and the driver
	// backs off if nothing in the round got through.
	driverFailed
)

// drain uploads t's queued items until ctx ends. It walks the queue in key
// order with a cursor, so that items failing over and over cannot starve the
// rest, and sleeps when nothing is due.
func (m *Manager) drain(ctx context.Context, t *target) {
	var cursor *Hash
	failures := 0 // rounds in a row in which the driver got nothing through
	for ctx.Err() == nil {
		limit := windowPerWorker * m.cfg.Concurrency
		if failures > 0 {
			// Probe a failing driver with one item instead of letting a
			// whole window fail.
			limit = 1
		}
		now := m.cfg.Now()
		items, earliest, err := m.q.due(t.spec.Name, cursor, limit, now.UnixNano())
		if err != nil {
			if errors.Is(err, ErrClosed) {
				return
			}
			t.noteError(now, err)
			t.log.Error().Err(err).Msg("reading the upload queue")
			failures++
			sleep(ctx, nil, retryDelay(m.cfg.MinRetry, m.cfg.MaxRetry, failures))
			continue
		}
		if len(items) == 0 {
			if cursor != nil {
				cursor = nil // wrap around; the next scan covers everything
				continue
			}
			wait := time.Duration(-1) // nothing waiting: until woken
			if earliest != 0 {
				wait = max(time.Duration(earliest-now.UnixNano()), time.Millisecond)
			}
			sleep(ctx, t.wake, wait)
			continue
		}
		last := items[len(items)-1].hash
		cursor = &last
		ok, failed := m.round(ctx, t, items)
		switch {
		case ok > 0:
			if failures > 0 {
				t.log.Info().Int("failed_rounds", failures).Msg("backup driver accepts uploads again")
			}
			failures = 0
		case failed > 0:
			failures++
			wait := retryDelay(m.cfg.MinRetry, m.cfg.MaxRetry, failures)
			if failures == 1 {
				t.log.Warn().Dur("retry_in", wait).Msg("backup driver failing; backing off")
			}
			// Enqueues do not cut a driver's backoff short.
			sleep(ctx, nil, wait)
		}
	}
}

// round uploads items with bounded concurrency and records the outcomes in
// one batch. It returns how many uploads got through and how many failed
// at the driver. Once the driver has failed with nothing got through, no
// further item is started: a driver that is down costs a call timeout per
// attempt, and the rest of the window would only wait for the same answer.
// Items not started are left as they were.
func (m *Manager) round(ctx context.Context, t *target, items []item) (ok, failed int) {
	results := make([]outcome, len(items)) // aborted unless started
	sem := make(chan struct{}, m.cfg.Concurrency)
	var wg sync.WaitGroup
	var got, bad atomic.Int32
	for i := range items {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil || (bad.Load() > 0 && got.Load() == 0) {
			break
		}
		wg.Add(1)
		t.inFlight.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-sem; t.inFlight.Add(-1) }()
			r := m.upload(ctx, t, items[i].hash)
			switch r {
			case uploaded:
				got.Add(1)
			case driverFailed:
				bad.Add(1)
			}
			results[i] = r
		}()
	}
	wg.Wait()

	now := m.cfg.Now()
	var done []Hash
	var retry []item
	for i, r := range results {
		it := items[i]
		switch r {
		case uploaded:
			ok++
			done = append(done, it.hash)
		case dropped:
			done = append(done, it.hash)
		case itemFailed, driverFailed:
			if r == driverFailed {
				failed++
			}
			it.meta.attempts++
			it.meta.notBefore = now.Add(retryDelay(m.cfg.MinRetry, m.cfg.MaxRetry, int(min(it.meta.attempts, 64)))).UnixNano()
			retry = append(retry, it)
		}
	}
	if err := m.q.settle(t.spec.Name, done, retry); err != nil {
		// The items stay queued as they were (done ones are uploaded
		// again later, harmlessly). Reported as a failed round so that
		// the loop backs off instead of spinning on a broken queue.
		t.noteError(now, err)
		t.log.Error().Err(err).Msg("recording upload results")
		return 0, 1
	}
	t.queued.Add(-int64(len(done)))
	if ok > 0 {
		t.noteSuccess(now)
	}
	return ok, failed
}

// upload copies one held zonefile to t.
func (m *Manager) upload(ctx context.Context, t *target, h Hash) outcome {
	cctx, cancel := context.WithTimeout(ctx, m.cfg.CallTimeout)
	defer cancel()
	data, err := m.cfg.Source.Zonefile(cctx, h)
	switch {
	case ctx.Err() != nil:
		return aborted
	case errors.Is(err, ErrNotHeld):
		m.fail(t, h, fmt.Errorf("backup: upload %s: dropped: %w", h, err))
		t.dropped.Add(1)
		return dropped
	case err != nil:
		m.fail(t, h, fmt.Errorf("backup: upload %s: reading the zonefile: %w", h, err))
		t.failed.Add(1)
		return itemFailed
	case HashOf(data) != h:
		// Never back up bytes that are not the zonefile; the node will
		// notify again once it holds a good copy.
		m.fail(t, h, fmt.Errorf("backup: upload %s: dropped: the source returned %d bytes hashing to %s", h, len(data), HashOf(data)))
		t.dropped.Add(1)
		return dropped
	}
	err = t.drv.Put(cctx, driver.PutRequest{Key: h.String(), Data: data})
	switch {
	case err == nil:
		t.uploaded.Add(1)
		return uploaded
	case ctx.Err() != nil:
		return aborted
	case errors.Is(err, driver.ErrInvalidKey), errors.Is(err, driver.ErrBlobTooLarge):
		m.fail(t, h, fmt.Errorf("backup: upload %s: dropped, the driver refuses it: %w", h, err))
		t.dropped.Add(1)
		return dropped
	default:
		m.fail(t, h, fmt.Errorf("backup: upload %s: %w", h, err))
		t.failed.Add(1)
		return driverFailed
	}
}

func (m *Manager) fail(t *target, h Hash, err error) {
	t.noteError(m.cfg.Now(), err)
	t.log.Debug().Stringer("hash", h).Str("error", t.redact(err)).Msg("upload failed")
}

// sleep waits d (forever if d < 0) or until ctx ends or wake fires.
func sleep(ctx context.Context, wake <-chan struct{}, d time.Duration) {
	if d == 0 {
		return
	}
	var timer <-chan time.Time
	if d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-ctx.Done():
	case <-wake:
	case <-timer:
	}
}
