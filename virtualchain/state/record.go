package state

import (
	"github.com/atlasd/atlasd/consensus"
)

// rec is one Python dict: an operation, a stored row or a consensus op.
type rec = consensus.Record

func cloneRec(r rec) rec {
	out := make(rec, len(r))
	for k, v := range r {
		out[k] = v
	}
	return out
}

// str returns a string field; None and absent read as "".
func str(r rec, k string) string {
	s, _ := r[k].AsStr()
	return s
}

// num returns an integer field; floats are truncated the way int() would.
func num(r rec, k string) int64 {
	v := r[k]
	if i, ok := v.AsInt(); ok {
		return i
	}
	if f, ok := v.AsFloat(); ok {
		return int64(f)
	}
	if b, ok := v.AsBool(); ok && b {
		return 1
	}
	return 0
}

// isNone reports whether k is absent or None.
func isNone(r rec, k string) bool {
	v, ok := r[k]
	return !ok || v.IsNone()
}

// truthy mirrors Python truthiness for the values v1 tests with `if x:`.
func truthy(r rec, k string) bool {
	v, ok := r[k]
	if !ok {
		return false
	}
	switch v.Kind() {
	case consensus.KindNone:
		return false
	case consensus.KindBool:
		b, _ := v.AsBool()
		return b
	case consensus.KindInt:
		i, _ := v.AsInt()
		return i != 0
	case consensus.KindFloat:
		f, _ := v.AsFloat()
		return f != 0
	case consensus.KindStr:
		s, _ := v.AsStr()
		return s != ""
	case consensus.KindIntList:
		l, _ := v.AsIntList()
		return len(l) > 0
	}
	return false
}

// pyNum returns a numeric field as a float64 for Python's mixed int/float
// comparisons, and whether the field is numeric at all.
func pyNum(r rec, k string) (float64, bool) {
	v := r[k]
	if i, ok := v.AsInt(); ok {
		return float64(i), true
	}
	if f, ok := v.AsFloat(); ok {
		return f, true
	}
	return 0, false
}

// Column affinities of v1's SQLite tables: what a value reads back as after a
// round trip through the row. Only the columns whose type can change matter.
var (
	intColumns = map[string]bool{
		"block_number": true, "op_fee": true, "vtxindex": true, "namespace_block_number": true,
		"preorder_block_number": true, "first_registered": true, "last_renewed": true,
		"version": true, "reveal_block": true, "lifetime": true, "coeff": true, "base": true,
		"nonalpha_discount": true, "no_vowel_discount": true, "ready_block": true,
	}
	// boolColumns are INT columns that v1's row factory turns back into bools.
	boolColumns = map[string]bool{"revoked": true}
	// intTextColumns are TEXT columns the row factory parses as ints.
	intTextColumns = map[string]bool{"token_fee": true}
)

var nameColumns = []string{
	"name", "preorder_hash", "name_hash128", "namespace_id", "namespace_block_number",
	"value_hash", "sender", "sender_pubkey", "address", "block_number", "preorder_block_number",
	"first_registered", "last_renewed", "revoked", "op", "txid", "vtxindex", "op_fee",
	"importer", "importer_address", "consensus_hash", "token_fee", "last_creation_op",
}

var namespaceColumns = []string{
	"namespace_id", "preorder_hash", "version", "sender", "sender_pubkey", "address",
	"recipient", "recipient_address", "block_number", "reveal_block", "op", "op_fee",
	"txid", "vtxindex", "lifetime", "coeff", "base", "buckets", "nonalpha_discount",
	"no_vowel_discount", "ready_block", "token_fee",
}

var preorderColumns = []string{
	"preorder_hash", "consensus_hash", "sender", "sender_pubkey", "address", "block_number",
	"op", "op_fee", "txid", "vtxindex", "burn_address", "token_fee", "token_units",
}

// asRow keeps only the table's columns of r and applies their affinities,
// giving what a later SELECT would return.
func asRow(r rec, columns []string) rec {
	row := make(rec, len(columns))
	for _, c := range columns {
		v, ok := r[c]
		if !ok {
			continue
		}
		row[c] = rowValue(c, v)
	}
	return row
}

// mergeRow applies the columns present in update onto an existing row.
func mergeRow(row, update rec, columns []string) rec {
	out := cloneRec(row)
	for _, c := range columns {
		if v, ok := update[c]; ok {
			out[c] = rowValue(c, v)
		}
	}
	return out
}

func rowValue(c string, v consensus.Value) consensus.Value {
	switch {
	case boolColumns[c]:
		switch v.Kind() {
		case consensus.KindBool:
			return v
		case consensus.KindInt:
			i, _ := v.AsInt()
			return consensus.Bool(i != 0)
		}
	case intTextColumns[c]:
		switch v.Kind() {
		case consensus.KindStr:
			s, _ := v.AsStr()
			if i, ok := parseInt(s); ok {
				return consensus.Int(i)
			}
		case consensus.KindFloat:
			f, _ := v.AsFloat()
			return consensus.Int(int64(f))
		}
	case intColumns[c]:
		switch v.Kind() {
		case consensus.KindFloat:
			f, _ := v.AsFloat()
			if f == float64(int64(f)) {
				return consensus.Int(int64(f))
			}
		case consensus.KindBool:
			b, _ := v.AsBool()
			if b {
				return consensus.Int(1)
			}
			return consensus.Int(0)
		}
	}
	return v
}

func parseInt(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	var n int64
	neg := false
	for i, c := range s {
		if i == 0 && c == '-' {
			neg = true
			continue
		}
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}
