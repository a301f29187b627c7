package params

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

func TestMainnet(t *testing.T) {
	p := Mainnet()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		h     uint64
		epoch int
	}{{373601, 0}, {436650, 0}, {436651, 1}, {488501, 2}, {547921, 2}, {547922, 3}, {599867, 4}, {613250, 5}, {700000, 5}}
	for _, c := range cases {
		if got := p.EpochIndex(c.h); got != c.epoch {
			t.Errorf("height %d: epoch %d, want %d", c.h, got+1, c.epoch+1)
		}
	}
	if got := p.TokenEpochStart(); got != 547922 {
		t.Errorf("token epoch starts at %d, want 547922", got)
	}
	if !p.Features(488501).Has(OpRegisterUpdate) || p.Features(488500).Has(OpRegisterUpdate) {
		t.Error("OP_REGISTER_UPDATE must start with epoch 3")
	}
	if got := p.Epoch(500000).NamespacePrices[1]; got != 4e9 {
		t.Errorf("epoch 3 one-char namespace price %v, want 4e9", got)
	}
}

func TestLoadScenarioParams(t *testing.T) {
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "data", "consensus", "scenarios")
	files, _ := filepath.Glob(filepath.Join(dir, "*.params.json"))
	if len(files) != 34 {
		t.Fatalf("found %d params files, want 34", len(files))
	}
	for _, f := range files {
		p, err := Load(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if p.FirstBlock != 256 || p.P2PKHVersion != 111 || p.TokenEpochStart() != 0 || p.Epochs[0].NamespacePrices[1] != 4100000000 {
			t.Fatalf("%s: unexpected rules %+v", f, p)
		}
	}
}

func TestParseRefusesBadFiles(t *testing.T) {
	for name, raw := range map[string]string{
		"unknown key":     `{"magic":"id","first_block":1,"epochs":[{"end_block":null,"namespace_lifetime_multiplier":1}],"typo":1}`,
		"unknown feature": `{"magic":"id","first_block":1,"epochs":[{"end_block":null,"features":["warp"],"namespace_lifetime_multiplier":1}]}`,
		"no epochs":       `{"magic":"id","first_block":1,"epochs":[]}`,
		"bad magic":       `{"magic":"idx","first_block":1,"epochs":[{"end_block":null,"namespace_lifetime_multiplier":1}]}`,
		"open not last":   `{"magic":"id","first_block":1,"epochs":[{"end_block":null,"namespace_lifetime_multiplier":1},{"end_block":null,"namespace_lifetime_multiplier":1}]}`,
		"not json":        `{`,
	} {
		if _, err := Parse([]byte(raw)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Load(filepath.Join(os.TempDir(), "no-such-params.json")); err == nil {
		t.Error("missing file accepted")
	}
}
