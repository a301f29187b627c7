package metrics

// Value reads one number at scrape time. It must be safe to call from any
// goroutine at any moment: an atomic's Load, through Int or Uint, is.
type Value func() float64

// ByLabel reads a family of numbers keyed by one label's values, such as
// peers by state. The keys must come from a small fixed set: each becomes
// a series.
type ByLabel func() map[string]float64

// Int adapts a signed counter or gauge, e.g. Int(stats.Height.Load).
func Int(f func() int64) Value {
	if f == nil {
		return nil
	}
	return func() float64 { return float64(f()) }
}

// Uint adapts an unsigned counter, e.g. Uint(stats.Gaps.Load).
func Uint(f func() uint64) Value {
	if f == nil {
		return nil
	}
	return func() float64 { return float64(f()) }
}

// Counts adapts a map of counts, e.g. peers by state.
func Counts[N int | int64 | uint64](f func() map[string]N) ByLabel {
	if f == nil {
		return nil
	}
	return func() map[string]float64 {
		m := f()
		out := make(map[string]float64, len(m))
		for k, v := range m {
			out[k] = float64(v)
		}
		return out
	}
}

// Sources are what a scrape reads. Every field is optional: a nil one
// leaves its series out rather than exporting a misleading zero.
type Sources struct {
	// IndexedHeight is the last block in the name state; NodeTip is
	// bitcoind's best height. With both set, the lag series is NodeTip
	// minus IndexedHeight, never below zero.
	IndexedHeight, NodeTip Value
	// Counters of the follower and state machine.
	BlocksApplied, OpsApplied, OpsRejected, Reorgs Value
	// Counters of the ZMQ subscriber.
	ZMQGaps, ZMQReconnects, ZMQSilences Value
	// Peers counts Atlas peers by state (e.g. "healthy", "unreachable").
	Peers ByLabel
	// InventoryPresent of InventoryTotal announced zonefiles are stored.
	InventoryPresent, InventoryTotal Value
	// BytesServed counts bytes of replies to Atlas peers.
	BytesServed Value
	// AtlasRefused counts Atlas calls and connections turned away by the
	// port's limits, by reason ("rate_limited", "conns_per_addr",
	// "overloaded").
	AtlasRefused ByLabel
	// DiskLow is 1 while writes are paused because the data directory's
	// file system has less free space than storage.min_free_mib, else 0;
	// DiskFree is that free space in bytes as last checked.
	DiskLow, DiskFree Value
	// DiskPaused counts writes held back or refused for lack of space, by
	// what was to be written ("block", "zonefile", "backup").
	DiskPaused ByLabel
	// DiskFullErrors counts writes the file system itself refused for lack
	// of space (ENOSPC) under the data directory.
	DiskFullErrors Value
	// Backup drivers and their plugin processes are not here: the
	// daemon passes this registry to plugin/backup, whose collector
	// exports atlasd_backup_* and atlasd_plugin_restarts_total itself.
}
