// Package daemon wires atlasd together for `atlasd run`: the bitcoind
// client and ZMQ wake-ups feed the follower, the follower drives the replay
// state, and (as they land) the Atlas peer, the APIs and the backup drivers
// hang off the replay. It owns start-up checks (network, prevout mode),
// retries while the node is unreachable or warming up, and an orderly
// shutdown that leaves every store at a block boundary.
//
// It also guards the data directory's disk (diskguard.go). Below
// storage.min_free_mib of free space nothing is written: blocks wait inside
// the follower's writes (replay.go), POST /v1/zonefile and peers' zonefiles
// are refused, backup enqueues wait in memory behind a marker file
// (backupqueue.go); /readyz is not ready and the atlasd_disk_* series show
// the pause, while reads and the Atlas port go on. Writing resumes on its
// own once there is room. A write that still finds the disk full frees a
// ballast file and is retried; a database whose write failed anyway is
// closed and opened again once there is room, and a start on a full disk
// opens the replay state read-only and serves reads until there is room.
package daemon
