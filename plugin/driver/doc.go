// Package driver is the contract between a backup host and its blob drivers.
//
// A driver stores immutable, content-addressed blobs: the key is the
// lowercase hex digest of the bytes, and a blob never changes once written.
// The contract knows nothing about what the blobs are or how digests are
// computed; callers verify what they read back.
//
// Drivers run either in-process (any value implementing Driver) or as
// separate executables served over gRPC by hashicorp/go-plugin. A plugin's
// main is one call:
//
//	func main() { driver.Serve(&myDriver{}) }
//
// The host side dispenses a Driver from a go-plugin client using
// VersionedPlugins and Handshake; package plugin/host does that, with
// checksums, mTLS and restarts.
//
// Errors keep their identity across the process boundary: ErrNotFound,
// ErrInvalidKey, ErrBlobTooLarge, ErrNotConfigured, ErrUnsupported and the
// context errors come back out of the gRPC client so that errors.Is works
// the same for in-process and plugin drivers.
package driver
