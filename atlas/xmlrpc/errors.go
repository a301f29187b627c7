package xmlrpc

import (
	"errors"
	"fmt"
)

// Limits on what a decoder accepts. They are checked while parsing, before
// anything proportional to the offending input is allocated.
var (
	// ErrTooDeep reports arrays or structs nested deeper than allowed.
	ErrTooDeep = errors.New("xmlrpc: values nested too deep")
	// ErrTooManyValues reports a message with more <value> elements than
	// allowed.
	ErrTooManyValues = errors.New("xmlrpc: too many values")
	// ErrTooLarge reports a request or response body over its size cap.
	ErrTooLarge = errors.New("xmlrpc: message too large")
	// ErrCannotEncode reports a Value that has no valid XML-RPC form, such as
	// an int outside 32 bits or a string with characters XML forbids.
	ErrCannotEncode = errors.New("xmlrpc: cannot encode value")
)

// Fault is an XML-RPC fault: the error reply a server sends instead of a
// result. Methods return one to choose the code and text the caller sees;
// Client.Call returns one when the server sent a fault.
type Fault struct {
	Code    int
	Message string
}

// Error implements error.
func (f *Fault) Error() string {
	return fmt.Sprintf("xmlrpc: fault %d: %s", f.Code, f.Message)
}

// ParseError reports a message that is not well-formed XML-RPC: broken XML, an
// element out of place, a scalar that does not parse, or a limit exceeded
// (then Err is ErrTooDeep or ErrTooManyValues).
type ParseError struct {
	// Msg says what was wrong.
	Msg string
	// Err is the underlying cause, if any.
	Err error
	// class is the Python exception class whose name the stdlib server puts
	// in its fault string for the same input; the server copies it so a
	// Python peer sees the fault text it would expect.
	class string
}

// Error implements error.
func (e *ParseError) Error() string {
	if e.Err != nil {
		return "xmlrpc: " + e.Msg + ": " + e.Err.Error()
	}
	return "xmlrpc: " + e.Msg
}

// Unwrap returns the underlying cause.
func (e *ParseError) Unwrap() error { return e.Err }

// Python exception classes named in fault strings, as the stdlib
// SimpleXMLRPCServer prints them for the same kind of bad input.
const (
	pyExpatError    = "xml.parsers.expat.ExpatError"
	pyValueError    = "ValueError"
	pyTypeError     = "TypeError"
	pyBinasciiError = "binascii.Error"
	pyResponseError = "xmlrpc.client.ResponseError"
	pyException     = "Exception"
)

// HTTPError reports an HTTP reply other than 200 OK, which Python's
// xmlrpc.client also treats as a transport failure (ProtocolError).
type HTTPError struct {
	StatusCode int
	Status     string
}

// Error implements error.
func (e *HTTPError) Error() string {
	return fmt.Sprintf("xmlrpc: http status %s", e.Status)
}
