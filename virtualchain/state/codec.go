package state

import (
	"encoding/binary"
	"errors"
	"math"
	"sort"

	"github.com/atlasd/atlasd/consensus"
)

// Stored records use a compact binary form instead of JSON: the replay reads
// a name, namespace or preorder row many times per operation, and JSON
// decoding of the tagged values dominated the whole replay.
//
// A record is a uvarint field count, then per field in name order: the name
// (a uvarint index into fieldDict plus one, or 0 followed by a
// length-prefixed literal), a kind byte and the value. Ints are zigzag
// varints, floats their IEEE bits (NaN payloads and -0 survive), strs and
// lists are length-prefixed. Sorting the fields makes the bytes a function
// of the record alone, which the state digest relies on.

// fieldDict holds the field names of v1's rows and history entries. Its order
// is part of the on-disk format: append only, and bump formatVersion if an
// entry ever has to change.
var fieldDict = []string{
	"address", "base", "block_number", "buckets", "burn_address", "coeff", "consensus_hash",
	"first_registered", "importer", "importer_address", "last_creation_op", "last_renewed",
	"lifetime", "name", "name_hash128", "namespace_block_number", "namespace_id",
	"no_vowel_discount", "nonalpha_discount", "op", "op_fee", "preorder_block_number",
	"preorder_hash", "ready_block", "recipient", "recipient_address", "reveal_block", "revoked",
	"sender", "sender_pubkey", "token_fee", "token_units", "txid", "value_hash", "version",
	"vtxindex", "name_consensus_hash", "keep_data", "message_hash", "announcer_id",
	"scratch_area", "block_id", "credit_value", "debit_value", "lock_transfer_block_id",
	"receive_whitelisted",
}

var fieldIndex = func() map[string]uint64 {
	m := make(map[string]uint64, len(fieldDict))
	for i, f := range fieldDict {
		m[f] = uint64(i + 1)
	}
	return m
}()

// Kind bytes of the stored form; independent of consensus.Kind's numbering
// so that a change there cannot reinterpret stored rows.
const (
	tagNone    = 0
	tagInt     = 1
	tagFloat   = 2
	tagStr     = 3
	tagFalse   = 4
	tagTrue    = 5
	tagIntList = 6
)

var errBadRecord = errors.New("state: corrupt stored record")

// encodeRec appends the stored form of r to dst.
func encodeRec(dst []byte, r rec) []byte {
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	dst = binary.AppendUvarint(dst, uint64(len(keys)))
	for _, k := range keys {
		if id, ok := fieldIndex[k]; ok {
			dst = binary.AppendUvarint(dst, id)
		} else {
			dst = append(dst, 0)
			dst = appendBytes(dst, k)
		}
		dst = appendValue(dst, r[k])
	}
	return dst
}

func appendBytes(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendValue(dst []byte, v consensus.Value) []byte {
	switch v.Kind() {
	case consensus.KindInt:
		i, _ := v.AsInt()
		return binary.AppendVarint(append(dst, tagInt), i)
	case consensus.KindFloat:
		f, _ := v.AsFloat()
		return binary.BigEndian.AppendUint64(append(dst, tagFloat), math.Float64bits(f))
	case consensus.KindStr:
		s, _ := v.AsStr()
		return appendBytes(append(dst, tagStr), s)
	case consensus.KindBool:
		if b, _ := v.AsBool(); b {
			return append(dst, tagTrue)
		}
		return append(dst, tagFalse)
	case consensus.KindIntList:
		l, _ := v.AsIntList()
		dst = binary.AppendUvarint(append(dst, tagIntList), uint64(len(l)))
		for _, x := range l {
			dst = binary.AppendVarint(dst, x)
		}
		return dst
	}
	return append(dst, tagNone)
}

// decoder reads the stored forms; the first error sticks and every later
// read returns a zero value, so callers check err once at the end.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errBadRecord
	}
	d.buf = nil
}

// Overlong varints (a zero final byte after the first) are refused, so each
// value has one stored form.

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.buf)
	if n <= 0 || (n > 1 && d.buf[n-1] == 0) {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.buf)
	if n <= 0 || (n > 1 && d.buf[n-1] == 0) {
		d.fail()
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) byte1() byte {
	if len(d.buf) < 1 {
		d.fail()
		return 0
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b
}

func (d *decoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		d.fail()
		return ""
	}
	s := string(d.buf[:n])
	d.buf = d.buf[n:]
	return s
}

func (d *decoder) value() consensus.Value {
	switch d.byte1() {
	case tagNone:
		return consensus.None()
	case tagInt:
		return consensus.Int(d.varint())
	case tagFloat:
		if len(d.buf) < 8 {
			d.fail()
			return consensus.None()
		}
		f := math.Float64frombits(binary.BigEndian.Uint64(d.buf))
		d.buf = d.buf[8:]
		return consensus.Float(f)
	case tagStr:
		return consensus.Str(d.str())
	case tagFalse:
		return consensus.Bool(false)
	case tagTrue:
		return consensus.Bool(true)
	case tagIntList:
		n := d.uvarint()
		// Every element takes at least one byte.
		if n > uint64(len(d.buf)) {
			d.fail()
			return consensus.None()
		}
		l := make([]int64, n)
		for i := range l {
			l[i] = d.varint()
		}
		return consensus.IntList(l)
	}
	d.fail()
	return consensus.None()
}

