package replicate

import (
	"context"
	"time"
)

// Run replicates until ctx is cancelled: refresh due inventories, fetch
// what Config.Wants lists, push what Announce queued, and pause Idle after
// a round that stored nothing (an announced zonefile ends the pause). It
// returns nil on cancellation and Store's error if storing fails, since
// then there is no point fetching more.
func (r *Replicator) Run(ctx context.Context) error {
	for {
		r.RefreshInventories(ctx)
		stored := 0
		if r.cfg.Wants != nil {
			rep, err := r.Fetch(ctx, r.cfg.Wants())
			if err != nil {
				return err
			}
			stored = len(rep.Stored)
		}
		r.pushQueued(ctx, nil)
		if ctx.Err() != nil {
			return nil
		}
		if stored > 0 {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case z := <-r.pushQ:
			r.pushQueued(ctx, []Zonefile{z})
		case <-time.After(r.cfg.Idle):
		}
	}
}

// pushQueued pushes first plus everything queued. Announce checked every
// queued zonefile, so Push has nothing to refuse.
func (r *Replicator) pushQueued(ctx context.Context, first []Zonefile) {
	files := first
	for len(files) < MaxQueuedPush {
		select {
		case z := <-r.pushQ:
			files = append(files, z)
			continue
		default:
		}
		break
	}
	if len(files) > 0 {
		_, _ = r.Push(ctx, files)
	}
}
