package nameop

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// Scripts the parser tests build outputs from.
var (
	hashA    = bytes.Repeat([]byte{0xa1}, 20)
	hashB    = bytes.Repeat([]byte{0xb2}, 20)
	sRet     = opReturnScript([]byte("id"))
	sPKH     = p2pkhScript(hashA)
	sSH      = p2shScript(hashB)
	sBurn    = p2pkhScript(make([]byte, 20))
	sWPKH    = append([]byte{0, 0x14}, hashA...)
	sP2PK    = append(append([]byte{33, 2}, bytes.Repeat([]byte{3}, 32)...), opCheckSig)
	sNonstd  = []byte{0x51}
	senderSc = p2pkhScript(bytes.Repeat([]byte{0xcc}, 20))
)

// mkTx builds a candidate the way Extract would, from a payload and output
// scripts; output i is worth 1000*(i+1).
func mkTx(op byte, payload []byte, outs ...[]byte) *Tx {
	t := &Tx{TxID: strings.Repeat("ab", 32), VtxIndex: 3, Opcode: op, Payload: payload}
	s := makeOutput(5_000_000, senderSc, regtest)
	t.Senders = []Output{s}
	t.Sender, t.Address, t.SenderPubkey = hexOf(s.Script), s.Address, "02"+strings.Repeat("33", 32)
	for i, o := range outs {
		t.Outputs = append(t.Outputs, makeOutput(int64(1000*(i+1)), o, regtest))
	}
	return t
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func rep(b byte, n int) []byte { return bytes.Repeat([]byte{b}, n) }

func u64(v uint64) []byte {
	b := make([]byte, 8)
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
	return b
}

// padName is a name NUL-padded to the 37-byte field of the epoch-3 layout.
func padName(n string) []byte { return append([]byte(n), make([]byte, 37-len(n))...) }

type parseCase struct {
	name    string
	op      byte
	payload []byte
	rules   Rules
	outs    [][]byte
	ok      bool
	check   func(t *testing.T, op Op)
}

func runParseCases(t *testing.T, cases []parseCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(mkTx(tc.op, tc.payload, tc.outs...), tc.rules)
			if !tc.ok {
				var pe *ParseError
				if got != nil || !errors.As(err, &pe) || pe.Op != tc.op {
					t.Fatalf("Parse = %#v, %v; want a ParseError for %q", got, err, tc.op)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got.Opcode() != tc.op {
				t.Fatalf("Opcode = %q", got.Opcode())
			}
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

var (
	senderAddr = makeOutput(0, senderSc, regtest).Address
	addrA      = makeOutput(0, sPKH, regtest).Address
	addrB      = makeOutput(0, sSH, regtest).Address
	burnAddr   = BurnAddress(regtest)
)

func TestParsePreorder(t *testing.T) {
	ph, ch := rep(0x11, 20), rep(0x22, 16)
	std := [][]byte{sRet, sPKH, sBurn}
	units := cat([]byte{0, 0}, []byte("STACKS"), rep(0, 11))
	runParseCases(t, []parseCase{
		{"basic", '?', cat(ph, ch), Rules{}, std, true, func(t *testing.T, op Op) {
			p := op.(*Preorder)
			eq(t, "PreorderHash", p.PreorderHash, hex.EncodeToString(ph))
			eq(t, "ConsensusHash", p.ConsensusHash, hex.EncodeToString(ch))
			eq(t, "OpFee", p.OpFee, 3000)
			eq(t, "BurnAddress", p.BurnAddress, burnAddr)
			eq(t, "Sender", p.Sender, hexOf(senderSc))
			eq(t, "Address", p.Address, senderAddr)
			eq(t, "TokenFee", p.TokenFee == nil, true)
			eq(t, "Op", op.Op(), "?")
		}},
		{"burn to any address", '?', cat(ph, ch), Rules{}, [][]byte{sRet, sPKH, sSH}, true, func(t *testing.T, op Op) {
			eq(t, "BurnAddress", op.(*Preorder).BurnAddress, addrB)
		}},
		{"short", '?', cat(ph, ch[1:]), Rules{}, std, false, nil},
		{"token fields before epoch 4", '?', cat(ph, ch, u64(7), units), Rules{}, std, false, nil},
		{"token fields", '?', cat(ph, ch, u64(7), units), epoch4, std, true, func(t *testing.T, op Op) {
			p := op.(*Preorder)
			if p.TokenFee == nil || *p.TokenFee != 7 || p.TokenUnits != "STACKS" {
				t.Errorf("tokens = %v %q", p.TokenFee, p.TokenUnits)
			}
		}},
		{"no token fields in epoch 4", '?', cat(ph, ch), epoch4, std, true, func(t *testing.T, op Op) {
			eq(t, "TokenFee", op.(*Preorder).TokenFee == nil, true)
		}},
		{"token fee without units", '?', cat(ph, ch, u64(7)), epoch4, std, false, nil},
		{"one byte extra", '?', cat(ph, ch, []byte{0}), epoch4, std, false, nil},
		{"two outputs", '?', cat(ph, ch), Rules{}, std[:2], false, nil},
		{"four outputs", '?', cat(ph, ch), Rules{}, append(std, sPKH), false, nil},
		{"segwit burn output", '?', cat(ph, ch), Rules{}, [][]byte{sRet, sPKH, sWPKH}, false, nil},
		{"nulldata burn output", '?', cat(ph, ch), Rules{}, [][]byte{sRet, sPKH, sRet}, false, nil},
		{"p2pk change output", '?', cat(ph, ch), Rules{}, [][]byte{sRet, sP2PK, sBurn}, false, nil},
		{"op_return need not be first", '?', cat(ph, ch), Rules{}, [][]byte{sPKH, sRet, sBurn}, true, nil},
	})
}

func TestParseRegistration(t *testing.T) {
	vh := rep(0x44, 20)
	reg := [][]byte{sRet, sPKH, sSH}
	renew := [][]byte{sRet, sPKH, sSH, sBurn}
	isReg := func(name, value string) func(*testing.T, Op) {
		return func(t *testing.T, op Op) {
			g := op.(*Registration)
			eq(t, "Renewal", g.Renewal, false)
			eq(t, "Op", op.Op(), ":")
			eq(t, "Name", g.Name, name)
			eq(t, "ValueHash", g.ValueHash, value)
			eq(t, "Recipient", g.Recipient, hexOf(sPKH))
			eq(t, "RecipientAddress", g.RecipientAddress, addrA)
			eq(t, "SenderPubkey", g.SenderPubkey, "02"+strings.Repeat("33", 32))
		}
	}
	isRenew := func(value string, tokens uint64) func(*testing.T, Op) {
		return func(t *testing.T, op Op) {
			g := op.(*Registration)
			eq(t, "Renewal", g.Renewal, true)
			eq(t, "Op", op.Op(), "::")
			eq(t, "ValueHash", g.ValueHash, value)
			eq(t, "OpFee", g.OpFee, 4000)
			eq(t, "BurnAddress", g.BurnAddress, burnAddr)
			eq(t, "TokenFee", g.TokenFee, tokens)
		}
	}
	vhHex := hex.EncodeToString(vh)
	runParseCases(t, []parseCase{
		{"registration", ':', []byte("foo.test"), Rules{}, reg, true, isReg("foo.test", "")},
		{"two outputs", ':', []byte("foo.test"), Rules{}, reg[:2], true, isReg("foo.test", "")},
		{"renewal", ':', []byte("foo.test"), Rules{}, renew, true, isRenew("", 0)},
		{"five outputs renew", ':', []byte("foo.test"), Rules{}, append(renew, sPKH), true, isRenew("", 0)},
		{"renewal fee to segwit", ':', []byte("foo.test"), Rules{}, [][]byte{sRet, sPKH, sSH, sWPKH}, true, func(t *testing.T, op Op) {
			eq(t, "BurnAddress", op.(*Registration).BurnAddress, makeOutput(0, sWPKH, regtest).Address)
		}},
		{"renewal fee to p2pk", ':', []byte("foo.test"), Rules{}, [][]byte{sRet, sPKH, sSH, sP2PK}, false, nil},
		{"one output", ':', []byte("foo.test"), Rules{}, reg[:1], false, nil},
		{"nulldata recipient", ':', []byte("foo.test"), Rules{}, [][]byte{sRet, sRet}, false, nil},
		{"segwit recipient", ':', []byte("foo.test"), Rules{}, [][]byte{sRet, sWPKH}, false, nil},
		{"invalid name", ':', []byte("Foo.test"), Rules{}, reg, false, nil},
		{"padded name before epoch 3", ':', cat(padName("foo.test"), vh), Rules{}, reg, false, nil},
		{"value hash in epoch 3", ':', cat(padName("foo.test"), vh), epoch3, reg, true, isReg("foo.test", vhHex)},
		{"only OP_REGISTER_UPDATE", ':', cat(padName("foo.test"), vh), Rules{RegisterUpdate: true}, reg, true, isReg("foo.test", vhHex)},
		{"name only in epoch 3", ':', []byte("foo.test"), epoch3, reg, true, isReg("foo.test", "")},
		{"tokens in epoch 3", ':', cat(padName("foo.test"), vh, u64(0)), epoch3, reg, false, nil},
		{"renewal with value hash", ':', cat(padName("foo.test"), vh), epoch3, renew, true, isRenew(vhHex, 0)},
		{"leading NUL is kept", ':', cat([]byte{0}, padName("foo.test")[:36], vh), epoch3, reg, false, nil},
		{"zero tokens register in epoch 4", ':', cat(padName("foo.test"), vh, u64(0)), epoch4, reg, true, isReg("foo.test", vhHex)},
		{"no tokens register in epoch 4", ':', cat(padName("foo.test"), vh), epoch4, reg, true, isReg("foo.test", vhHex)},
		{"tokens register in epoch 4", ':', cat(padName("foo.test"), vh, u64(5)), epoch4, reg, false, nil},
		{"tokens renew in epoch 4", ':', cat(padName("foo.test"), vh, u64(5)), epoch4, renew, true, isRenew(vhHex, 5)},
		{"renew without tokens in epoch 4", ':', cat(padName("foo.test"), vh), epoch4, renew, false, nil},
		{"name-only renew in epoch 4", ':', []byte("foo.test"), epoch4, renew, true, isRenew("", 0)},
		{"odd length in epoch 4", ':', cat(padName("foo.test"), vh, u64(5)[:4]), epoch4, reg, false, nil},
		{"37-byte name", ':', []byte(strings.Repeat("a", 34) + ".id"), Rules{}, reg, true, nil},
		{"38-byte name", ':', []byte(strings.Repeat("a", 35) + ".id"), Rules{}, reg, false, nil},
	})
}

func TestParseUpdate(t *testing.T) {
	nch, vh := rep(0x55, 16), rep(0x66, 20)
	runParseCases(t, []parseCase{
		{"basic", '+', cat(nch, vh), Rules{}, nil, true, func(t *testing.T, op Op) {
			u := op.(*Update)
			eq(t, "NameConsensusHash", u.NameConsensusHash, hex.EncodeToString(nch))
			eq(t, "ValueHash", u.ValueHash, hex.EncodeToString(vh))
			eq(t, "Sender", u.Sender, hexOf(senderSc))
		}},
		{"outputs are not checked", '+', cat(nch, vh), Rules{}, [][]byte{sP2PK, sNonstd}, true, nil},
		{"short", '+', cat(nch, vh[1:]), Rules{}, nil, false, nil},
		{"long", '+', cat(nch, vh, []byte{0}), epoch4, nil, false, nil},
	})
}

func TestParseTransfer(t *testing.T) {
	nh, ch := rep(0x77, 16), rep(0x88, 16)
	outs := [][]byte{sRet, sSH}
	runParseCases(t, []parseCase{
		{"keep", '>', cat([]byte{'>'}, nh, ch), Rules{}, outs, true, func(t *testing.T, op Op) {
			x := op.(*Transfer)
			eq(t, "KeepData", x.KeepData, true)
			eq(t, "Op", op.Op(), ">>")
			eq(t, "NameHash128", x.NameHash128, hex.EncodeToString(nh))
			eq(t, "ConsensusHash", x.ConsensusHash, hex.EncodeToString(ch))
			eq(t, "Recipient", x.Recipient, hexOf(sSH))
			eq(t, "RecipientAddress", x.RecipientAddress, addrB)
		}},
		{"clear", '>', cat([]byte{'~'}, nh, ch), Rules{}, outs, true, func(t *testing.T, op Op) {
			eq(t, "KeepData", op.(*Transfer).KeepData, false)
			eq(t, "Op", op.Op(), ">~")
		}},
		{"bad disposition", '>', cat([]byte{'x'}, nh, ch), Rules{}, outs, false, nil},
		{"short", '>', cat([]byte{'>'}, nh, ch[1:]), Rules{}, outs, false, nil},
		{"long", '>', cat([]byte{'>'}, nh, ch, []byte{0}), Rules{}, outs, false, nil},
		{"no recipient", '>', cat([]byte{'>'}, nh, ch), Rules{}, outs[:1], false, nil},
		{"segwit recipient", '>', cat([]byte{'>'}, nh, ch), Rules{}, [][]byte{sRet, sWPKH}, false, nil},
		{"third output unchecked", '>', cat([]byte{'>'}, nh, ch), Rules{}, [][]byte{sRet, sSH, sWPKH}, true, nil},
	})
}

func TestParseRevoke(t *testing.T) {
	runParseCases(t, []parseCase{
		{"basic", '~', []byte("foo.test"), Rules{}, nil, true, func(t *testing.T, op Op) {
			eq(t, "Name", op.(*Revoke).Name, "foo.test")
		}},
		{"invalid", '~', []byte("foo"), Rules{}, nil, false, nil},
		{"padded", '~', padName("foo.test"), Rules{}, nil, false, nil},
		{"trailing newline passes", '~', []byte("foo.test\n"), Rules{}, nil, true, nil},
	})
}

func TestParseImport(t *testing.T) {
	runParseCases(t, []parseCase{
		{"p2sh value output", ';', []byte("foo.test"), Rules{}, [][]byte{sRet, sPKH, sSH}, true, func(t *testing.T, op Op) {
			x := op.(*Import)
			eq(t, "Name", x.Name, "foo.test")
			eq(t, "ValueHash", x.ValueHash, hex.EncodeToString(hashB))
			eq(t, "Recipient", x.Recipient, hexOf(sPKH))
			eq(t, "RecipientAddress", x.RecipientAddress, addrA)
			eq(t, "SenderPubkey", x.SenderPubkey, "02"+strings.Repeat("33", 32))
		}},
		{"p2pkh value output", ';', []byte("foo.test"), Rules{}, [][]byte{sRet, sSH, sPKH, sNonstd}, true, func(t *testing.T, op Op) {
			eq(t, "ValueHash", op.(*Import).ValueHash, hex.EncodeToString(hashA))
		}},
		{"two outputs", ';', []byte("foo.test"), Rules{}, [][]byte{sRet, sPKH}, false, nil},
		{"nulldata value output", ';', []byte("foo.test"), Rules{}, [][]byte{sRet, sPKH, sRet}, false, nil},
		{"segwit value output", ';', []byte("foo.test"), Rules{}, [][]byte{sRet, sPKH, sWPKH}, false, nil},
		{"invalid name", ';', []byte("foo.test.x"), Rules{}, [][]byte{sRet, sPKH, sSH}, false, nil},
	})
}

func TestParseNamespacePreorder(t *testing.T) {
	ph, ch := rep(0x12, 20), rep(0x34, 16)
	std := [][]byte{sRet, sPKH, sBurn}
	runParseCases(t, []parseCase{
		{"basic", '*', cat(ph, ch), Rules{}, std, true, func(t *testing.T, op Op) {
			p := op.(*NamespacePreorder)
			eq(t, "PreorderHash", p.PreorderHash, hex.EncodeToString(ph))
			eq(t, "ConsensusHash", p.ConsensusHash, hex.EncodeToString(ch))
			eq(t, "OpFee", p.OpFee, 3000)
			eq(t, "BurnAddress", p.BurnAddress, burnAddr)
			eq(t, "TokenFee", p.TokenFee == nil, true)
		}},
		{"four outputs", '*', cat(ph, ch), Rules{}, append(std, sWPKH), true, nil},
		{"two outputs", '*', cat(ph, ch), Rules{}, std[:2], false, nil},
		{"token fee before epoch 4", '*', cat(ph, ch, u64(9)), Rules{}, std, false, nil},
		{"token fee", '*', cat(ph, ch, u64(6400000000)), epoch4, std, true, func(t *testing.T, op Op) {
			p := op.(*NamespacePreorder)
			if p.TokenFee == nil || *p.TokenFee != 6400000000 {
				t.Errorf("TokenFee = %v", p.TokenFee)
			}
		}},
		{"no token fee in epoch 4", '*', cat(ph, ch), epoch4, std, false, nil},
		{"short", '*', cat(ph, ch[1:]), Rules{}, std, false, nil},
		{"nulldata burn output", '*', cat(ph, ch), Rules{}, [][]byte{sRet, sPKH, sRet}, false, nil},
	})
}

func TestParseNamespaceReveal(t *testing.T) {
	// The reveal of "test" from the regtest logs.
	real := mustHex(t, "0000cd73fa046543210000000000aa000174657374")
	with := func(i int, b byte) []byte { p := bytes.Clone(real); p[i] = b; return p }
	outs := [][]byte{sRet, sPKH, sSH}
	runParseCases(t, []parseCase{
		{"real", '&', real, Rules{}, outs, true, func(t *testing.T, op Op) {
			r := op.(*NamespaceReveal)
			eq(t, "NamespaceID", r.NamespaceID, "test")
			eq(t, "Lifetime", r.Lifetime, 52595)
			eq(t, "Coeff", r.Coeff, 250)
			eq(t, "Base", r.Base, 4)
			eq(t, "Buckets", r.Buckets, [16]int{6, 5, 4, 3, 2, 1})
			eq(t, "NonalphaDiscount", r.NonalphaDiscount, 10)
			eq(t, "NoVowelDiscount", r.NoVowelDiscount, 10)
			eq(t, "Version", r.Version, 1)
			eq(t, "RecipientAddress", r.RecipientAddress, addrA)
			want, _ := HashName("test", hexOf(senderSc), addrA)
			eq(t, "PreorderHash", r.PreorderHash, want)
		}},
		{"infinite lifetime", '&', cat(rep(0xff, 4), real[4:]), Rules{}, outs, true, func(t *testing.T, op Op) {
			eq(t, "Lifetime", op.(*NamespaceReveal).Lifetime, NamespaceLifeInfinite)
		}},
		{"version 2", '&', with(16, 2), Rules{}, outs, true, nil},
		{"version 3", '&', with(16, 3), Rules{}, outs, true, nil},
		{"version 0", '&', with(16, 0), Rules{}, outs, false, nil},
		{"version 4", '&', with(16, 4), Rules{}, outs, false, nil},
		{"version 257", '&', with(15, 1), Rules{}, outs, false, nil},
		{"zero nonalpha discount", '&', with(14, 0x0a), Rules{}, outs, false, nil},
		{"zero no-vowel discount", '&', with(14, 0xa0), Rules{}, outs, false, nil},
		{"max discounts", '&', with(14, 0xff), Rules{}, outs, true, nil},
		{"fixed part only", '&', real[:17], Rules{}, outs, false, nil},
		{"one-char id", '&', real[:18], Rules{}, outs, true, nil},
		{"19-char id", '&', cat(real[:17], rep('a', 19)), Rules{}, outs, true, nil},
		{"20-char id", '&', cat(real[:17], rep('a', 20)), Rules{}, outs, false, nil},
		{"dot in id", '&', cat(real[:17], []byte("te.st")), Rules{}, outs, false, nil},
		{"plus in id", '&', cat(real[:17], []byte("te+st")), Rules{}, outs, false, nil},
		{"newline in id", '&', cat(real, []byte("\n")), Rules{}, outs, false, nil},
		{"upper case id", '&', cat(real[:17], []byte("Test")), Rules{}, outs, false, nil},
		{"two outputs", '&', real, Rules{}, outs[:2], false, nil},
		{"four outputs", '&', real, Rules{}, append(outs, sPKH), false, nil},
		{"segwit reveal address", '&', real, Rules{}, [][]byte{sRet, sWPKH, sPKH}, false, nil},
		{"third output unchecked", '&', real, Rules{}, [][]byte{sRet, sPKH, sWPKH}, true, nil},
	})
}

func TestParseNamespaceReady(t *testing.T) {
	runParseCases(t, []parseCase{
		{"basic", '!', []byte(".test"), Rules{}, nil, true, func(t *testing.T, op Op) {
			eq(t, "NamespaceID", op.(*NamespaceReady).NamespaceID, "test")
		}},
		{"no dot", '!', []byte("test"), Rules{}, nil, false, nil},
		{"dot only", '!', []byte("."), Rules{}, nil, false, nil},
		{"empty", '!', nil, Rules{}, nil, false, nil},
		{"plus", '!', []byte(".te+st"), Rules{}, nil, false, nil},
		{"two dots", '!', []byte("..test"), Rules{}, nil, false, nil},
		{"19 chars", '!', cat([]byte("."), rep('z', 19)), Rules{}, nil, true, nil},
		{"20 chars", '!', cat([]byte("."), rep('z', 20)), Rules{}, nil, false, nil},
		{"trailing newline passes", '!', []byte(".test\n"), Rules{}, nil, true, nil},
	})
}

func TestParseAnnounce(t *testing.T) {
	runParseCases(t, []parseCase{
		{"basic", '#', rep(0x99, 20), Rules{}, nil, true, func(t *testing.T, op Op) {
			eq(t, "MessageHash", op.(*Announce).MessageHash, strings.Repeat("99", 20))
		}},
		{"short", '#', rep(0x99, 19), Rules{}, nil, false, nil},
		{"long", '#', rep(0x99, 21), Rules{}, nil, false, nil},
	})
}

func TestParseTokenTransfer(t *testing.T) {
	ch := rep(0xd6, 16)
	typ := cat([]byte("STACKS"), rep(0, 13))
	outs := [][]byte{sRet, sPKH}
	runParseCases(t, []parseCase{
		{"basic", '$', cat(ch, typ, u64(800000)), epoch4, outs, true, func(t *testing.T, op Op) {
			x := op.(*TokenTransfer)
			eq(t, "ConsensusHash", x.ConsensusHash, hex.EncodeToString(ch))
			eq(t, "TokenUnits", x.TokenUnits, "STACKS")
			eq(t, "TokenFee", x.TokenFee, 800000)
			eq(t, "ScratchArea", x.ScratchArea, "")
			eq(t, "RecipientAddress", x.RecipientAddress, addrA)
		}},
		{"scratch area", '$', cat(ch, typ, u64(1), []byte("memo")), epoch4, outs, true, func(t *testing.T, op Op) {
			eq(t, "ScratchArea", op.(*TokenTransfer).ScratchArea, hex.EncodeToString([]byte("memo")))
		}},
		{"NULs on both sides", '$', cat(ch, []byte{0}, typ[:18], u64(1)), epoch4, outs, true, func(t *testing.T, op Op) {
			eq(t, "TokenUnits", op.(*TokenTransfer).TokenUnits, "STACKS")
		}},
		{"before epoch 4", '$', cat(ch, typ, u64(1)), epoch3, outs, false, nil},
		{"short", '$', cat(ch, typ, u64(1)[1:]), epoch4, outs, false, nil},
		{"no recipient", '$', cat(ch, typ, u64(1)), epoch4, outs[:1], false, nil},
		{"segwit recipient", '$', cat(ch, typ, u64(1)), epoch4, [][]byte{sRet, sWPKH}, false, nil},
	})
}

// TestParseWrongOpcode checks that each parser refuses a tx of another op.
func TestParseWrongOpcode(t *testing.T) {
	tx := mkTx('+', rep(1, 36))
	parsers := map[string]func() error{
		"preorder":           func() error { _, err := ParsePreorder(tx, Rules{}); return err },
		"registration":       func() error { _, err := ParseRegistration(tx, Rules{}); return err },
		"transfer":           func() error { _, err := ParseTransfer(tx, Rules{}); return err },
		"revoke":             func() error { _, err := ParseRevoke(tx, Rules{}); return err },
		"import":             func() error { _, err := ParseImport(tx, Rules{}); return err },
		"namespace preorder": func() error { _, err := ParseNamespacePreorder(tx, Rules{}); return err },
		"namespace reveal":   func() error { _, err := ParseNamespaceReveal(tx, Rules{}); return err },
		"namespace ready":    func() error { _, err := ParseNamespaceReady(tx, Rules{}); return err },
		"announce":           func() error { _, err := ParseAnnounce(tx, Rules{}); return err },
		"token transfer":     func() error { _, err := ParseTokenTransfer(tx, epoch4); return err },
	}
	for name, parse := range parsers {
		t.Run(name, func(t *testing.T) {
			var pe *ParseError
			if err := parse(); !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a ParseError", err)
			}
		})
	}
	if _, err := Parse(mkTx('x', nil), Rules{}); err == nil {
		t.Fatal("Parse accepted opcode 'x'")
	}
}
