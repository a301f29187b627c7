package driver

import "context"

// Driver stores and returns immutable blobs. Implementations must be safe for
// concurrent use. Every method takes a context first because every one may do
// network or disk I/O and callers need to bound it.
type Driver interface {
	// Describe names the driver and its capabilities. It must work before
	// Configure.
	Describe(ctx context.Context) (Description, error)
	// Configure hands the driver its settings. Hosts call it again after
	// every restart of a plugin process, so it must be idempotent.
	Configure(ctx context.Context, req ConfigureRequest) error
	// Put stores a blob. Putting a key that already exists succeeds.
	Put(ctx context.Context, req PutRequest) error
	// Get returns a blob, or an error matching ErrNotFound.
	Get(ctx context.Context, req GetRequest) (GetResponse, error)
	// Stat returns a blob's size, or an error matching ErrNotFound.
	Stat(ctx context.Context, req StatRequest) (StatResponse, error)
	// List pages through the stored keys in ascending order.
	List(ctx context.Context, req ListRequest) (ListResponse, error)
}

// Description identifies a driver implementation.
type Description struct {
	// Name is a short stable identifier such as "s3" or "dir".
	Name string
	// Version is the driver's own release, free-form.
	Version string
	// Capabilities says what the driver supports.
	Capabilities Capabilities
}

// Capabilities lists what a driver can do beyond storing and fetching.
type Capabilities struct {
	// List is true when List enumerates every stored key, which restores
	// need. A driver without it returns ErrUnsupported from List.
	List bool
	// MaxBlobSize is the largest blob Put accepts; at most MaxBlobSize.
	MaxBlobSize int64
}

// ConfigureRequest carries driver settings. Keys and their meaning belong to
// each driver; they come from the operator's configuration and may hold
// secrets, so drivers must not log values.
type ConfigureRequest struct {
	Settings map[string]string
}

// PutRequest stores Data under Key.
type PutRequest struct {
	// Key is the lowercase hex digest of Data; see ValidateKey.
	Key string
	// Data is the blob, at most MaxBlobSize bytes.
	Data []byte
}

// GetRequest asks for the blob under Key.
type GetRequest struct {
	Key string
}

// GetResponse carries a blob's bytes.
type GetResponse struct {
	Data []byte
}

// StatRequest asks for the size of the blob under Key.
type StatRequest struct {
	Key string
}

// StatResponse describes a stored blob.
type StatResponse struct {
	// Size is the blob's length in bytes.
	Size int64
}

// ListRequest asks for one page of keys.
type ListRequest struct {
	// PageToken is empty for the first page, else a NextPageToken returned
	// earlier by the same driver. Tokens are opaque to callers.
	PageToken string
	// Limit caps the entries returned. Zero means DefaultListLimit; values
	// above MaxListLimit are treated as MaxListLimit.
	Limit int
}

// ListResponse is one page of keys in ascending order.
type ListResponse struct {
	Entries []ListEntry
	// NextPageToken is empty on the last page. A page may hold fewer than
	// Limit entries and still not be the last.
	NextPageToken string
}

// ListEntry is one stored blob.
type ListEntry struct {
	Key  string
	Size int64
}
