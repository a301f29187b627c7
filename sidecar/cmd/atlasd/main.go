// Command atlasd follows a Bitcoin node, replays Blockstack's name system
// from the chain, and serves the Atlas zonefile network.
//
// Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string) int
}

func commands() []command {
	return []command{
		{"run", "follow bitcoind, replay BNS and serve (the daemon)", runRun},
		{"devnet", "run a local regtest network with a scripted name history (make run)", runDevnet},
		{"status", "show height, node tip, consensus hash, peers, inventory and backups", runStatus},
		{"names", "show a name's record or history (names show NAME)", runNames},
		{"zonefile", "get a zonefile by hash or name, or put one (zonefile get|put)", runZonefile},
		{"backup", "show the backup drivers' queues (backup status)", runBackup},
		{"verify", "compare consensus hashes with a peer's and report the first difference", runVerify},
		{"reindex", "delete the replay state so the next run rebuilds it from the node", runReindex},
		{"config", "print the effective configuration (config print)", runConfig},
		{"replay", "replay a recorded block stream and print each block's consensus hash", runReplay},
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: atlasd <command> [flags]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(os.Stderr, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun 'atlasd <command> --help' for a command's flags.")
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 || os.Args[1] == "-h" || os.Args[1] == "--help" || os.Args[1] == "help" {
		usage()
		if len(os.Args) < 2 {
			os.Exit(exitUsage)
		}
		os.Exit(exitOK)
	}
	for _, c := range commands() {
		if c.name == os.Args[1] {
			os.Exit(c.run(ctx, os.Args[2:]))
		}
	}
	fmt.Fprintf(os.Stderr, "atlasd: unknown command %q\n\n", os.Args[1])
	usage()
	os.Exit(exitUsage)
}
