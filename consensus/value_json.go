package consensus

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// ErrBadValueJSON means a stored Value could not be decoded.
var ErrBadValueJSON = errors.New("consensus: bad value json")

// valueJSON is the stored form of a Value: an object with exactly one key
// naming the kind, or null for None. Tagging every kind keeps the type that
// serialization depends on (an int never comes back as a float, nor "1" as 1).
type valueJSON struct {
	I *int64   `json:"i,omitempty"`
	F *string  `json:"f,omitempty"` // strconv text: exact, and NaN/Inf survive
	S *string  `json:"s,omitempty"` // a str that is valid UTF-8
	X *string  `json:"x,omitempty"` // any other str, hex-encoded bytes
	B *bool    `json:"b,omitempty"`
	L *[]int64 `json:"l,omitempty"`
}

// MarshalJSON stores v losslessly: null for None, otherwise {"i":…}, {"f":…},
// {"s":…}, {"x":…}, {"b":…} or {"l":[…]}.
func (v Value) MarshalJSON() ([]byte, error) {
	var j valueJSON
	switch v.kind {
	case KindNone:
		return []byte("null"), nil
	case KindInt:
		j.I = &v.i
	case KindFloat:
		s := strconv.FormatFloat(v.f, 'g', -1, 64)
		j.F = &s
	case KindStr:
		// encoding/json would replace invalid UTF-8 with U+FFFD, and a Python
		// 2 str is bytes, so such strings go through hex instead.
		if utf8.ValidString(v.s) {
			j.S = &v.s
		} else {
			x := hex.EncodeToString([]byte(v.s))
			j.X = &x
		}
	case KindBool:
		b := v.i != 0
		j.B = &b
	case KindIntList:
		l := nonNil(v.l)
		j.L = &l
	default:
		return nil, fmt.Errorf("%w: unknown kind %v", ErrBadValueJSON, v.kind)
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads the form MarshalJSON writes and rejects anything else,
// so a corrupt store shows up as an error rather than as a wrong hash later.
func (v *Value) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if string(data) == "null" {
		*v = None()
		return nil
	}
	var j valueJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return fmt.Errorf("%w: %v", ErrBadValueJSON, err)
	}
	if dec.InputOffset() != int64(len(data)) {
		return fmt.Errorf("%w: trailing data", ErrBadValueJSON)
	}
	var out Value
	n := 0
	if j.I != nil {
		n++
		out = Int(*j.I)
	}
	if j.F != nil {
		n++
		f, err := strconv.ParseFloat(*j.F, 64)
		if err != nil {
			return fmt.Errorf("%w: float %q", ErrBadValueJSON, *j.F)
		}
		out = Float(f)
	}
	if j.S != nil {
		n++
		out = Str(*j.S)
	}
	if j.X != nil {
		n++
		b, err := hex.DecodeString(*j.X)
		if err != nil {
			return fmt.Errorf("%w: hex str %q", ErrBadValueJSON, *j.X)
		}
		out = Str(string(b))
	}
	if j.B != nil {
		n++
		out = Bool(*j.B)
	}
	if j.L != nil {
		n++
		out = IntList(*j.L)
	}
	if n != 1 {
		return fmt.Errorf("%w: want exactly one kind tag, got %d", ErrBadValueJSON, n)
	}
	*v = out
	return nil
}
