package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"

	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/atlas/verify"
	"github.com/atlasd/atlasd/sidecar/daemon"
)

const exitDiffer = 3

const verifyExample = `
Compares this node's consensus hashes with a peer's (get_consensus_hashes, 32 heights per call) and reports the
first height where they differ, or that all agree. This node's hashes are read from its own Atlas port while the
daemon runs (--local, default from atlas.listen), else from its data directory.

Exit codes: 0 all agree, 3 the hashes differ, 1 no verdict (peer unreachable, behind or ahead), 2 bad usage.

Example:
  atlasd verify --peer node.example.org:6264 --from 373601`

func runVerify(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("atlasd verify", flag.ContinueOnError)
	peer := fs.String("peer", "", "the peer to compare with, host:port (required)")
	from := fs.Int64("from", -1, "first height (default: the network's first block)")
	to := fs.Int64("to", 0, "last height (default: the highest both nodes processed)")
	local := fs.String("local", "", "this node's Atlas address (default: from atlas.listen)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	l, code, ok := loadConfigWith(fs, "verify", verifyExample, args)
	if !ok {
		return code
	}
	if *peer == "" {
		fmt.Fprintln(os.Stderr, "atlasd verify: --peer HOST:PORT is required")
		return exitUsage
	}
	p, err := daemon.Params(l.Config)
	if err != nil {
		fmt.Fprintf(os.Stderr, "atlasd verify: %v\n", err)
		return exitUsage
	}
	if *from < 0 {
		*from = int64(p.FirstBlock)
	}
	them, err := peers.NewClient(*peer, peers.ClientConfig{})
	if err != nil {
		fmt.Fprintf(os.Stderr, "atlasd verify: %v\n", err)
		return exitUsage
	}
	ours, closeOurs, err := localHashes(ctx, l.Config.Atlas.Listen, *local, l)
	if err != nil {
		fmt.Fprintf(os.Stderr, "atlasd verify: %v\n", err)
		return exitFailure
	}
	defer closeOurs()
	rep, err := verify.Compare(ctx, ours, them, *from, *to)
	if *asJSON {
		out := map[string]any{"report": rep}
		if err != nil {
			out["error"] = err.Error()
		}
		json.NewEncoder(os.Stdout).Encode(out)
	} else if err == nil {
		fmt.Println(rep.String())
	}
	switch {
	case err != nil:
		if !*asJSON {
			fmt.Fprintf(os.Stderr, "atlasd verify: %v\n", err)
		}
		return exitFailure
	case rep.FirstDiff != nil:
		return exitDiffer
	case !rep.Agree:
		return exitFailure
	}
	return exitOK
}

// localHashes reads our consensus hashes from our running daemon's Atlas
// port, 32 at a time, or from the data directory when no daemon answers.
func localHashes(ctx context.Context, listen, local string, l *loaded) (func(int64) (string, bool), func(), error) {
	addr := local
	if addr == "" {
		host, port, err := net.SplitHostPort(listen)
		if err == nil {
			if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
				host = "127.0.0.1"
			}
			addr = net.JoinHostPort(host, port)
		}
	}
	if addr != "" {
		if c, err := peers.NewClient(addr, peers.ClientConfig{}); err == nil {
			if _, err := c.GetInfo(ctx); err == nil {
				cache := map[int64]string{}
				return func(h int64) (string, bool) {
					if ch, ok := cache[h]; ok {
						return ch, true
					}
					hs := make([]int64, verify.Batch)
					for i := range hs {
						hs[i] = h + int64(i)
					}
					got, err := c.GetConsensusHashes(ctx, hs)
					if err != nil {
						return "", false
					}
					for k, v := range got {
						cache[k] = v
					}
					ch, ok := cache[h]
					return ch, ok
				}, func() {}, nil
			} else if local != "" {
				return nil, nil, fmt.Errorf("this node's Atlas port %s: %w", addr, err)
			}
		}
	}
	d, err := daemon.Open(l.Config, newLogger(l.Config))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil, fmt.Errorf("no running daemon at %s and no data directory: %w", addr, err)
		}
		return nil, nil, err
	}
	m := d.Machine()
	return func(h int64) (string, bool) {
		if h < 0 {
			return "", false
		}
		return m.ConsensusHash(uint64(h))
	}, func() { d.Close() }, nil
}
