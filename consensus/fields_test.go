package consensus

import (
	"github.com/atlasd/atlasd/internal/shareddata"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// specFieldTable is the §2.3 table of the spec: op name → field list, and
// opcode byte → op names.
type specFieldTable struct {
	fields   map[string][]string
	byOpcode map[byte][]string
}

var (
	specRowRE      = regexp.MustCompile("^\\| `(.)` ([A-Z_]+)(?: and ([A-Z_]+))? \\| (.*) \\|$")
	specGroupRE    = regexp.MustCompile("`([^`]*)`")
	specNameRecRE  = regexp.MustCompile("(?s)`NAMEREC_FIELDS` \\([^)]*\\), in order:\\s*`([^`]*)`")
	specRevealNote = "the REVEAL list"
)

// splitFieldNames turns "a, b,\nc" into [a b c].
func splitFieldNames(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// loadSpecFieldTable parses the field lists out of the spec's prose, so the
// hand-written lists in fields.go are checked against an independent
// transcription of the Python source (op vectors cover all but TOKEN_TRANSFER).
func loadSpecFieldTable(t *testing.T) specFieldTable {
	t.Helper()
	raw, err := os.ReadFile(shareddata.Path(t, "reference", "blockstack-v1.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	m := specNameRecRE.FindStringSubmatch(text)
	if m == nil {
		t.Fatal("spec: NAMEREC_FIELDS list not found")
	}
	nameRec := splitFieldNames(m[1])
	tab := specFieldTable{fields: map[string][]string{}, byOpcode: map[byte][]string{}}
	for _, line := range strings.Split(text, "\n") {
		row := specRowRE.FindStringSubmatch(line)
		if row == nil {
			continue
		}
		var list []string
		if strings.HasPrefix(row[4], specRevealNote) {
			list = slices.Clone(tab.fields["NAMESPACE_REVEAL"])
		}
		for _, g := range specGroupRE.FindAllStringSubmatch(row[4], -1) {
			if g[1] == "NAMEREC_FIELDS" {
				list = append(list, nameRec...)
			} else {
				list = append(list, splitFieldNames(g[1])...)
			}
		}
		if list == nil {
			list = []string{}
		}
		for _, name := range row[2:4] {
			if name != "" {
				tab.fields[name] = list
				tab.byOpcode[row[1][0]] = append(tab.byOpcode[row[1][0]], name)
			}
		}
	}
	if len(tab.fields) != 12 {
		t.Fatalf("spec table: parsed %d ops, want 12", len(tab.fields))
	}
	return tab
}

func TestSerializeFieldsMatchSpec(t *testing.T) {
	tab := loadSpecFieldTable(t)
	for name, want := range tab.fields {
		t.Run(name, func(t *testing.T) {
			got := SerializeFields(name)
			if got == nil || !slices.Equal(got, want) {
				t.Errorf("SerializeFields(%s) = %v\nspec says %v", name, got, want)
			}
		})
	}
}

func TestSerializeFieldsMisc(t *testing.T) {
	t.Run("unknown op", func(t *testing.T) {
		for _, name := range []string{"", "name_preorder", "NAME_PREORDERS", "?"} {
			if got := SerializeFields(name); got != nil {
				t.Errorf("SerializeFields(%q) = %v, want nil", name, got)
			}
		}
	})
	t.Run("caller owns the slice", func(t *testing.T) {
		a := SerializeFields("NAME_UPDATE")
		a[0] = "clobbered"
		_ = append(a[:1], "x", "y") // must not reach another caller's list
		b := SerializeFields("NAME_UPDATE")
		if b[0] != "name" || b[1] != "value_hash" {
			t.Errorf("list changed by a previous caller: %v", b[:2])
		}
		c := SerializeFields("NAME_REVOKE")
		if c[1] != "value_hash" {
			t.Errorf("shared NAMEREC prefix changed: %v", c[:2])
		}
	})
	t.Run("announce is empty", func(t *testing.T) {
		if got := SerializeFields("ANNOUNCE"); got == nil || len(got) != 0 {
			t.Errorf("SerializeFields(ANNOUNCE) = %#v, want empty non-nil", got)
		}
	})
}
