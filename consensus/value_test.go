package consensus

import (
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func TestValueString(t *testing.T) {
	tests := []struct {
		name string
		v    Value
		want string
	}{
		{"none", None(), ""},
		{"zero value is none", Value{}, ""},
		{"int", Int(400000000), "400000000"},
		{"negative int", Int(-7), "-7"},
		{"int64 max has no L", Int(math.MaxInt64), "9223372036854775807"},
		{"float import fee", Float(6400000), "6400000.0"},
		{"str", Str("foo.test"), "foo.test"},
		{"empty str", Str(""), ""},
		{"true", Bool(true), "True"},
		{"false", Bool(false), "False"},
		{"buckets", IntList([]int64{6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}),
			"[6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]"},
		{"one-element list", IntList([]int64{-1}), "[-1]"},
		{"empty list", IntList(nil), "[]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.String(); got != tc.want {
				t.Errorf("String() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestValueAccessors(t *testing.T) {
	all := []Value{None(), Int(3), Float(2.5), Str("x"), Bool(true), IntList([]int64{1})}
	for _, v := range all {
		t.Run(v.Kind().String(), func(t *testing.T) {
			_, isInt := v.AsInt()
			_, isFloat := v.AsFloat()
			_, isStr := v.AsStr()
			_, isBool := v.AsBool()
			_, isList := v.AsIntList()
			k := v.Kind()
			if isInt != (k == KindInt) || isFloat != (k == KindFloat) || isStr != (k == KindStr) ||
				isBool != (k == KindBool) || isList != (k == KindIntList) || v.IsNone() != (k == KindNone) {
				t.Errorf("accessor oks disagree with kind %v", k)
			}
			for _, w := range all {
				if got := v.Equal(w); got != (w.Kind() == k) {
					t.Errorf("%v.Equal(%v) = %v", v.Kind(), w.Kind(), got)
				}
			}
		})
	}
	t.Run("values", func(t *testing.T) {
		if i, _ := Int(-9).AsInt(); i != -9 {
			t.Errorf("AsInt = %d", i)
		}
		if f, _ := Float(0.25).AsFloat(); f != 0.25 {
			t.Errorf("AsFloat = %v", f)
		}
		if s, _ := Str("ab").AsStr(); s != "ab" {
			t.Errorf("AsStr = %q", s)
		}
		if b, _ := Bool(false).AsBool(); b {
			t.Error("AsBool(false) = true")
		}
		if Int(1).Equal(Bool(true)) || Int(1).Equal(Float(1)) || Str("1").Equal(Int(1)) {
			t.Error("values of different kinds compare equal")
		}
		if Int(1).Equal(Int(2)) || !Int(2).Equal(Int(2)) || IntList([]int64{1}).Equal(IntList([]int64{2})) {
			t.Error("Equal wrong within a kind")
		}
		if Kind(99).String() != "kind(99)" {
			t.Errorf("unknown kind prints %q", Kind(99).String())
		}
	})
	t.Run("list is copied both ways", func(t *testing.T) {
		src := []int64{1, 2}
		v := IntList(src)
		src[0] = 9
		out, _ := v.AsIntList()
		out[1] = 9
		if v.String() != "[1, 2]" {
			t.Errorf("list changed through an alias: %s", v)
		}
	})
}

// TestValueJSON round-trips every kind through a Record, as the state store
// will, and checks that kind and printed form both survive.
func TestValueJSON(t *testing.T) {
	rec := Record{
		"none":     None(),
		"int":      Int(math.MinInt64),
		"bigint":   Int(math.MaxInt64),
		"float":    Float(6400000),
		"frac":     Float(0.1 + 0.2),
		"negzero":  Float(math.Copysign(0, -1)),
		"inf":      Float(math.Inf(-1)),
		"tiny":     Float(5e-324),
		"str":      Str("foo.test"),
		"intlike":  Str("400000000"),
		"empty":    Str(""),
		"binary":   Str("\x00\xff\xfe token"),
		"true":     Bool(true),
		"false":    Bool(false),
		"list":     IntList([]int64{6, 5, 4}),
		"emptyl":   IntList(nil),
		"unicode":  Str("héllo"),
		"floatint": Float(1e16),
	}
	data, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	var back Record
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("unmarshal %s: %v", data, err)
	}
	if len(back) != len(rec) {
		t.Fatalf("got %d fields back, want %d", len(back), len(rec))
	}
	for k, want := range rec {
		t.Run(k, func(t *testing.T) {
			got, ok := back[k]
			if !ok {
				t.Fatal("field lost")
			}
			if got.Kind() != want.Kind() || got.String() != want.String() || !got.Equal(want) {
				t.Errorf("round trip %v %q -> %v %q", want.Kind(), want, got.Kind(), got)
			}
			if f, ok := want.AsFloat(); ok {
				g, _ := got.AsFloat()
				if math.Float64bits(f) != math.Float64bits(g) {
					t.Errorf("float bits %x -> %x", math.Float64bits(f), math.Float64bits(g))
				}
			}
		})
	}
	t.Run("nan", func(t *testing.T) {
		data, err := json.Marshal(Float(math.NaN()))
		if err != nil {
			t.Fatal(err)
		}
		var v Value
		if err := json.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		if f, ok := v.AsFloat(); !ok || !math.IsNaN(f) {
			t.Errorf("NaN came back as %v %v", v.Kind(), v)
		}
	})
	t.Run("null overwrites", func(t *testing.T) {
		v := Int(5)
		if err := json.Unmarshal([]byte(" null "), &v); err != nil || !v.IsNone() {
			t.Errorf("null gave %v, %v", v.Kind(), err)
		}
	})
}

func TestValueJSONRejects(t *testing.T) {
	bad := []string{
		`{}`,
		`{"i":1,"s":"a"}`,
		`{"q":1}`,
		`{"i":1.5}`,
		`{"i":"1"}`,
		`{"f":"abc"}`,
		`{"f":1.5}`,
		`{"x":"zz"}`,
		`{"b":"true"}`,
		`{"l":null}`,
		`{"l":[1.5]}`,
		`{"i":null}`,
		`[1]`,
		`"str"`,
		`12`,
		`true`,
		`{"i":1} {"i":2}`,
		`{"i":1}]`,
		``,
		`{`,
	}
	for _, in := range bad {
		t.Run(in, func(t *testing.T) {
			v := Int(42)
			err := v.UnmarshalJSON([]byte(in))
			if !errors.Is(err, ErrBadValueJSON) {
				t.Errorf("UnmarshalJSON(%s) = %v, want ErrBadValueJSON", in, err)
			}
			if i, ok := v.AsInt(); !ok || i != 42 {
				t.Errorf("failed decode changed the value to %v", v)
			}
		})
	}
}
