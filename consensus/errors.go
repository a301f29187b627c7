package consensus

import "errors"

// Sentinel errors. Callers match them with errors.Is; the wrapping error adds
// which field or which input was at fault.
var (
	// ErrMissingField means a record lacks a field its op must serialize.
	// The reference aborts on this, so it always indicates a bug upstream.
	ErrMissingField = errors.New("consensus: missing field")

	// ErrEmptyTree means a Merkle root was asked of no items; the reference
	// refuses this rather than inventing a root.
	ErrEmptyTree = errors.New("consensus: merkle tree needs at least one item")

	// ErrBadHash means a Merkle item is not hex or not 16 or 32 bytes long.
	ErrBadHash = errors.New("consensus: bad hash")
)
