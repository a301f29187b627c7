package main

import (
	"context"
	"fmt"
	"os"

	"github.com/atlasd/atlasd/sidecar/daemon"
)

const reindexExample = `
Deletes the replay state of the configured network so that the next 'atlasd run' rebuilds it from the node
(zonefiles and backup queues are kept). Run it with the daemon stopped, with the same settings as 'run'.

Example:
  systemctl stop atlasd && atlasd reindex && systemctl start atlasd`

func runReindex(ctx context.Context, args []string) int {
	l, code, ok := loadConfig("reindex", reindexExample, args)
	if !ok {
		return code
	}
	p, err := daemon.Params(l.Config)
	if err != nil {
		fmt.Fprintf(os.Stderr, "atlasd reindex: %v\n", err)
		return exitUsage
	}
	dir := daemon.StateDir(l.Config, p)
	// Opening the state takes Pebble's lock, so a running daemon is
	// refused instead of losing its database under it.
	d, err := daemon.Open(l.Config, newLogger(l.Config))
	if err != nil {
		fmt.Fprintf(os.Stderr, "atlasd reindex: %v\n", err)
		return exitFailure
	}
	h, _ := d.Machine().Tip()
	if err := d.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "atlasd reindex: %v\n", err)
		return exitFailure
	}
	if err := os.RemoveAll(dir); err != nil {
		fmt.Fprintf(os.Stderr, "atlasd reindex: %v\n", err)
		return exitFailure
	}
	fmt.Printf("removed the %s replay state (it was at height %d) in %s; the next 'atlasd run' rebuilds it\n", p.Network, h, dir)
	return exitOK
}
