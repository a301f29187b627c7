// Package config holds atlasd's settings: their defaults, and how a TOML
// file, ATLASD_* environment variables and command-line flags override
// them.
//
// # Precedence
//
// Each setting takes the value of the highest layer that sets it:
//
//	flags > environment > file > defaults
//
// so an operator can keep the long-lived settings in a file, let a service
// manager inject secrets through the environment, and still override
// anything for one run on the command line. Lists given in the environment
// or as a flag replace the file's list rather than extending it, so that a
// layer can also empty a list.
//
// # Names
//
// One table, derived by reflection from Config's toml tags, names every
// setting three ways, so nothing has to be kept in step by hand:
//
//	file  bitcoind.rpc_host         ([bitcoind] rpc_host = "...")
//	env   ATLASD_BITCOIND_RPC_HOST
//	flag  --bitcoind.rpc-host
//
// Flags keep the dot of the section (so a flag name maps back to exactly
// one key) and use dashes inside words, as command lines usually do.
// Durations are Go durations ("30s", "1m30s"); lists are arrays in the
// file and comma-separated in the environment and in flags. [[backup]]
// tables can only come from the file: an ordered list of structured
// records has no sane spelling as one variable or flag.
//
// # The file
//
// --config FILE (or ATLASD_CONFIG) names the file; an empty name means no
// file. Otherwise <datadir>/atlasd.toml is read if it exists, where datadir
// is the one given by flag, environment or default (the file cannot move
// itself). Unknown keys and values of the wrong type are refused with the
// key's name. The file is parsed by BurntSushi/toml into plain values and
// then decoded here against the table, so every error is worded the same
// way whichever layer the value came from, and none of them quotes a
// secret.
//
// # Unknown environment variables
//
// An unknown ATLASD_* variable is refused when it is surely meant for the
// daemon: it lies in a section's namespace (ATLASD_BITCOIND_…) or is a near
// miss of a real name (ATLASD_DATA_DIR). Any other is only reported as a
// warning, because atlasd's own tests and tools use the prefix for their
// knobs (ATLASD_BTCD, ATLASD_BENCH_BLOCKS) and a shell that exported one of
// those must still be able to start the daemon.
//
// # Secrets
//
// Fields tagged secret:"true" and, in maps tagged secret:"values", values
// whose key contains secret, password, token or key are secrets: Print
// masks them, and no error or warning ever quotes them, nor any value that
// carries userinfo ("user:pass@host").
package config
