package state

import (
	"errors"
	"fmt"

	"github.com/cockroachdb/pebble"
)

// Pebble cannot carry on after a failed write of its log (see package
// internal/pebblefault); the machine's guard notices the first one, and the
// machine then refuses writes until it is closed and opened again.

// ErrStorage reports that the database failed to write to disk; the handle
// takes no more writes. Close the machine and open it again once the cause
// is fixed: the directory opens at the last block whose batch reached the
// log.
var ErrStorage = errors.New("state: the database could not write to disk")

// ErrReadOnly is returned by writes to a machine opened read-only.
var ErrReadOnly = errors.New("state: opened read-only")

// Fault returns the storage failure that stopped writes, nil while the
// machine is healthy.
func (m *Machine) Fault() error { return m.guard.Err() }

// writable reports why the machine takes no writes, if it does not. The
// caller holds mu.
func (m *Machine) writable() error {
	switch {
	case m.closed:
		return ErrClosed
	case m.opts.ReadOnly:
		return ErrReadOnly
	}
	if err := m.guard.Err(); err != nil {
		return fmt.Errorf("%w: %w", ErrStorage, err)
	}
	return nil
}

// commit commits b through the guard, so a failed commit is an error
// rather than the process exit Pebble asks for.
func (m *Machine) commit(b *pebble.Batch, wo *pebble.WriteOptions) error {
	if err := m.guard.Commit(b, wo); err != nil {
		return fmt.Errorf("%w: %w", ErrStorage, err)
	}
	return nil
}
