// Package backup is the host side of zonefile backups: it keeps every
// zonefile the node holds copied to the configured blob drivers, and brings
// zonefiles back from them when the node lacks some.
//
// A Manager owns N drivers, each either a plugin binary run by plugin/host or
// the built-in directory driver (Path "builtin:dir"), and a durable upload
// queue in its own Pebble database:
//
//   - Enqueue writes one key per (driver, hash) in one synced batch, so a
//     zonefile the node has reported is never forgotten, whatever crashes
//     afterwards. Enqueueing a queued hash again is a no-op.
//   - Run drains the queue: per driver, a loop reads a bounded window of
//     due keys, uploads them with bounded concurrency, and deletes each key
//     only after the driver acknowledged the Put. A failed item waits with
//     exponential backoff and jitter (its attempt count is kept in the
//     queue, so it survives restarts); a driver whose every attempt fails is
//     probed one item at a time, also with backoff, until it answers again.
//     A crashed plugin is restarted by plugin/host; its items stay queued.
//   - Restore fetches wanted hashes from the drivers in configuration
//     order, RestoreAll pages through a driver's listing for a node that
//     starts from nothing. Every blob is checked against its hash
//     (RIPEMD160 of SHA256) before it reaches the Sink; bytes that do not
//     match are counted, logged and never stored.
//   - A queue write that cannot reach the disk (it is full) fails with
//     ErrStorage instead of ending the process, and the next write reopens
//     the database (see internal/pebblefault). Requeue puts every held hash
//     back for every driver, for the daemon to call when an Enqueue may
//     have been lost that way.
//   - Status reports per driver the queue depth, work in flight, counters,
//     last error and last success, and the plugin's restarts; the same
//     figures are exported to Prometheus when a Registerer is given.
//
// The package knows nothing about Atlas. The node is reached through two
// small interfaces declared here, Source (read a held zonefile for upload)
// and Sink (store restored zonefiles); the daemon adapts its Atlas node to
// them and calls Enqueue from the node's notification hook.
//
// Driver settings may hold secrets. They are passed to the drivers and used
// for nothing else: errors and status text have every configured setting
// value of redactMin or more bytes replaced before they are kept.
package backup
