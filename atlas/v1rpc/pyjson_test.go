package v1rpc

import (
	"testing"
)

// TestJSONMatchesPythonDumps encodes replies of every shape the server
// builds and compares the text with json.dumps of the same document.
func TestJSONMatchesPythonDumps(t *testing.T) {
	ch := "4f3c1e6a3d1f2b0c9e8d7a6b5c4d3e2f"
	block := int64(373601)
	tests := []struct {
		name string
		v    obj
	}{
		{"success", obj{{"status", true}, {"indexing", false}, {"lastblock", int64(268)}, {"inv", "AAEC/w=="}}},
		{"nulls", obj{{"consensus", (*string)(nil)}, {"block_id", (*int64)(nil)}, {"at", &ch}, {"id", &block}, {"n", nil}}},
		{"lists", obj{{"saved", []int{1, 0, 1}}, {"peers", []string{"a:1", "b:2"}}, {"empty", []string{}},
			{"rows", []obj{{{"n", int32(7)}, {"i", 3}}, {}}}, {"none", []obj{}}, {"nested", obj{{"k", obj{}}}}}},
		{"escapes", obj{{"error", "KeyError: 'rpc_a\"b' \\ \n\r\t\b\f \x01 \x1f \x7f é € 😀 </script> &amp; /"}}},
	}
	var docs []any
	for _, tc := range tests {
		docs = append(docs, tagged(tc.v))
	}
	// Objects travel as {"o": [[key, value], ...]} so that Python rebuilds
	// them as OrderedDicts in our order and the texts compare whole.
	const script = `
import json, sys, collections
def build(v):
    if isinstance(v, dict):
        return collections.OrderedDict((k, build(x)) for k, x in v["o"])
    if isinstance(v, list):
        return [build(x) for x in v]
    return v
print(json.dumps([json.dumps(build(d)) for d in json.load(sys.stdin)]))
`
	var want []string
	runPython(t, python3(t), script, docs, &want)
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := appendJSON(nil, tc.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != want[i] {
				t.Errorf("ours   %s\npython %s", got, want[i])
			}
		})
	}
}

// tagged converts a reply into plain JSON-able values for the Python side.
func tagged(v any) any {
	switch v := v.(type) {
	case obj:
		pairs := []any{}
		for _, m := range v {
			pairs = append(pairs, []any{m.k, tagged(m.v)})
		}
		return map[string]any{"o": pairs}
	case []obj:
		out := []any{}
		for _, o := range v {
			out = append(out, tagged(o))
		}
		return out
	case *string:
		if v == nil {
			return nil
		}
		return *v
	case *int64:
		if v == nil {
			return nil
		}
		return *v
	default:
		return v
	}
}

func TestJSONRefusesUnknownTypes(t *testing.T) {
	for _, v := range []any{3.5, map[string]string{}, []byte("x"), struct{}{}} {
		if _, err := appendJSON(nil, obj{{"k", v}}); err == nil {
			t.Errorf("encoded a %T", v)
		}
	}
}
