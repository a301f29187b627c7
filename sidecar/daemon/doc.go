// Package daemon wires atlasd together for `atlasd run`: the bitcoind
// client and ZMQ wake-ups feed the follower, the follower drives the replay
// state, and (as they land) the Atlas peer, the APIs and the backup drivers
// hang off the replay. It owns start-up checks (network, prevout mode),
// retries while the node is unreachable or warming up, and an orderly
// shutdown that leaves every store at a block boundary.
package daemon
