package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/replay"
	"github.com/atlasd/atlasd/virtualchain/state"
)

func runReplay(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	paramsFile := fs.String("params", "", "network params JSON file (default: built-in mainnet)")
	blocksFile := fs.String("blocks", "", "block stream, one JSON object per line (- for stdin)")
	datadir := fs.String("datadir", "", "state directory to keep (default: a temporary one, removed at exit)")
	undo := fs.Uint64("undo-window", 144, "blocks that can be rolled back")
	genesis := fs.String("token-genesis", "", "v1 token genesis allocation (needed past the token epoch)")
	logLevel := fs.String("log-level", "warn", "debug, info, warn or error")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `usage: atlasd replay --params FILE --blocks FILE.jsonl [--datadir DIR]

Replays a block stream through the BNS state machine and prints one line per
block: {"height":H,"consensus_hash":"..."}.

Example:
  atlasd replay --params ../shared/data/consensus/scenarios/name_import.params.json \
                --blocks ../shared/data/consensus/scenarios/name_import.blocks.jsonl

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK
		}
		return exitUsage
	}
	if *blocksFile == "" {
		fmt.Fprintln(os.Stderr, "atlasd replay: --blocks is required")
		fs.Usage()
		return exitUsage
	}
	lvl, err := zerolog.ParseLevel(*logLevel)
	if err != nil {
		fmt.Fprintf(os.Stderr, "atlasd replay: --log-level: %v\n", err)
		return exitUsage
	}
	log := zerolog.New(zerolog.ConsoleWriter{Out: os.Stderr, TimeFormat: time.RFC3339}).Level(lvl).With().Timestamp().Logger()

	p := params.Mainnet()
	if *paramsFile != "" {
		if p, err = params.Load(*paramsFile); err != nil {
			fmt.Fprintf(os.Stderr, "atlasd replay: %v\n", err)
			return exitUsage
		}
	}
	var in io.Reader = os.Stdin
	if *blocksFile != "-" {
		f, err := os.Open(*blocksFile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "atlasd replay: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		in = f
	}
	dir := *datadir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "atlasd-replay-")
		if err != nil {
			fmt.Fprintf(os.Stderr, "atlasd replay: %v\n", err)
			return exitFailure
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	m, err := state.Open(dir, p, state.Options{UndoWindow: *undo, Logger: log, TokenGenesis: *genesis})
	if err != nil {
		fmt.Fprintf(os.Stderr, "atlasd replay: %v\n", err)
		return exitFailure
	}
	defer m.Close()

	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	err = replay.Run(m, in, func(r *state.Result) error {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return enc.Encode(replay.Line{Height: r.Height, ConsensusHash: r.ConsensusHash})
	})
	var le *replay.LineError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, context.Canceled):
		fmt.Fprintln(os.Stderr, "atlasd replay: interrupted; state is at a block boundary")
		return exitFailure
	case errors.As(err, &le):
		fmt.Fprintf(os.Stderr, "atlasd replay: %s:%d: %v\n", *blocksFile, le.Line, le.Err)
		var inv *state.InvariantError
		if errors.As(err, &inv) {
			return exitFailure
		}
		return exitUsage
	default:
		fmt.Fprintf(os.Stderr, "atlasd replay: %v\n", err)
		return exitFailure
	}
}
