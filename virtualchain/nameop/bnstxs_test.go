package nameop

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
)

// bnsTx is one entry of txs/bns_txs.json.
type bnsTx struct {
	TxID     string `json:"txid"`
	Hex      string `json:"hex"`
	Network  string `json:"network"`
	OpReturn []struct {
		Opcode     string         `json:"opcode"`
		PayloadHex string         `json:"payload_hex"`
		Decoded    map[string]any `json:"decoded"`
	} `json:"op_return"`
	Expected map[string]any `json:"expected_from_test"`
}

func loadBNSTxs(t testing.TB) []bnsTx {
	t.Helper()
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(readShared(t, "txs/bns_txs.json"), &doc); err != nil {
		t.Fatal(err)
	}
	var all []bnsTx
	for _, k := range []string{"mainnet", "fixtures_network_unspecified_or_test", "regtest_blocks_from_stacks_core_tests"} {
		var part []bnsTx
		dec := json.NewDecoder(bytes.NewReader(doc[k]))
		dec.UseNumber() // keep 6400000000 from printing as 6.4e+09
		if err := dec.Decode(&part); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		all = append(all, part...)
	}
	if len(all) != 25 {
		t.Fatalf("%d txs, want 25", len(all))
	}
	return all
}

// TestBNSTxs runs the real and fixture transactions of bns_txs.json through
// Candidate, Extract and Parse and compares with the decoded payloads and
// with the expectations their source tests had.
func TestBNSTxs(t *testing.T) {
	for _, e := range loadBNSTxs(t) {
		t.Run(e.TxID[:16], func(t *testing.T) {
			tx := decodeTxHex(t, e.Hex)
			if got := tx.TxHash().String(); got != e.TxID {
				t.Fatalf("txid %s", got)
			}
			net := regtest
			if e.Network == "mainnet" {
				net = mainnet
			}
			opcode, payload, ok := Candidate(tx, net)
			if len(e.OpReturn) == 0 {
				// The negative fixture: magic "di".
				if ok {
					t.Fatalf("Candidate accepted %q %x", opcode, payload)
				}
				return
			}
			want := e.OpReturn[0]
			if !ok || string(opcode) != want.Opcode || hex.EncodeToString(payload) != want.PayloadHex {
				t.Fatalf("Candidate = %q %x %v, want %s %s", opcode, payload, ok, want.Opcode, want.PayloadHex)
			}
			x, err := Extract(tx, 1, net, scriptSigSource{tx})
			if err != nil || x == nil {
				t.Fatalf("Extract = %v, %v", x, err)
			}
			rules := Rules{}
			if opcode == OpTokenTransfer || len(payload) == 44 && opcode == OpNamespacePreorder {
				rules = epoch4
			}
			op, err := Parse(x, rules)
			if want.Decoded["op_name"] == "NAMESPACE_REVEAL" {
				// Its reveal address is a native segwit output, which v1
				// does not accept as a role output.
				var pe *ParseError
				if !errors.As(err, &pe) {
					t.Fatalf("Parse = %v, %v; want a ParseError", op, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			for field, got := range decodedFields(op) {
				if w, ok := want.Decoded[field]; !ok || fmt.Sprint(w) != got {
					t.Errorf("%s = %s, want %v", field, got, w)
				}
			}
			checkExpected(t, x, op, e.Expected)
		})
	}
}

// decodedFields gives an op's fields under the names bns_txs.json uses.
func decodedFields(op Op) map[string]string {
	switch o := op.(type) {
	case *Update:
		return map[string]string{"name_consensus_hash": o.NameConsensusHash, "value_hash": o.ValueHash}
	case *Revoke:
		return map[string]string{"name": o.Name}
	case *Registration:
		return map[string]string{"name": o.Name}
	case *Preorder:
		return map[string]string{"preorder_hash": o.PreorderHash, "consensus_hash": o.ConsensusHash}
	case *NamespacePreorder:
		m := map[string]string{"namespace_id_hash": o.PreorderHash, "consensus_hash": o.ConsensusHash}
		if o.TokenFee != nil {
			m["tokens_burned"] = fmt.Sprint(*o.TokenFee)
		}
		return m
	case *TokenTransfer:
		return map[string]string{
			"consensus_hash": o.ConsensusHash, "token_type": o.TokenUnits,
			"tokens_sent": fmt.Sprint(o.TokenFee), "scratch_area": o.ScratchArea,
		}
	}
	return nil
}

// checkExpected compares with what the fixture's source test asserted.
func checkExpected(t *testing.T, x *Tx, op Op, exp map[string]any) {
	t.Helper()
	if exp == nil {
		return
	}
	if w, ok := exp["txid"]; ok && w != x.TxID {
		t.Errorf("txid %s, want %v", x.TxID, w)
	}
	switch o := op.(type) {
	case *NamespacePreorder:
		tokenFee := "<nil>"
		if o.TokenFee != nil {
			tokenFee = fmt.Sprint(*o.TokenFee)
		}
		got := map[string]string{
			"preorder_hash": o.PreorderHash, "consensus_hash": o.ConsensusHash,
			"sender": o.Sender, "address": o.Address, "op_fee": fmt.Sprint(o.OpFee),
			"token_fee": tokenFee, "op": op.Op(),
		}
		for k, g := range got {
			if w := fmt.Sprint(exp[k]); w != g {
				t.Errorf("%s = %s, want %s", k, g, w)
			}
		}
		if x.TxID == "5bd20de53d184fa2aa5fca730dab15102a250310805eda3026592c1eb4a698a1" {
			// Spec §6.3 gives this fixture's sender public key.
			if want := "03d6fd1ba0effaf1e8d94ea7b7a3d0ef26fea00a14ce5ffcc1495fe588a2c6d0f3"; o.SenderPubkey != want {
				t.Errorf("sender_pubkey = %s, want %s", o.SenderPubkey, want)
			}
		}
	case *Update:
		if fqn, ok := exp["fqn"].(string); ok {
			if got := NameConsensusHash(fqn, exp["consensus_hash"].(string)); got != o.NameConsensusHash {
				t.Errorf("NameConsensusHash(%s) = %s, payload has %s", fqn, got, o.NameConsensusHash)
			}
			if got := hex.EncodeToString(Hash160([]byte(exp["zonefile"].(string)))); got != o.ValueHash {
				t.Errorf("zone-file hash %s, payload has %s", got, o.ValueHash)
			}
		}
	}
}
