package state

import (
	"bytes"
	"math"
	"testing"

	"github.com/atlasd/atlasd/consensus"
)

// sameRec compares two records value by value, kinds included; NaN floats
// compare by their bits since the codec must keep them exactly.
func sameRec(a, b rec) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || v.Kind() != w.Kind() {
			return false
		}
		if f, ok := v.AsFloat(); ok {
			g, _ := w.AsFloat()
			if math.Float64bits(f) != math.Float64bits(g) {
				return false
			}
			continue
		}
		if !v.Equal(w) {
			return false
		}
	}
	return true
}

func TestRecRoundTrip(t *testing.T) {
	cases := []struct {
		name string
		r    rec
	}{
		{"empty", rec{}},
		{"name row", rec{
			"name": strVal("foo.id"), "op": strVal(">>"), "op_fee": consensus.Float(6400000),
			"revoked": boolVal(false), "block_number": intVal(373601), "value_hash": consensus.None(),
			"token_fee": strVal("0"), "vtxindex": intVal(-1),
		}},
		{"namespace buckets", rec{"buckets": consensus.IntList([]int64{15, 14, 13, 0, -1}), "coeff": intVal(math.MaxInt64), "base": intVal(math.MinInt64)}},
		{"empty list is not none", rec{"buckets": consensus.IntList(nil), "x": consensus.None()}},
		{"floats", rec{"a": consensus.Float(math.Copysign(0, -1)), "b": consensus.Float(math.NaN()), "c": consensus.Float(math.Inf(-1)), "d": consensus.Float(0.1)}},
		{"non-utf8 str and unknown names", rec{"\x00odd": strVal("\xff\xfe"), "zz": boolVal(true), "": strVal("")}},
		{"bookkeeping keys", rec{"__height__": intVal(5), "__vtx__": intVal(2), "sender": strVal("76a914")}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			enc := encodeRec(nil, c.r)
			got, err := decodeRec(enc)
			if err != nil {
				t.Fatal(err)
			}
			if !sameRec(got, c.r) {
				t.Fatalf("round trip: got %v, want %v", got, c.r)
			}
			// A partial decode is the same record restricted to the kept
			// fields.
			keep := map[string]bool{"name": true, "buckets": true, "b": true, "zz": true, "absent": true}
			part, err := decodeSome(enc, keep)
			if err != nil {
				t.Fatal(err)
			}
			want := rec{}
			for k, v := range c.r {
				if keep[k] {
					want[k] = v
				}
			}
			if !sameRec(part, want) {
				t.Fatalf("partial decode: got %v, want %v", part, want)
			}
			// The bytes depend on the record only, not on map order.
			for i := 0; i < 20; i++ {
				if again := encodeRec(nil, cloneRec(c.r)); !bytes.Equal(again, enc) {
					t.Fatalf("encoding is not deterministic: %x vs %x", again, enc)
				}
			}
			for cut := 0; cut < len(enc); cut++ {
				if _, err := decodeRec(enc[:cut]); err == nil && cut != len(enc) {
					t.Fatalf("truncated record (%d of %d bytes) decoded", cut, len(enc))
				}
			}
			if _, err := decodeRec(append(enc, 0)); err == nil {
				t.Fatal("record with trailing byte decoded")
			}
		})
	}
}

func TestRecRejectsCorrupt(t *testing.T) {
	cases := []struct {
		name string
		buf  []byte
	}{
		{"nil", nil},
		{"count beyond data", []byte{9, 1, 0}},
		{"unknown dictionary id", []byte{1, 0x7f, tagNone}},
		{"unknown tag", []byte{1, 1, 9}},
		{"duplicate field", []byte{2, 1, tagNone, 1, tagNone}},
		{"fields out of order", []byte{2, 2, tagNone, 1, tagNone}},
		{"short float", []byte{1, 1, tagFloat, 0, 0}},
		{"list longer than data", []byte{1, 1, tagIntList, 50, 1}},
		{"str longer than data", []byte{1, 1, tagStr, 5, 'a'}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if r, err := decodeRec(c.buf); err == nil {
				t.Fatalf("decoded %x as %v", c.buf, r)
			}
			if r, err := decodeSome(c.buf, map[string]bool{"zz": true}); err == nil {
				t.Fatalf("partial decode of %x gave %v", c.buf, r)
			}
		})
	}
}

func TestSmallCodecsRoundTrip(t *testing.T) {
	anns := []Announcement{
		{},
		{Slot: 7, Name: "foo.id", Hash: "0123456789abcdef0123456789abcdef01234567", TxID: "ab", Height: 373601, VtxIndex: 12},
		{Slot: math.MaxUint64, Height: math.MaxUint64, VtxIndex: -3},
	}
	for _, a := range anns {
		t.Run("announcement "+a.Name, func(t *testing.T) {
			enc := encodeAnnouncement(a)
			got, err := decodeAnnouncement(enc)
			if err != nil || got != a {
				t.Fatalf("got %+v, %v; want %+v", got, err, a)
			}
			if _, err := decodeAnnouncement(enc[:len(enc)-1]); err == nil {
				t.Fatal("truncated announcement decoded")
			}
		})
	}
	tips := []tipRecord{{Height: 373600}, {Height: 665750, Hash: "00000000000000000002", Slots: 1 << 40}, {Height: -1}}
	for _, tr := range tips {
		t.Run("tip "+tr.Hash, func(t *testing.T) {
			enc := encodeTip(tr)
			got, err := decodeTip(enc)
			if err != nil || got != tr {
				t.Fatalf("got %+v, %v; want %+v", got, err, tr)
			}
			if _, err := decodeTip(append(enc, 1)); err == nil {
				t.Fatal("tip with trailing byte decoded")
			}
		})
	}
	lists := [][]string{{}, {"1Abc"}, {"1A", "", "3xyz"}}
	for _, l := range lists {
		t.Run("strings", func(t *testing.T) {
			got, err := decodeStrings(encodeStrings(l))
			if err != nil || len(got) != len(l) {
				t.Fatalf("got %q, %v; want %q", got, err, l)
			}
			for i := range l {
				if got[i] != l[i] {
					t.Fatalf("got %q, want %q", got, l)
				}
			}
		})
	}
}

// FuzzDecodeRec: no input panics, and whatever decodes re-encodes to the
// same bytes (the stored form is canonical).
func FuzzDecodeRec(f *testing.F) {
	f.Add(encodeRec(nil, rec{"name": strVal("a.id"), "buckets": consensus.IntList([]int64{1, 2}), "op_fee": consensus.Float(1.5)}))
	f.Add([]byte{1, 0, 3, 'z', 'z', 'z', tagTrue})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, buf []byte) {
		r, err := decodeRec(buf)
		part, perr := decodeSome(buf, map[string]bool{"name": true, "op_fee": true})
		if (err == nil) != (perr == nil) {
			t.Fatalf("%x: full decode error %v, partial decode error %v", buf, err, perr)
		}
		if err != nil {
			return
		}
		for k, v := range part {
			if w, ok := r[k]; !ok || !sameRec(rec{k: v}, rec{k: w}) {
				t.Fatalf("%x: partial decode has %s=%v, full decode %v", buf, k, v, w)
			}
		}
		if _, ok := r["name"]; ok {
			if _, ok := part["name"]; !ok {
				t.Fatalf("%x: partial decode dropped a kept field", buf)
			}
		}
		if enc := encodeRec(nil, r); !bytes.Equal(enc, buf) {
			t.Fatalf("%x decoded to %v which encodes as %x", buf, r, enc)
		}
	})
}
