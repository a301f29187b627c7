package xmlrpc

import "math"

// Kind names the XML-RPC type a Value holds.
type Kind uint8

// The kinds this package speaks: exactly the types Python's xmlrpc.client
// sends with allow_none=True, minus dateTime.iso8601, which no Atlas method
// uses.
const (
	KindNil Kind = iota
	KindInt
	KindBool
	KindDouble
	KindString
	KindBase64
	KindArray
	KindStruct
)

var kindNames = [...]string{
	KindNil:    "nil",
	KindInt:    "int",
	KindBool:   "boolean",
	KindDouble: "double",
	KindString: "string",
	KindBase64: "base64",
	KindArray:  "array",
	KindStruct: "struct",
}

// String returns the XML-RPC tag name of the kind.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Value is one XML-RPC value. The zero Value is nil (<nil/>). Values are
// immutable once built: accessors hand out the backing slices of arrays and
// structs, which callers must not modify.
type Value struct {
	kind Kind
	// num holds an int, a bool (0/1) or the bits of a double, so a Value
	// stays small when a message carries thousands of them.
	num     uint64
	str     string // string text, or the raw bytes of a base64 value
	items   []Value
	members []Member
}

// Member is one named field of a struct value.
type Member struct {
	Name  string
	Value Value
}

// Nil returns the nil value, sent as <nil/> (Python's None).
func Nil() Value { return Value{} }

// Int returns an integer value. Values outside the signed 32-bit range can be
// held and decoded (Python reads any size) but not encoded, because Python's
// marshaller refuses them too.
func Int(i int64) Value { return Value{kind: KindInt, num: uint64(i)} }

// Bool returns a boolean value.
func Bool(b bool) Value {
	v := Value{kind: KindBool}
	if b {
		v.num = 1
	}
	return v
}

// Double returns a floating-point value.
func Double(f float64) Value { return Value{kind: KindDouble, num: math.Float64bits(f)} }

// String returns a string value. It must be valid UTF-8 without characters
// XML 1.0 forbids, or encoding fails.
func String(s string) Value { return Value{kind: KindString, str: s} }

// Base64 returns a binary value; the bytes are copied.
func Base64(b []byte) Value { return Value{kind: KindBase64, str: string(b)} }

// Array returns an array value holding items (not copied).
func Array(items ...Value) Value { return Value{kind: KindArray, items: items} }

// Struct returns a struct value with members in the given order (not
// copied). Names should be unique; on decode a repeated name keeps the first
// position and the last value, as a Python dict does.
func Struct(members ...Member) Value { return Value{kind: KindStruct, members: members} }

// Kind reports which XML-RPC type v holds.
func (v Value) Kind() Kind { return v.kind }

// IsNil reports whether v is the nil value.
func (v Value) IsNil() bool { return v.kind == KindNil }

// AsInt returns the integer held by v, or false if v is not an int.
func (v Value) AsInt() (int64, bool) { return int64(v.num), v.kind == KindInt }

// AsBool returns the boolean held by v, or false if v is not a boolean.
func (v Value) AsBool() (b, ok bool) { return v.num != 0, v.kind == KindBool }

// AsDouble returns the float held by v, or false if v is not a double.
func (v Value) AsDouble() (float64, bool) {
	if v.kind != KindDouble {
		return 0, false
	}
	return math.Float64frombits(v.num), true
}

// AsString returns the text held by v, or false if v is not a string.
func (v Value) AsString() (string, bool) {
	if v.kind != KindString {
		return "", false
	}
	return v.str, true
}

// AsBase64 returns a copy of the bytes held by v, or false if v is not a
// base64 value.
func (v Value) AsBase64() ([]byte, bool) {
	if v.kind != KindBase64 {
		return nil, false
	}
	return []byte(v.str), true
}

// AsArray returns the items of v, or false if v is not an array.
func (v Value) AsArray() ([]Value, bool) { return v.items, v.kind == KindArray }

// AsStruct returns the members of v in order, or false if v is not a struct.
func (v Value) AsStruct() ([]Member, bool) { return v.members, v.kind == KindStruct }

// Member returns the value of the struct member called name. It is false if v
// is not a struct or has no such member.
func (v Value) Member(name string) (Value, bool) {
	if v.kind != KindStruct {
		return Value{}, false
	}
	for _, m := range v.members {
		if m.Name == name {
			return m.Value, true
		}
	}
	return Value{}, false
}

// Equal reports whether v and w hold the same type and contents. Doubles
// compare by bit pattern except that all NaNs are equal, so 0.0 differs from
// -0.0: what matters here is whether a value survived the wire unchanged.
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind || v.str != w.str {
		return false
	}
	if v.num != w.num {
		f, _ := v.AsDouble()
		g, _ := w.AsDouble()
		if v.kind != KindDouble || !math.IsNaN(f) || !math.IsNaN(g) {
			return false
		}
	}
	if len(v.items) != len(w.items) || len(v.members) != len(w.members) {
		return false
	}
	for i := range v.items {
		if !v.items[i].Equal(w.items[i]) {
			return false
		}
	}
	for i := range v.members {
		if v.members[i].Name != w.members[i].Name || !v.members[i].Value.Equal(w.members[i].Value) {
			return false
		}
	}
	return true
}
