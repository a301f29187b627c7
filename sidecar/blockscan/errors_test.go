package blockscan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/wire"
)

// legacyTx and segwitTx serialize a minimal transaction by hand so tests
// can corrupt single fields. witness nil means an empty witness stack.
func legacyTx() []byte {
	b := binary.LittleEndian.AppendUint32(nil, 1)       // version
	b = append(b, 1)                                    // one input
	b = append(b, bytes.Repeat([]byte{0xab}, 36)...)    // outpoint
	b = append(b, 0)                                    // empty scriptSig
	b = binary.LittleEndian.AppendUint32(b, 0xffffffff) // sequence
	b = append(b, 1)                                    // one output
	b = binary.LittleEndian.AppendUint64(b, 5000)       // value
	b = append(b, 4, 0x6a, 0x02, 'i', 'd')              // script
	return binary.LittleEndian.AppendUint32(b, 0)       // lock time
}

func segwitTx(flag byte, witness []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, 2)
	b = append(b, 0, flag, 1)
	b = append(b, bytes.Repeat([]byte{0xcd}, 36)...)
	b = append(b, 0)
	b = binary.LittleEndian.AppendUint32(b, 0xffffffff)
	b = append(b, 1)
	b = binary.LittleEndian.AppendUint64(b, 5000)
	b = append(b, 1, 0x51)
	if witness == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1, byte(len(witness)))
		b = append(b, witness...)
	}
	return binary.LittleEndian.AppendUint32(b, 0)
}

// block assembles a header, a raw count and raw transactions.
func block(count []byte, txs ...[]byte) []byte {
	b := append(make([]byte, headerSize), count...)
	for _, tx := range txs {
		b = append(b, tx...)
	}
	return b
}

// TestScanErrors feeds malformed blocks and checks the sentinel, the
// transaction index and the offset Scan reports, and that wire refuses the
// same bytes.
func TestScanErrors(t *testing.T) {
	legacy := legacyTx()
	tests := []struct {
		name   string
		raw    []byte
		want   error
		tx     int
		offset int
	}{
		{"empty", nil, ErrTruncated, -1, 0},
		{"short header", make([]byte, 79), ErrTruncated, -1, 79},
		{"no tx count", make([]byte, 80), ErrTruncated, -1, 80},
		{"non-canonical count 0xfd", block([]byte{0xfd, 0x01, 0x00}, legacy), ErrNonCanonical, -1, 80},
		{"non-canonical count 0xfe", block([]byte{0xfe, 0x01, 0, 0, 0}, legacy), ErrNonCanonical, -1, 80},
		{"non-canonical count 0xff", block([]byte{0xff, 1, 0, 0, 0, 0, 0, 0, 0}, legacy), ErrNonCanonical, -1, 80},
		{"truncated count", block([]byte{0xfe, 0x01}), ErrTruncated, -1, 80},
		{"huge tx count", block(binary.LittleEndian.AppendUint64([]byte{0xff}, 1<<40), legacy), ErrTooMany, -1, 80},
		{"tx count over bytes left", block([]byte{0xfd, 0xff, 0xff}, legacy), ErrTooMany, -1, 80},
		{"one tx missing", block([]byte{2}, legacy), ErrTruncated, 1, 81 + len(legacy)},
		{"trailing byte", append(block([]byte{1}, legacy), 0), ErrTrailingData, -1, 81 + len(legacy)},
		{"huge input count", block([]byte{1}, slices.Concat(legacy[:4], []byte{0xfe, 0, 0, 0, 1}, legacy[5:])), ErrTooMany, 0, 85},
		{"script runs past end", block([]byte{1}, slices.Concat(legacy[:41], []byte{0xfd, 0xff, 0x00}, legacy[42:])), ErrTruncated, 0, 122},
		{"huge output count", block([]byte{1}, slices.Concat(legacy[:46], []byte{0xff}, binary.LittleEndian.AppendUint64(nil, 1<<33), legacy[47:])), ErrTooMany, 0, 127},
		{"missing lock time", block([]byte{1}, legacy[:len(legacy)-1]), ErrTruncated, 0, 81 + len(legacy) - 4},
		{"segwit flag 2", block([]byte{1}, segwitTx(2, []byte{7})), ErrWitnessFlag, 0, 86},
		{"segwit without witness", block([]byte{1}, segwitTx(1, nil)), ErrSuperfluousWitness, 0, 81 + 4 + 3 + 41 + 11},
		{"witness item past end", block([]byte{1}, segwitTx(1, []byte{7})[:61]), ErrTruncated, 0, 81 + 4 + 3 + 41 + 11 + 1},
		{"over max block size", make([]byte, wire.MaxBlockPayload+1), ErrTooLarge, -1, wire.MaxBlockPayload},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := reference(tc.raw, mainnet); ok {
				t.Fatal("test block is not malformed for wire")
			}
			blk, err := Scan(tc.raw, mainnet)
			if blk != nil || !errors.Is(err, tc.want) {
				t.Fatalf("Scan = %v, %v; want %v", blk, err, tc.want)
			}
			var se *Error
			if !errors.As(err, &se) || se.Tx != tc.tx || se.Offset != tc.offset {
				t.Fatalf("error %#v: want tx %d offset %d", err, tc.tx, tc.offset)
			}
			if !strings.HasPrefix(err.Error(), "blockscan: ") {
				t.Fatalf("error %q lacks the package prefix", err)
			}
		})
	}
}

// TestScanWellFormedEdges covers the hand-built blocks that must be
// accepted: no transactions at all, and one legacy and one segwit spend.
func TestScanWellFormedEdges(t *testing.T) {
	tests := []struct {
		name    string
		raw     []byte
		txCount int
	}{
		{"no transactions", block([]byte{0}), 0},
		{"legacy and segwit", block([]byte{2}, legacyTx(), segwitTx(1, []byte{7})), 2},
		{"count with 0xfd form", block([]byte{0xfd, 0xfd, 0x00}, slices.Repeat([][]byte{legacyTx()}, 0xfd)...), 0xfd},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			blk := checkAgainstReference(t, tc.raw, mainnet)
			if blk == nil || blk.TxCount != tc.txCount {
				t.Fatalf("got %+v, want %d txs", blk, tc.txCount)
			}
		})
	}
}

// TestScanEveryTruncation cuts a block of real candidates at every byte;
// each prefix must be refused as truncated (or as a count that no longer
// fits), never accepted and never a panic.
func TestScanEveryTruncation(t *testing.T) {
	raw := smallBlock(t)
	for n := range len(raw) {
		_, err := Scan(raw[:n], mainnet)
		if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrTooMany) {
			t.Fatalf("prefix of %d bytes: %v", n, err)
		}
	}
	if _, err := Scan(raw, mainnet); err != nil {
		t.Fatal(err)
	}
}
