// Package metrics is atlasd's Prometheus plumbing: every series the daemon
// exports, defined in one place (defs.go), and the HTTP endpoints that
// serve them with the liveness and readiness probes.
//
// Components do not import Prometheus. They keep plain counters (atomics
// in a Stats struct, as sidecar/follow and sidecar/zmqsub do), and the
// daemon hands read functions for them to this package in a Sources
// value; a scrape calls them and reports what they return, so nothing
// polls and nothing is copied between scrapes. Events that need a
// histogram (an RPC call's latency, a reorg's depth) cannot be rebuilt
// from a counter, so for those the daemon passes the component a plain
// func, such as Metrics.ObserveRPC, to call as they happen.
//
// Each Metrics has its own registry (never the global one), with the Go
// runtime, process and build-info collectors beside atlasd's own series,
// so that tests and several daemons in one process stay apart.
//
// Handler serves:
//
//	/metrics  the registry in the Prometheus text or protobuf format
//	/healthz  200 while the process can answer at all (liveness)
//	/readyz   200 when the ReadyFunc says so, else 503 with a JSON reason
package metrics
