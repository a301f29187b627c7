package bitcoind

import (
	"encoding/json"
	"testing"

	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/wire"
)

// A getblock verbosity-3 reply in Bitcoin Core's format (trimmed to the
// fields it always has), since bitcoind cannot run here.
const v3Block = `{"hash":"00","tx":[
 {"txid":"1111111111111111111111111111111111111111111111111111111111111111","vin":[{"coinbase":"03a0bb0d","sequence":4294967295}]},
 {"txid":"2222222222222222222222222222222222222222222222222222222222222222","vin":[
   {"txid":"3333333333333333333333333333333333333333333333333333333333333333","vout":1,
    "prevout":{"generated":false,"height":100,"value":0.00005500,
      "scriptPubKey":{"asm":"","hex":"76a914000000000000000000000000000000000000000088ac","type":"pubkeyhash"}}},
   {"txid":"4444444444444444444444444444444444444444444444444444444444444444","vout":0,
    "prevout":{"generated":true,"height":90,"value":50,
      "scriptPubKey":{"hex":"a914000000000000000000000000000000000000000087","type":"scripthash"}}}]},
 {"txid":"5555555555555555555555555555555555555555555555555555555555555555","vin":[
   {"txid":"6666666666666666666666666666666666666666666666666666666666666666","vout":0}]}
]}`

func TestParseBlockV3(t *testing.T) {
	want := map[chainhash.Hash]bool{}
	h2, _ := chainhash.NewHashFromStr("2222222222222222222222222222222222222222222222222222222222222222")
	want[*h2] = true
	got, err := parseBlockV3([]byte(v3Block), want)
	if err != nil {
		t.Fatal(err)
	}
	h3, _ := chainhash.NewHashFromStr("3333333333333333333333333333333333333333333333333333333333333333")
	h4, _ := chainhash.NewHashFromStr("4444444444444444444444444444444444444444444444444444444444444444")
	if len(got) != 2 || got[wire.OutPoint{Hash: *h3, Index: 1}].Value != 5500 || got[wire.OutPoint{Hash: *h4, Index: 0}].Value != 5000000000 {
		t.Fatalf("prevouts = %+v", got)
	}
	if s := got[wire.OutPoint{Hash: *h4}].Script; len(s) != 23 || s[0] != 0xa9 {
		t.Fatalf("script = %x", s)
	}
	// The third tx has no prevout (an older node ignoring verbosity 3):
	// asking for it must fail rather than silently lose senders.
	h5, _ := chainhash.NewHashFromStr("5555555555555555555555555555555555555555555555555555555555555555")
	if _, err := parseBlockV3([]byte(v3Block), map[chainhash.Hash]bool{*h5: true}); err == nil {
		t.Fatal("missing prevout accepted")
	}
}

func TestBTCToSats(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		bad  bool
	}{
		{"0", 0, false}, {"50", 5000000000, false}, {"0.00005500", 5500, false},
		{"20999999.97690000", 2099999997690000, false}, {"0.1", 10000000, false},
		{"1e-8", 0, true}, {"0.000000001", 0, true}, {".5", 0, true}, {"99999999999999999999", 0, true},
	} {
		got, err := btcToSats(json.Number(tc.in))
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("btcToSats(%s) = %d, %v", tc.in, got, err)
		}
	}
}
