package driver

import (
	"context"
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Sentinel errors. Drivers wrap them (fmt.Errorf("...: %w", ErrNotFound)) and
// callers test them with errors.Is; they survive the gRPC boundary.
var (
	// ErrNotFound means no blob is stored under the key.
	ErrNotFound = errors.New("driver: blob not found")
	// ErrInvalidKey means a key failed ValidateKey.
	ErrInvalidKey = errors.New("driver: invalid key")
	// ErrBlobTooLarge means a blob exceeds MaxBlobSize or the driver's own
	// Capabilities.MaxBlobSize.
	ErrBlobTooLarge = errors.New("driver: blob too large")
	// ErrInvalidArgument covers other bad input: settings, page tokens,
	// limits.
	ErrInvalidArgument = errors.New("driver: invalid argument")
	// ErrNotConfigured means a data call came before a successful Configure.
	ErrNotConfigured = errors.New("driver: not configured")
	// ErrUnsupported means the driver does not implement the call.
	ErrUnsupported = errors.New("driver: unsupported")
	// ErrPluginShutdown means the plugin process went away during or before
	// the call. It never crosses the wire; the client side detects it.
	ErrPluginShutdown = errors.New("driver: plugin shut down")
)

// errorDomain scopes the ErrorInfo reasons below, as google.rpc.ErrorInfo
// asks, so that a reason from some other gRPC layer is never misread.
const errorDomain = "blobdriver.v1"

// wireErrors is the single table between sentinels and their wire form. The
// reason is what identifies the sentinel; the code is what a non-Go peer or
// a generic gRPC tool sees.
var wireErrors = []struct {
	err    error
	code   codes.Code
	reason string
}{
	{ErrNotFound, codes.NotFound, "NOT_FOUND"},
	{ErrInvalidKey, codes.InvalidArgument, "INVALID_KEY"},
	{ErrBlobTooLarge, codes.InvalidArgument, "BLOB_TOO_LARGE"},
	{ErrInvalidArgument, codes.InvalidArgument, "INVALID_ARGUMENT"},
	{ErrNotConfigured, codes.FailedPrecondition, "NOT_CONFIGURED"},
	{ErrUnsupported, codes.Unimplemented, "UNSUPPORTED"},
}

// toStatus turns a driver error into a gRPC status error that fromStatus can
// turn back into the same sentinel. The message is the driver's own text.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	switch {
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	}
	for _, w := range wireErrors {
		if !errors.Is(err, w.err) {
			continue
		}
		st, derr := status.New(w.code, err.Error()).WithDetails(&errdetails.ErrorInfo{
			Reason: w.reason,
			Domain: errorDomain,
		})
		if derr != nil {
			// Only a marshalling bug gets here; the code alone still
			// carries most of the meaning.
			return status.Error(w.code, err.Error())
		}
		return st.Err()
	}
	return status.Error(codes.Unknown, err.Error())
}

// remoteError is an error that came back from a plugin. It prints the
// plugin's message and unwraps to the matching sentinel, if any.
type remoteError struct {
	msg      string
	sentinel error
}

func (e *remoteError) Error() string { return e.msg }

func (e *remoteError) Unwrap() error { return e.sentinel }

// fromStatus maps a gRPC error from the plugin back to a Go error. Reasons in
// our domain win; bare codes are the fallback for peers that send none.
func fromStatus(err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	for _, d := range st.Details() {
		info, ok := d.(*errdetails.ErrorInfo)
		if !ok || info.GetDomain() != errorDomain {
			continue
		}
		for _, w := range wireErrors {
			if w.reason == info.GetReason() {
				return &remoteError{msg: st.Message(), sentinel: w.err}
			}
		}
	}
	var sentinel error
	switch st.Code() {
	case codes.NotFound:
		sentinel = ErrNotFound
	case codes.InvalidArgument:
		sentinel = ErrInvalidArgument
	case codes.FailedPrecondition:
		sentinel = ErrNotConfigured
	case codes.Unimplemented:
		sentinel = ErrUnsupported
	case codes.Canceled:
		sentinel = context.Canceled
	case codes.DeadlineExceeded:
		sentinel = context.DeadlineExceeded
	case codes.Unavailable:
		sentinel = ErrPluginShutdown
	}
	return &remoteError{msg: st.Message(), sentinel: sentinel}
}
