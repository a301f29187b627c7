package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/atlasd/atlasd/sidecar/config"
	"github.com/atlasd/atlasd/sidecar/devnet"
)

func runDevnet(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("atlasd devnet", flag.ContinueOnError)
	dir := fs.String("datadir", "data/devnet", "where btcd and atlasd keep their data (emptied at start)")
	interval := fs.Duration("interval", 5*time.Second, "how often a block with new name operations is mined")
	ns := fs.String("namespace", "devnet", "namespace the scripted history creates")
	level := fs.String("log-level", "info", "trace, debug, info, warn or error")
	peers := fs.Int("peers", 0, "extra atlasd peers that follow the same node and replicate zonefiles")
	api := fs.String("api", "127.0.0.1:6270", "the first peer's REST API address")
	atlas := fs.String("atlas", "127.0.0.1:16264", "the first peer's Atlas address")
	fs.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: atlasd devnet [flags]\n\nStarts btcd in regtest (./bin/btcd, from `make btcd`), plays a scripted BNS history,\nfollows it with atlasd and keeps mining until Ctrl-C.\n\nflags:")
		fs.PrintDefaults()
		fmt.Fprintln(os.Stderr, "\nExample:\n  make run                   # builds atlasd and btcd, then runs atlasd devnet\n  ./bin/atlasd devnet --peers 3")
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	cfg := config.Default()
	cfg.LogLevel = *level
	log := newLogger(cfg)
	_, err := devnet.Run(ctx, devnet.Options{DataDir: *dir, Interval: *interval, Namespace: *ns, Peers: *peers,
		APIListen: *api, AtlasListen: *atlas, Out: os.Stdout, Logger: log})
	if err != nil {
		log.Error().Err(err).Msg("devnet stopped")
		return exitFailure
	}
	fmt.Println("devnet: stopped")
	return exitOK
}
