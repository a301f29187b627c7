// Package pebblefault lets a Pebble 1.1 database outlive a write that
// fails, typically for lack of disk space, instead of ending the process.
//
// Pebble treats a failed write of its write-ahead log or MANIFEST as the
// end of the handle. A synced commit whose log write fails calls
// Logger.Fatalf, whose contract is to exit; an unsynced commit "succeeds"
// into memory while the log writer keeps the error, and the next log
// rotation (a full memtable, a Flush, Close's flush) panics. The files on
// disk stay consistent throughout: reopened, the directory holds every batch
// that reached the log, whole. So the way on is to notice the first failure,
// write nothing more through that handle, close it without flushing, and
// open the directory again once the cause is gone.
//
// A Guard does the noticing. Its FS records the first failed write or sync
// of a log or MANIFEST file; its Logger turns the Fatalf of a failed commit
// into a panic that its Commit recovers as an error (the commit pipeline has
// released its locks by then, so the handle can still be closed); Err says
// whether the handle is spent. Callers check Err before each write and
// route every commit through Commit.
package pebblefault
