package backup

import (
	"context"
	"fmt"
)

// Requeue queues every hash that scan yields for every driver, as Backfill
// does for new drivers, leaving hashes already queued as they are. The
// daemon calls it when an Enqueue may have been lost: one that failed
// (the disk was full) before a crash. Hashes uploaded before are uploaded
// again, which drivers take as a no-op overwrite. It returns how many items
// were added.
func (m *Manager) Requeue(ctx context.Context, scan func(fn func(Hash) error) error) (int64, error) {
	if len(m.targets) == 0 {
		return 0, nil
	}
	var total int64
	buf := make([]Hash, 0, backfillBatch)
	flush := func() error {
		added, err := m.q.enqueue(m.names, buf, m.skipRestoring, true)
		if err != nil {
			return err
		}
		for _, n := range added {
			total += n
		}
		m.credit(added)
		buf = buf[:0]
		return nil
	}
	err := scan(func(h Hash) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		buf = append(buf, h)
		if len(buf) == cap(buf) {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		return total, fmt.Errorf("backup: requeue: %w", err)
	}
	return total, nil
}
