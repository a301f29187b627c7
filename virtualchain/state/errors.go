package state

import (
	"errors"
	"fmt"
)

// InvariantError reports state that v1 would have aborted on: the database
// contradicts itself. It stops the replay; it is never retried.
type InvariantError struct {
	Height int64
	Msg    string
}

func (e *InvariantError) Error() string {
	return fmt.Sprintf("state: invariant broken at block %d: %s", e.Height, e.Msg)
}

// Errors callers can test for.
var (
	// ErrClosed: the machine was closed.
	ErrClosed = errors.New("state: closed")
	// ErrNotNext: the block does not extend the current tip.
	ErrNotNext = errors.New("state: block does not extend the tip")
	// ErrBeforeFirstBlock: the block is below the network's first block.
	ErrBeforeFirstBlock = errors.New("state: block is before the network's first block")
	// ErrBeyondUndo: a rollback reaches below the undo window.
	ErrBeyondUndo = errors.New("state: rollback is deeper than the undo window")
	// ErrParamsMismatch: the data directory was built under other rules.
	ErrParamsMismatch = errors.New("state: data directory was built with different network params")
	// ErrFormatVersion: the data directory was written by an atlasd with
	// another storage format.
	ErrFormatVersion = errors.New("state: data directory has another storage format")
	// ErrNeedTokenGenesis: token rules start here and no genesis file was given.
	ErrNeedTokenGenesis = errors.New("state: token rules start at this block and need the v1 token genesis file")
)
