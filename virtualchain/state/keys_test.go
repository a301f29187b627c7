package state

import "testing"

func TestPrefixesDistinct(t *testing.T) {
	seen := map[byte]bool{}
	for _, p := range allPrefixes {
		if seen[p] {
			t.Fatalf("prefix %q declared twice", p)
		}
		seen[p] = true
	}
}

func TestUndoRoundTrip(t *testing.T) {
	in := []undoEntry{{key: []byte("nfoo.id"), old: []byte(`{"a":1}`), exists: true}, {key: []byte("sx\x00y"), exists: false}, {key: []byte("k"), old: []byte{}, exists: true}}
	out, err := decodeUndo(encodeUndo(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("got %d entries", len(out))
	}
	for i := range in {
		if string(in[i].key) != string(out[i].key) || in[i].exists != out[i].exists || string(in[i].old) != string(out[i].old) {
			t.Fatalf("entry %d: %+v != %+v", i, out[i], in[i])
		}
	}
	for _, bad := range [][]byte{nil, {5}, {1, 3, 'a'}, append(encodeUndo(in), 0)} {
		if _, err := decodeUndo(bad); err == nil {
			t.Fatalf("corrupt undo %x decoded", bad)
		}
	}
}
