// Package drivertest holds what every blob-driver test needs: the real
// zonefiles from the shared data set as blobs keyed by their hash160, a
// conformance suite any driver.Driver must pass, and helpers to build plugin
// binaries for tests that load them through go-plugin.
//
// It is imported by tests only. The zonefile loader is the one place that
// knows what the blobs are; the suite itself only compares bytes and keys.
// Subpackage chaos wraps a driver so that it crashes, hangs, fails and lies
// on purpose, and chaosdriver serves that over the directory driver as a
// plugin for the fault tests of plugin/host and plugin/backup.
package drivertest
