package driver

import "fmt"

// Limits shared by both sides of the wire. They exist so that a single
// message always fits gRPC's default 4 MiB receive limit on the plugin side,
// which go-plugin does not raise; blobs larger than this would need a
// streaming RPC, which no current user needs.
const (
	// MaxBlobSize is the largest blob the contract carries, in bytes.
	MaxBlobSize = 1 << 20
	// MinKeyLen and MaxKeyLen bound a key's length in hex characters: from
	// a 32-bit digest, which keeps directory sharding meaningful, up to a
	// 512-bit one.
	MinKeyLen = 8
	MaxKeyLen = 128
	// DefaultListLimit is the page size used when ListRequest.Limit is 0.
	DefaultListLimit = 1000
	// MaxListLimit caps ListRequest.Limit so a page stays far below the
	// message limit.
	MaxListLimit = 10000
	// MaxPageTokenLen caps page tokens, which travel back from callers.
	MaxPageTokenLen = 1024
)

// ValidateKey reports whether key is an even-length lowercase hex string of
// MinKeyLen to MaxKeyLen characters. Drivers may rely on it having been
// checked: it keeps keys safe as file names and object names.
func ValidateKey(key string) error {
	if len(key) < MinKeyLen || len(key) > MaxKeyLen || len(key)%2 != 0 {
		return fmt.Errorf("%w: length %d, want an even length in [%d, %d]", ErrInvalidKey, len(key), MinKeyLen, MaxKeyLen)
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return fmt.Errorf("%w: byte %d is %q, want lowercase hex", ErrInvalidKey, i, c)
		}
	}
	return nil
}

// ValidateBlob checks a blob's size against MaxBlobSize.
func ValidateBlob(data []byte) error {
	if len(data) > MaxBlobSize {
		return fmt.Errorf("%w: %d bytes, limit %d", ErrBlobTooLarge, len(data), MaxBlobSize)
	}
	return nil
}

// ValidateList checks a list request and returns it with Limit resolved to
// the page size a driver should use.
func ValidateList(req ListRequest) (ListRequest, error) {
	if req.Limit < 0 {
		return req, fmt.Errorf("%w: negative list limit %d", ErrInvalidArgument, req.Limit)
	}
	if len(req.PageToken) > MaxPageTokenLen {
		return req, fmt.Errorf("%w: page token of %d bytes, limit %d", ErrInvalidArgument, len(req.PageToken), MaxPageTokenLen)
	}
	switch {
	case req.Limit == 0:
		req.Limit = DefaultListLimit
	case req.Limit > MaxListLimit:
		req.Limit = MaxListLimit
	}
	return req, nil
}
