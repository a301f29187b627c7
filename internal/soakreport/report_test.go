package soakreport

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRecordThenTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.jsonl")
	t.Setenv(EnvFile, path)
	rows := []Row{
		{Area: "crash", Scenario: "kill -9 during sync", Tried: 100, Survived: 100, Duration: 90 * time.Second, Notes: "3000 blocks"},
		{Area: "reorg", Scenario: "depth 1-50", Tried: 200, Survived: 200, Duration: time.Minute},
	}
	for _, r := range rows {
		Record(t, r)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != rows[0] || got[1] != rows[1] {
		t.Fatalf("read back %+v, want %+v", got, rows)
	}
	var out bytes.Buffer
	ok, err := WriteTable(&out, got)
	if err != nil || !ok {
		t.Fatalf("WriteTable ok=%v err=%v", ok, err)
	}
	for _, want := range []string{"kill -9 during sync", "TOTAL", "300", "2m30s"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestTableFlagsLoss(t *testing.T) {
	cases := []struct {
		name string
		row  Row
		ok   bool
	}{
		{"clean", Row{Tried: 3, Survived: 3}, true},
		{"lost", Row{Tried: 3, Survived: 3, Lost: 1}, false},
		{"short", Row{Tried: 3, Survived: 2}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ok, err := WriteTable(&bytes.Buffer{}, []Row{c.row})
			if err != nil || ok != c.ok {
				t.Fatalf("ok=%v err=%v, want ok=%v", ok, err, c.ok)
			}
		})
	}
}

func TestReadRejectsGarbage(t *testing.T) {
	if _, err := Read(strings.NewReader("{\"area\":\"x\"}\nnot json\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("err = %v, want line 2 named", err)
	}
}