// skipValue steps over one value without building it.
func (d *decoder) skipValue() {
	switch d.byte1() {
	case tagNone, tagFalse, tagTrue:
	case tagInt:
		d.varint()
	case tagFloat:
		if len(d.buf) < 8 {
			d.fail()
			return
		}
		d.buf = d.buf[8:]
	case tagStr:
		n := d.uvarint()
		if n > uint64(len(d.buf)) {
			d.fail()
			return
		}
		d.buf = d.buf[n:]
	case tagIntList:
		n := d.uvarint()
		if n > uint64(len(d.buf)) {
			d.fail()
			return
		}
		for i := uint64(0); i < n; i++ {
			d.varint()
		}
	default:
		d.fail()
	}
}

// decodeRec reads a record written by encodeRec. Field names must be strictly
// increasing, which also rules out duplicates, and a dictionary name must not
// be spelled out: anything encodeRec would not have written is refused.
func decodeRec(buf []byte) (rec, error) { return decodeSome(buf, nil) }

// decodeSome is decodeRec keeping only the fields in keep (all when keep is
// nil): a lookup that reads a few fields of many rows builds only those.
// The whole record is still checked.
func decodeSome(buf []byte, keep map[string]bool) (rec, error) {
	d := decoder{buf: buf}
	n := d.uvarint()
	// Every field takes at least two bytes.
	if n > uint64(len(d.buf))/2 {
		return nil, errBadRecord
	}
	size := n
	if keep != nil {
		size = uint64(min(len(keep), int(n)))
	}
	r := make(rec, size)
	prev := ""
	for i := uint64(0); i < n && d.err == nil; i++ {
		var k string
		switch id := d.uvarint(); {
		case id == 0:
			k = d.str()
			if _, known := fieldIndex[k]; known {
				d.fail()
			}
		case id <= uint64(len(fieldDict)):
			k = fieldDict[id-1]
		default:
			d.fail()
		}
		if d.err == nil && i > 0 && k <= prev {
			d.fail()
		}
		prev = k
		if keep != nil && !keep[k] {
			d.skipValue()
			continue
		}
		v := d.value()
		if d.err == nil {
			r[k] = v
		}
	}
	if d.err != nil || len(d.buf) != 0 {
		return nil, errBadRecord
	}
	return r, nil
}

// encodeStrings stores a list of strings (an import keychain).
func encodeStrings(l []string) []byte {
	buf := binary.AppendUvarint(nil, uint64(len(l)))
	for _, s := range l {
		buf = appendBytes(buf, s)
	}
	return buf
}

func decodeStrings(buf []byte) ([]string, error) {
	d := decoder{buf: buf}
	n := d.uvarint()
	if n > uint64(len(d.buf)) {
		return nil, errBadRecord
	}
	out := make([]string, 0, n)
	for i := uint64(0); i < n && d.err == nil; i++ {
		out = append(out, d.str())
	}
	if d.err != nil || len(d.buf) != 0 {
		return nil, errBadRecord
	}
	return out, nil
}

// encodeAnnouncement stores one chunk slot.
func encodeAnnouncement(a Announcement) []byte {
	buf := binary.AppendUvarint(nil, a.Slot)
	buf = appendBytes(buf, a.Name)
	buf = appendBytes(buf, a.Hash)
	buf = appendBytes(buf, a.TxID)
	buf = binary.AppendUvarint(buf, a.Height)
	return binary.AppendVarint(buf, a.VtxIndex)
}

func decodeAnnouncement(buf []byte) (Announcement, error) {
	d := decoder{buf: buf}
	a := Announcement{Slot: d.uvarint(), Name: d.str(), Hash: d.str(), TxID: d.str(), Height: d.uvarint(), VtxIndex: d.varint()}
	if d.err != nil || len(d.buf) != 0 {
		return Announcement{}, errBadRecord
	}
	return a, nil
}

// tipRecord is the last applied block, its hash and the slot count after it.
type tipRecord struct {
	Height int64
	Hash   string
	Slots  uint64
}

func encodeTip(t tipRecord) []byte {
	buf := binary.AppendVarint(nil, t.Height)
	buf = appendBytes(buf, t.Hash)
	return binary.AppendUvarint(buf, t.Slots)
}

func decodeTip(buf []byte) (tipRecord, error) {
	d := decoder{buf: buf}
	t := tipRecord{Height: d.varint(), Hash: d.str(), Slots: d.uvarint()}
	if d.err != nil || len(d.buf) != 0 {
		return tipRecord{}, errBadRecord
	}
	return t, nil
}
