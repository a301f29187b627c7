package nameop

import (
	"errors"
	"fmt"
)

// ErrMissingPrevout is wrapped into the error Extract returns when the
// PrevoutSource does not know an input's funding output. The reference
// always had every funding output (it asked bitcoind), so a missing one is
// an infrastructure fault to retry, never a reason to ignore the tx.
var ErrMissingPrevout = errors.New("nameop: funding output not found")

// RejectError marks a BNS candidate that v1's db_parse ignores before any
// op-specific parsing: no inputs, a coinbase input, or a funding output that
// is not a single-address p2pkh or p2sh script.
type RejectError struct {
	TxID   string
	Reason string
}

// Error implements error.
func (e *RejectError) Error() string {
	return fmt.Sprintf("nameop: tx %s ignored: %s", e.TxID, e.Reason)
}

// ParseError marks a candidate whose op-specific extraction fails, i.e. where
// v1's tx_extract raised or its parse returned None.
type ParseError struct {
	Op     byte
	Reason string
}

// Error implements error.
func (e *ParseError) Error() string {
	return fmt.Sprintf("nameop: parse %s: %s", OpName(e.Op), e.Reason)
}

func parseErr(op byte, format string, args ...any) error {
	return &ParseError{Op: op, Reason: fmt.Sprintf(format, args...)}
}
