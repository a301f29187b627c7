package params

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/atlasd/atlasd/internal/shareddata"
)

// The built-in regtest network must equal the params of the reference
// scenarios that ran on the default epoch table.
func TestRegtestMatchesScenarioParams(t *testing.T) {
	dir := shareddata.Path(t, "data", "consensus", "scenarios")
	want, err := Load(filepath.Join(dir, "name_preorder_register_update_renew.params.json"))
	if err != nil {
		t.Fatal(err)
	}
	got := Regtest()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Regtest() differs from the scenario params:\n got %+v\nwant %+v", got, want)
	}
}
