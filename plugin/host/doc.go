// Package host runs an out-of-process blob driver and hands it to callers as
// a plain driver.Driver.
//
// A Host owns one plugin binary. Run starts it and keeps it running:
//
//   - Before every start the binary's SHA-256 is compared with the checksum
//     from the operator's configuration; a mismatch stops Run with
//     ErrChecksum and both digests in the message. go-plugin's SecureConfig
//     repeats the check right before exec.
//   - The connection uses go-plugin's AutoMTLS, gRPC only, and the process is
//     Managed (the daemon calls plugin.CleanupClients on exit).
//   - After each start the driver is described and configured with the
//     settings from Config, so a restarted plugin is indistinguishable from
//     the first one.
//   - A plugin that exits or becomes unreachable is restarted with
//     exponential backoff; the backoff resets once a process has stayed up
//     for MaxBackoff.
//   - A call that runs out its caller's deadline gets the plugin probed
//     with a Describe bounded by ProbeTimeout. A plugin that does not
//     answer (frozen, or its driver deadlocked while go-plugin's health
//     service still answers) is hung: it is killed with SIGKILL and
//     restarted like one that crashed. One that answers is left alone.
//   - A plugin is never waited on without a bound: a replaced process is
//     killed outright, and at shutdown one that has not exited within a
//     few seconds of being asked is killed. On Linux the kernel kills the
//     plugins when the host process dies, however it dies.
//   - The plugin's hclog output (JSON lines on its stderr) and any stray
//     stdout/stderr writes are re-logged through zerolog with the driver's
//     name.
//
// Calls made while the plugin is starting or restarting wait for it, bounded
// by their context. A call that fails because the process died under it is
// retried once on the restarted process; that is safe because every
// operation of the contract is idempotent.
package host
