package state

import (
	"fmt"

	"github.com/cockroachdb/pebble"
)

// Flush makes every block applied so far durable. Blocks are committed
// without a sync unless Options.Sync is set, and Pebble holds such writes
// in its own log buffer until a 32 KiB log block fills, so without a flush
// even a kill -9 (not only a power cut) loses the last blocks. Losing them
// during an initial sync costs a re-fetch; at the tip it would drop blocks
// whose consensus hashes peers and clients have already been served. The
// follower flushes whenever it reaches the node's tip.
func (m *Machine) Flush() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.writable(); err != nil {
		return err
	}
	// An empty log record with a synced commit syncs the log up to and
	// including every earlier unsynced batch.
	b := m.db.NewBatch()
	defer b.Close()
	if err := b.LogData(nil, nil); err != nil {
		return fmt.Errorf("state: flush: %w", err)
	}
	if err := m.commit(b, pebble.Sync); err != nil {
		return fmt.Errorf("state: flush: %w", err)
	}
	return nil
}
