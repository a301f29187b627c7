package backup

import (
	"context"
	"errors"
)

// Source reads the zonefiles the node holds, for upload.
type Source interface {
	// Zonefile returns the bytes of the zonefile with hash h, or an error
	// matching ErrNotHeld when the node does not hold a good copy (it will
	// be queued again once the node has one).
	Zonefile(ctx context.Context, h Hash) ([]byte, error)
}

// ErrNotHeld is what a Source returns for a zonefile it does not hold. The
// queued upload is dropped rather than retried.
var ErrNotHeld = errors.New("backup: zonefile not held")

// Zonefile is a zonefile's bytes with their hash.
type Zonefile struct {
	Hash Hash
	Data []byte
}

// Sink receives restored zonefiles. Every one has been checked: its bytes
// hash to its Hash.
type Sink interface {
	// Store keeps a batch of verified zonefiles. It may ignore some (ones
	// the node does not want); an error stops the restore.
	Store(ctx context.Context, zonefiles []Zonefile) error
}
