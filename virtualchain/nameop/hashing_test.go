package nameop

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"testing"
)

func TestB40ToBin(t *testing.T) {
	tests := []struct {
		in   string
		want string // hex; "" means an error
	}{
		{"foo.test", "0253b0250dfd"},  // spec §1.3
		{"muneeb.id", "87b0059d8e5d"}, // = 149190078205533, b40.py doctest
		{"abcd", "0a0aad"},            // = 658093, b40.py doctest
		{"10", "28"},                  // = 40
		{"0", "00"},                   // zero is one byte
		{"", "00"},                    // so is the empty string
		{"0abc.id", ""},               // filled in below: leading zeros vanish
		{"+", "27"},                   // 39, the last digit
		{"foo\n", ""},                 // is_b40 lets it pass, the digit lookup does not
		{"Foo", ""},                   // upper case is not base 40
		{"a b", ""},
	}
	same, err := B40ToBin("abc.id")
	if err != nil {
		t.Fatal(err)
	}
	tests[6].want = hex.EncodeToString(same)
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := B40ToBin(tc.in)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("B40ToBin(%q) = %x, want error", tc.in, got)
				}
				return
			}
			if err != nil || hex.EncodeToString(got) != tc.want {
				t.Fatalf("B40ToBin(%q) = %x, %v; want %s", tc.in, got, err, tc.want)
			}
		})
	}
	// The doctest gives muneeb.id as an integer.
	got, _ := B40ToBin("muneeb.id")
	if new(big.Int).SetBytes(got).Int64() != 149190078205533 {
		t.Fatalf("muneeb.id = %d", new(big.Int).SetBytes(got).Int64())
	}
}

func TestHash128(t *testing.T) {
	tests := []struct{ name, got, want string }{
		{"name_hash128 foo.test", NameHash128("foo.test"), "7727f568dd9d36d5c777c024da599473"},
		{"name_hash128 muneeb.id", NameHash128("muneeb.id"), "deb7fe99776122b77925cbf0a24ab6f8"},
		{"update jude.id", NameConsensusHash("jude.id", "8d8762c37d82360b84cf4d87f32f7754"), "d1062edb9ec9c85ad1aca6d37f2f5793"},
		{"update foo.test", NameConsensusHash("foo.test", "a78155b0a17ced932ef89f0081163eb6"), "3b2bd61c126db26a6843ef3de8d92fd1"},
		{"hash128 empty", Hash128(""), "e3b0c44298fc1c149afbf4c8996fb924"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Fatalf("got %s, want %s", tc.got, tc.want)
			}
		})
	}
}

func TestHashName(t *testing.T) {
	tests := []struct {
		name, name2, script, addr, want string
	}{
		{"name preorder", "foo.test", "76a9147144b3fef9fe537e2445f1c0dfb4ce007c51461288ac", "n44rMyQ9rhTf7KjFdRwDNMWUSJ3MWLsDQ4", "47c3d2a95655aab92f0764c1cfc205814e8a3d42"},
		{"namespace preorder", "test", "76a9140e1c669e2756a79185299cb25ed043ab145f08f088ac", "mxHH7Fch85gD2i74yaWQxeqBkwk2NvzdWq", "db207fcd2150f332a53a8ff0be2a12a85445a2a9"},
		{"bad name", "foo\n.test", "76a9140e1c669e2756a79185299cb25ed043ab145f08f088ac", "mxHH7Fch85gD2i74yaWQxeqBkwk2NvzdWq", ""},
		{"bad script", "test", "76a9zz", "mxHH7Fch85gD2i74yaWQxeqBkwk2NvzdWq", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := HashName(tc.name2, tc.script, tc.addr)
			if tc.want == "" {
				if err == nil {
					t.Fatalf("HashName = %s, want error", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("HashName = %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}

func TestAddresses(t *testing.T) {
	if got := BurnAddress(mainnet); got != "1111111111111111111114oLvT2" {
		t.Fatalf("mainnet burn address %s", got)
	}
	h := mustHex(t, "0e1c669e2756a79185299cb25ed043ab145f08f0")
	tests := []struct {
		name     string
		script   []byte
		net      Network
		wantAddr string
		wantType ScriptType
	}{
		{"regtest p2pkh", p2pkhScript(h), regtest, "mgoZn4k6LuqiTYsVqQz9eu4LgpGVSz6NUC", ScriptP2PKH},
		{"testnet p2sh", mustHex(t, "a914d1558340e7651a8a1d5801a8335eae5ca2e87ba187"), regtest, "2NCL5euNJV9wNcKWQkTtEv7BxUdSTbaf7W1", ScriptP2SH},
		{"mainnet p2pkh", p2pkhScript(make([]byte, 20)), mainnet, "1111111111111111111114oLvT2", ScriptP2PKH},
		// virtualchain writes witness version 1 with the bech32 checksum;
		// expected values from its bech32.py run under Python 3.
		{"p2wpkh quirk", append([]byte{0, 0x14}, h...), mainnet, "bc1ppcwxd83826nerpffnje9a5zr4v297z8s08gys5", ScriptP2WPKH},
		{"p2wsh quirk", append([]byte{0, 0x20}, make([]byte, 32)...), regtest, "tb1pqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqr5x6vk", ScriptP2WSH},
		{"nulldata", []byte{0x6a, 0x02, 'i', 'd'}, mainnet, "", ScriptNullData},
		{"empty", nil, mainnet, "", ScriptNonstandard},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			addr, typ := ScriptToAddress(tc.script, tc.net)
			if addr != tc.wantAddr || typ != tc.wantType {
				t.Fatalf("ScriptToAddress = %q, %v; want %q, %v", addr, typ, tc.wantAddr, tc.wantType)
			}
		})
	}
	if !bytes.Equal(Hash160(nil), mustHex(t, "b472a266d0bd89c13706a4132ccfb16f7c3b9fcb")) {
		t.Fatalf("Hash160(\"\") = %x", Hash160(nil))
	}
}
