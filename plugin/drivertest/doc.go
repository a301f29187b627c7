// Package drivertest holds what every blob-driver test needs: the real
// zonefiles from the shared data set as blobs keyed by their hash160, a
// conformance suite any driver.Driver must pass, and helpers to build plugin
// binaries for tests that load them through go-plugin.
//
// It is imported by tests only. The zonefile loader is the one place that
// knows what the blobs are; the suite itself only compares bytes and keys.
package drivertest
