package consensus

import (
	"slices"
	"strconv"
	"strings"
)

// Kind says which Python type a Value stands for. The zero Kind is KindNone,
// so the zero Value is Python's None.
type Kind uint8

// The Python 2 types that occur in op records.
const (
	KindNone    Kind = iota // None
	KindInt                 // int or long
	KindFloat               // float
	KindStr                 // str (a byte string)
	KindBool                // bool
	KindIntList             // list of ints, e.g. a namespace's price buckets
)

// String names the kind for error messages and debugging.
func (k Kind) String() string {
	switch k {
	case KindNone:
		return "none"
	case KindInt:
		return "int"
	case KindFloat:
		return "float"
	case KindStr:
		return "str"
	case KindBool:
		return "bool"
	case KindIntList:
		return "intlist"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is one field of an op record. It remembers its Python type because
// the type decides how the field prints, and printing is what gets hashed:
// 6400000 and 6400000.0 are different consensus inputs.
//
// A Value is immutable. It is not comparable with == (it may hold a list);
// use Equal.
type Value struct {
	kind Kind
	i    int64
	f    float64
	s    string
	l    []int64
}

// None returns Python's None, which serializes as the empty string.
func None() Value { return Value{} }

// Int returns a Python int.
func Int(i int64) Value { return Value{kind: KindInt, i: i} }

// Float returns a Python float.
func Float(f float64) Value { return Value{kind: KindFloat, f: f} }

// Str returns a Python 2 str; s is taken as bytes, no encoding is implied.
func Str(s string) Value { return Value{kind: KindStr, s: s} }

// Bool returns a Python bool.
func Bool(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.i = 1
	}
	return v
}

// IntList returns a Python list of ints. The slice is copied so later changes
// by the caller cannot alter a record already hashed or stored.
func IntList(l []int64) Value {
	return Value{kind: KindIntList, l: slices.Clone(nonNil(l))}
}

// nonNil keeps an empty list distinct from a missing one after cloning
// (slices.Clone(nil) is nil).
func nonNil(l []int64) []int64 {
	if l == nil {
		return []int64{}
	}
	return l
}

// Kind reports the Python type of v.
func (v Value) Kind() Kind { return v.kind }

// IsNone reports whether v is None.
func (v Value) IsNone() bool { return v.kind == KindNone }

// AsInt returns the int held by v; ok is false for any other kind, bools
// included, so a caller never mistakes True for 1.
func (v Value) AsInt() (i int64, ok bool) { return v.i, v.kind == KindInt }

// AsFloat returns the float held by v; ok is false for any other kind.
func (v Value) AsFloat() (f float64, ok bool) { return v.f, v.kind == KindFloat }

// AsStr returns the str held by v; ok is false for any other kind.
func (v Value) AsStr() (s string, ok bool) { return v.s, v.kind == KindStr }

// AsBool returns the bool held by v; ok is false for any other kind.
func (v Value) AsBool() (b bool, ok bool) { return v.i != 0, v.kind == KindBool }

// AsIntList returns a copy of the list held by v; ok is false for any other
// kind.
func (v Value) AsIntList() (l []int64, ok bool) {
	if v.kind != KindIntList {
		return nil, false
	}
	return slices.Clone(nonNil(v.l)), true
}

// Equal reports whether v and w have the same kind and value. Floats compare
// by value, so NaN is not equal to itself, as in Python.
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case KindInt, KindBool:
		return v.i == w.i
	case KindFloat:
		return v.f == w.f
	case KindStr:
		return v.s == w.s
	case KindIntList:
		return slices.Equal(v.l, w.l)
	}
	return true
}

// String prints v as Python 2.7's str() would, except that None prints as ""
// because that is what serialization substitutes for it.
func (v Value) String() string {
	switch v.kind {
	case KindInt:
		return strconv.FormatInt(v.i, 10)
	case KindFloat:
		return Py2FloatString(v.f)
	case KindStr:
		return v.s
	case KindBool:
		if v.i != 0 {
			return "True"
		}
		return "False"
	case KindIntList:
		// str(list) is the list's repr: elements joined by ", ". Python 2
		// would add an "L" to longs here, but the reference's bucket
		// lists are plain ints.
		var b strings.Builder
		b.WriteByte('[')
		for n, x := range v.l {
			if n > 0 {
				b.WriteString(", ")
			}
			b.WriteString(strconv.FormatInt(x, 10))
		}
		b.WriteByte(']')
		return b.String()
	}
	return ""
}

// Record is an op's fields by name, as handed to SerializeOp. A record may
// hold more fields than its op serializes; extras are ignored.
type Record map[string]Value
