package blockscan

import (
	"errors"
	"fmt"
)

// Sentinel causes wrapped by *Error; test for them with errors.Is.
var (
	// ErrTruncated means the block ends inside a field.
	ErrTruncated = errors.New("blockscan: truncated block")
	// ErrNonCanonical means a compact size used more bytes than its value
	// needs, which wire (and bitcoind) refuse.
	ErrNonCanonical = errors.New("blockscan: non-canonical compact size")
	// ErrTooMany means a transaction, input, output or witness item count
	// cannot fit in the bytes that remain.
	ErrTooMany = errors.New("blockscan: count exceeds remaining bytes")
	// ErrTooLarge means the block, a script or a witness item is over the
	// size wire accepts.
	ErrTooLarge = errors.New("blockscan: size over limit")
	// ErrWitnessFlag means a segwit marker was followed by a flag other
	// than 0x01.
	ErrWitnessFlag = errors.New("blockscan: bad segwit flag")
	// ErrSuperfluousWitness means a transaction used the segwit
	// serialization but every input's witness is empty.
	ErrSuperfluousWitness = errors.New("blockscan: segwit serialization without witness data")
	// ErrTrailingData means bytes follow the last transaction.
	ErrTrailingData = errors.New("blockscan: data after last transaction")
	// ErrDecode means wire refused a transaction the scan had accepted;
	// it would be a bug in one of the two, reported rather than hidden.
	ErrDecode = errors.New("blockscan: full decode disagrees with scan")
)

// Error locates a malformed block.
type Error struct {
	// Offset is the byte position in the block where the bad field starts.
	Offset int
	// Tx is the index of the transaction being read, -1 for the header and
	// transaction count.
	Tx int
	// Err is one of the sentinels above, possibly wrapping wire's error.
	Err error
}

// Error implements error.
func (e *Error) Error() string {
	if e.Tx < 0 {
		return fmt.Sprintf("%v (at byte %d)", e.Err, e.Offset)
	}
	return fmt.Sprintf("%v (tx %d, at byte %d)", e.Err, e.Tx, e.Offset)
}

// Unwrap gives the sentinel so errors.Is works.
func (e *Error) Unwrap() error { return e.Err }
