package nameop

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func TestClassifyScript(t *testing.T) {
	h := bytes.Repeat([]byte{0x11}, 20)
	key := append([]byte{0x02}, bytes.Repeat([]byte{0x22}, 32)...)
	tests := []struct {
		name   string
		script string
		want   ScriptType
	}{
		{"p2pkh", hex.EncodeToString(p2pkhScript(h)), ScriptP2PKH},
		{"p2sh", hex.EncodeToString(p2shScript(h)), ScriptP2SH},
		{"p2wpkh", "0014" + hex.EncodeToString(h), ScriptP2WPKH},
		{"p2wsh", "0020" + hex.EncodeToString(bytes.Repeat(h, 2)[:32]), ScriptP2WSH},
		{"nulldata", "6a0469642b00", ScriptNullData},
		{"bare OP_RETURN", "6a", ScriptNullData},
		{"OP_RETURN OP_2", "6a52", ScriptNullData},
		{"p2pk", "21" + hex.EncodeToString(key) + "ac", ScriptP2PK},
		{"1-of-1 multisig", "5121" + hex.EncodeToString(key) + "51ae", ScriptMultisig},
		{"empty", "", ScriptNonstandard},
		{"OP_TRUE", "51", ScriptNonstandard},
		// The patterns are byte patterns: a p2pkh look-alike one byte
		// longer is not p2pkh, and a p2sh with a wrong last byte is not p2sh.
		{"long p2pkh", hex.EncodeToString(p2pkhScript(h)) + "00", ScriptNonstandard},
		{"bad p2sh", "a914" + hex.EncodeToString(h) + "88", ScriptNonstandard},
		// OP_CHECKSIG inside a push is data, not the opcode.
		{"pushed checksig", "01ac", ScriptNonstandard},
		// A push that runs past the end swallows the OP_CHECKSIG after it.
		{"short push p2pk", "0511ac", ScriptNonstandard},
		{"p2pk via pushdata1", "4c02aaaaac", ScriptP2PK},
		{"OP_0 checksig", "00ac", ScriptP2PK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := hex.DecodeString(tc.script)
			if err != nil {
				t.Fatal(err)
			}
			if got := ClassifyScript(s); got != tc.want {
				t.Fatalf("ClassifyScript(%s) = %v, want %v", tc.script, got, tc.want)
			}
		})
	}
}

// TestNullData pins the block downloader's reading of OP_RETURN scripts,
// including the lenient push decoding.
func TestNullData(t *testing.T) {
	tests := []struct {
		name, script string
		data         string
		ok           bool
	}{
		{"direct push", "6a03696421", "696421", true},
		{"pushdata1", "6a4c03696421", "696421", true},
		{"pushdata2", "6a4d0300696421", "696421", true},
		{"pushdata4", "6a4e03000000696421", "696421", true},
		{"truncated direct push", "6a05696421", "696421", true},
		{"truncated pushdata1", "6a4c50696421", "696421", true},
		{"pushdata2 missing a length byte", "6a4d03", "", true},
		{"pushdata1 with no length", "6a4c", "", true},
		{"empty push via pushdata1", "6a4c00", "", true},
		{"bare OP_RETURN", "6a", "", false},
		{"OP_0", "6a00", "", false},
		{"small int", "6a52", "", false},
		{"two pushes", "6a0169016a", "", false},
		{"opcode after push", "6a0169ac", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, ok := nullData(mustHex(t, tc.script))
			if ok != tc.ok || hex.EncodeToString(data) != tc.data {
				t.Fatalf("nullData(%s) = %x, %v; want %s, %v", tc.script, data, ok, tc.data, tc.ok)
			}
		})
	}
}

func TestKeylibKeyBytes(t *testing.T) {
	// A real compressed key from the [RS] fixtures and its uncompressed
	// twin from the regtest logs.
	comp := mustHex(t, "03d6fd1ba0effaf1e8d94ea7b7a3d0ef26fea00a14ce5ffcc1495fe588a2c6d0f3")
	uncomp := mustHex(t, "04d6fd1ba0effaf1e8d94ea7b7a3d0ef26fea00a14ce5ffcc1495fe588a2c6d0f35eaa22c01a35bee5817f03d769a3a38a3bb50182c61449ad125555daf26396fb")
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		{"compressed", comp, comp},
		{"uncompressed", uncomp, uncomp},
		{"raw x||y gets the 04 prefix", uncomp[1:], uncomp},
		{"32 bytes become their hex text", bytes.Repeat([]byte{0xab}, 32), append([]byte{4}, bytes.Repeat([]byte("ab"), 32)...)},
		{"hybrid prefix refused", append([]byte{6}, uncomp[1:]...), nil},
		{"compressed with 04 refused", append([]byte{4}, comp[1:]...), nil},
		{"empty", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := keylibKeyBytes(tc.in); !bytes.Equal(got, tc.want) {
				t.Fatalf("got %x, want %x", got, tc.want)
			}
		})
	}
}
