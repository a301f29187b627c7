package xmlrpc

import (
	"math"
	"testing"
)

func TestValueAccessors(t *testing.T) {
	tests := []struct {
		name string
		v    Value
		kind Kind
		want func(t *testing.T, v Value)
	}{
		{"zero is nil", Value{}, KindNil, func(t *testing.T, v Value) {
			if !v.IsNil() {
				t.Error("zero Value is not nil")
			}
		}},
		{"int", Int(-7), KindInt, func(t *testing.T, v Value) {
			if i, ok := v.AsInt(); !ok || i != -7 {
				t.Errorf("AsInt = %d, %v", i, ok)
			}
			if _, ok := v.AsString(); ok {
				t.Error("int reads as string")
			}
		}},
		{"bool", Bool(true), KindBool, func(t *testing.T, v Value) {
			if b, ok := v.AsBool(); !ok || !b {
				t.Errorf("AsBool = %v, %v", b, ok)
			}
			if _, ok := v.AsInt(); ok {
				t.Error("bool reads as int")
			}
		}},
		{"double", Double(-2.5), KindDouble, func(t *testing.T, v Value) {
			if f, ok := v.AsDouble(); !ok || f != -2.5 {
				t.Errorf("AsDouble = %v, %v", f, ok)
			}
		}},
		{"string", String("héllo"), KindString, func(t *testing.T, v Value) {
			if s, ok := v.AsString(); !ok || s != "héllo" {
				t.Errorf("AsString = %q, %v", s, ok)
			}
		}},
		{"base64 copies", Base64([]byte{0, 1, 2}), KindBase64, func(t *testing.T, v Value) {
			b, ok := v.AsBase64()
			if !ok || len(b) != 3 || b[2] != 2 {
				t.Fatalf("AsBase64 = %v, %v", b, ok)
			}
			b[0] = 9
			if again, _ := v.AsBase64(); again[0] != 0 {
				t.Error("AsBase64 exposes internal bytes")
			}
		}},
		{"array", Array(Int(1), String("x")), KindArray, func(t *testing.T, v Value) {
			items, ok := v.AsArray()
			if !ok || len(items) != 2 || !items[1].Equal(String("x")) {
				t.Errorf("AsArray = %v, %v", items, ok)
			}
		}},
		{"struct", Struct(Member{"a", Int(1)}, Member{"b", Nil()}), KindStruct, func(t *testing.T, v Value) {
			if m, ok := v.Member("a"); !ok || !m.Equal(Int(1)) {
				t.Errorf("Member(a) = %v, %v", m, ok)
			}
			if m, ok := v.Member("b"); !ok || !m.IsNil() {
				t.Errorf("Member(b) = %v, %v", m, ok)
			}
			if _, ok := v.Member("c"); ok {
				t.Error("Member(c) found")
			}
			if _, ok := Int(1).Member("a"); ok {
				t.Error("Member on an int found something")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.v.Kind() != tc.kind {
				t.Fatalf("Kind = %v, want %v", tc.v.Kind(), tc.kind)
			}
			tc.want(t, tc.v)
		})
	}
}

func TestValueEqual(t *testing.T) {
	tests := []struct {
		name string
		a, b Value
		want bool
	}{
		{"same int", Int(3), Int(3), true},
		{"int vs bool", Int(1), Bool(true), false},
		{"nan equals nan", Double(math.NaN()), Double(math.NaN()), true},
		{"nan payloads equal", Double(math.Float64frombits(0x7ff8000000000000)), Double(math.NaN()), true},
		{"nan vs number", Double(math.NaN()), Double(1), false},
		{"int bits vs double nan", Int(int64(math.Float64bits(math.NaN()))), Int(0x7ff8000000000000), false},
		{"zero vs negative zero", Double(0), Double(math.Copysign(0, -1)), false},
		{"string vs base64", String("ab"), Base64([]byte("ab")), false},
		{"nested equal", Array(Struct(Member{"k", Array()})), Array(Struct(Member{"k", Array()})), true},
		{"member order matters", Struct(Member{"a", Nil()}, Member{"b", Nil()}), Struct(Member{"b", Nil()}, Member{"a", Nil()}), false},
		{"array length", Array(Int(1)), Array(Int(1), Int(1)), false},
		{"deep difference", Array(Array(Int(1))), Array(Array(Int(2))), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.Equal(tc.b); got != tc.want {
				t.Errorf("Equal = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindNil: "nil", KindInt: "int", KindBool: "boolean", KindDouble: "double",
		KindString: "string", KindBase64: "base64", KindArray: "array", KindStruct: "struct", Kind(99): "unknown"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d).String() = %q, want %q", k, got, want)
		}
	}
}

func negZero() float64 { return math.Copysign(0, -1) }
func posInf() float64  { return math.Inf(1) }
