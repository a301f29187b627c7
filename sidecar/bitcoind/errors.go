package bitcoind

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/btcsuite/btcd/btcjson"
)

// Kind classifies a failed call by what the caller should do about it.
type Kind int

// Error kinds. The retryable ones are transient on a healthy node.
const (
	// KindRPC is an error answer from the node (bad parameter, unknown
	// block, ...); Code holds bitcoind's code.
	KindRPC Kind = iota
	// KindWarmup is -28: the node is starting (loading blocks, verifying).
	KindWarmup
	// KindUnreachable is a refused, reset or closed connection.
	KindUnreachable
	// KindTimeout is a call that did not answer within its deadline.
	KindTimeout
	// KindBusy is HTTP 503: the node's rpcworkqueue is full.
	KindBusy
	// KindUnauthorized is HTTP 401/403: wrong credentials or cookie.
	KindUnauthorized
	// KindProtocol is a reply that does not decode as expected.
	KindProtocol
)

func (k Kind) String() string {
	switch k {
	case KindRPC:
		return "rpc error"
	case KindWarmup:
		return "node warming up"
	case KindUnreachable:
		return "node unreachable"
	case KindTimeout:
		return "timeout"
	case KindBusy:
		return "node work queue full"
	case KindUnauthorized:
		return "unauthorized"
	case KindProtocol:
		return "bad reply"
	}
	return "unknown"
}

// Error is a failed call to the node.
type Error struct {
	Method string
	Kind   Kind
	Code   int // bitcoind's error code for KindRPC and KindWarmup
	Msg    string
	Err    error
}

func (e *Error) Error() string {
	switch e.Kind {
	case KindRPC, KindWarmup:
		return fmt.Sprintf("bitcoind: %s: %s (code %d): %s", e.Method, e.Kind, e.Code, e.Msg)
	case KindUnauthorized:
		return fmt.Sprintf("bitcoind: %s: the node refused our credentials; check rpcuser/rpcpassword or the cookie file path", e.Method)
	}
	if e.Msg != "" {
		return fmt.Sprintf("bitcoind: %s: %s: %s", e.Method, e.Kind, e.Msg)
	}
	return fmt.Sprintf("bitcoind: %s: %s", e.Method, e.Kind)
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether err is a transient node condition worth
// retrying with backoff: warm-up, unreachable, timeout or busy.
func Retryable(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Kind {
	case KindWarmup, KindUnreachable, KindTimeout, KindBusy:
		return true
	}
	return false
}

// IsCode reports whether err is an RPC error answer with this code.
func IsCode(err error, code int) bool {
	var e *Error
	return errors.As(err, &e) && (e.Kind == KindRPC || e.Kind == KindWarmup) && e.Code == code
}

// IsHeightOutOfRange reports a getblockhash above the node's tip: bitcoind
// answers -8, btcd -1, both with "out of range" in the message.
func IsHeightOutOfRange(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindRPC &&
		(e.Code == CodeInvalidParameter || strings.Contains(e.Msg, "out of range"))
}

// Codes from bitcoind's rpc/protocol.h that the follower distinguishes.
const (
	CodeInvalidParameter    = -8 // e.g. getblockhash above the tip
	CodeInvalidAddressOrKey = -5 // unknown block or transaction
	CodeInWarmup            = -28
	CodeMethodNotFound      = -32601
)

// classify turns what rpcclient returned into an *Error.
func classify(method string, err error) error {
	if err == nil {
		return nil
	}
	var rpcErr *btcjson.RPCError
	if errors.As(err, &rpcErr) {
		k := KindRPC
		if int(rpcErr.Code) == CodeInWarmup {
			k = KindWarmup
		}
		return &Error{Method: method, Kind: k, Code: int(rpcErr.Code), Msg: rpcErr.Message}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &Error{Method: method, Kind: KindTimeout, Err: err}
	}
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return &Error{Method: method, Kind: KindUnreachable, Err: err}
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		if netErr.Timeout() {
			return &Error{Method: method, Kind: KindTimeout, Err: err}
		}
		return &Error{Method: method, Kind: KindUnreachable, Err: err}
	}
	// rpcclient reports non-JSON HTTP replies only as text.
	s := err.Error()
	switch {
	case strings.Contains(s, "status code: 401"), strings.Contains(s, "status code: 403"):
		return &Error{Method: method, Kind: KindUnauthorized}
	case strings.Contains(s, "status code: 503"):
		return &Error{Method: method, Kind: KindBusy, Msg: "raise rpcworkqueue in bitcoin.conf or lower atlasd's fetch concurrency"}
	case strings.Contains(s, "connection refused"), strings.Contains(s, "EOF"), strings.Contains(s, "connection reset"):
		return &Error{Method: method, Kind: KindUnreachable, Err: err}
	case strings.Contains(s, "status code:"):
		return &Error{Method: method, Kind: KindProtocol, Msg: s}
	}
	return &Error{Method: method, Kind: KindUnreachable, Err: err}
}
