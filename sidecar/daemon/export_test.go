package daemon

import (
	"time"

	"github.com/cockroachdb/pebble/vfs"
	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/sidecar/config"
)

// OpenWithFreeSpace is Open with the disk guard reading free space from
// free, and looking again every 50 ms, for tests that fill the disk
// without filling it.
func OpenWithFreeSpace(cfg config.Config, log zerolog.Logger, free func(dir string) (uint64, error)) (*Daemon, error) {
	return open(cfg, log, free, nil)
}

// OpenOnFS is OpenWithFreeSpace with the stores' databases on base, for
// tests that make their writes fail.
func OpenOnFS(cfg config.Config, log zerolog.Logger, free func(dir string) (uint64, error), base vfs.FS) (*Daemon, error) {
	return open(cfg, log, free, base)
}

// SetNodeStaleFloor shortens how long the node may stay silent before
// /readyz fails, and returns the function that puts it back.
func SetNodeStaleFloor(d time.Duration) func() {
	old := nodeStaleFloor
	nodeStaleFloor = d
	return func() { nodeStaleFloor = old }
}
