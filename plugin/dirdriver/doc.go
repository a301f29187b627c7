// Package dirdriver is the built-in blob driver: a directory tree on a local
// or mounted file system, laid out like Blockstack v1's zonefile directory so
// an existing v1 store can be read and a dirdriver store can be read by v1:
//
//	<root>/ab/cd/<key>.txt    for key "abcd…"
//
// Writes are atomic (temporary file, fsync, rename, fsync of the directory),
// directories are created 0700 and files 0600. A temporary file that a
// crash left behind is removed by the first List that walks past it once it
// is an hour old. The driver runs in-process
// behind the driver.Driver interface; contrib/dir serves the same code as a
// plugin when process isolation is wanted.
package dirdriver
