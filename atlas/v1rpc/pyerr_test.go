package v1rpc

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// py27Errors makes Python 2.7 raise the dispatcher's exceptions for real: it
// defines bound methods with v1's signatures, calls them with a given number
// of positional parameters plus the dispatcher's two keyword arguments, and
// reports the last traceback line. It also reports str() of unicode strings
// (the log-line failure), KeyError for method names and str() of floats.
const py27Errors = `
import json, sys, traceback
req = json.load(sys.stdin)
def last():
    return traceback.format_exc().splitlines()[-1]
out = {"arity": [], "keyerror": [], "unicode": [], "float": []}
for name, nparams, given in req["arity"]:
    args = ", ".join(["self"] + ["p%d" % i for i in range(nparams)] + ["**con_info"])
    ns = {}
    exec("class S(object):\n    def rpc_%s(%s):\n        return 0\n" % (name, args), ns)
    f = getattr(ns["S"](), "rpc_" + name)
    try:
        f(*range(given), **{"client_host": "127.0.0.1", "client_port": 6264})
        out["arity"].append(None)
    except Exception:
        out["arity"].append(last())
for name in req["keyerror"]:
    try:
        {}["rpc_" + str(name)]
    except Exception:
        out["keyerror"].append(last())
for s in req["unicode"]:
    try:
        str(s)
        out["unicode"].append(None)
    except Exception:
        out["unicode"].append(last())
for f in req["float"]:
    out["float"].append(str(float(f)))
print(json.dumps(out))
`

func TestPythonExceptionMessages(t *testing.T) {
	py := python27(t)
	type arity struct {
		name          string
		params, given int
	}
	arities := []arity{
		{"ping", 0, 1}, {"ping", 0, 3}, {"getinfo", 0, 1},
		{"get_zonefile_inventory", 2, 0}, {"get_zonefile_inventory", 2, 1}, {"get_zonefile_inventory", 2, 3},
		{"atlas_peer_exchange", 1, 0}, {"atlas_peer_exchange", 1, 2},
		{"get_zonefiles_by_block", 4, 2}, {"get_zonefiles_by_block", 4, 5},
		{"put_zonefiles", 1, 0},
	}
	names := []string{"nope", "it's", `a"b'c`, "tab\tx\x01\x7f~", `back\slash`, "rpc_ping", "system.listMethods", ""}
	unicodes := []string{"plain", "é", "abéé", "x€y", "😀", "aébéc", "ééé"}
	floats := []float64{1700000000.123456, 1700000000, 1700000000.5, 0.1, 1e16, 1234567.0}
	var floatTexts []string // as text, so that JSON cannot turn 1700000000.0 into an int
	for _, f := range floats {
		floatTexts = append(floatTexts, strconv.FormatFloat(f, 'g', -1, 64))
	}
	req := map[string]any{"keyerror": names, "unicode": unicodes, "float": floatTexts}
	var ar [][]any
	for _, a := range arities {
		ar = append(ar, []any{a.name, a.params, a.given})
	}
	req["arity"] = ar
	var want struct {
		Arity    []*string `json:"arity"`
		KeyError []string  `json:"keyerror"`
		Unicode  []*string `json:"unicode"`
		Float    []string  `json:"float"`
	}
	runPython(t, py, py27Errors, req, &want)

	for i, a := range arities {
		t.Run(fmt.Sprintf("arity/%s/%d", a.name, a.given), func(t *testing.T) {
			got, _ := arityError(a.name, a.params, a.given).get("error")
			if want.Arity[i] == nil || got != *want.Arity[i] {
				t.Errorf("ours   %v\npython %v", got, deref(want.Arity[i]))
			}
		})
	}
	for i, n := range names {
		t.Run("keyerror/"+n, func(t *testing.T) {
			got, _ := unknownMethod(n).get("error")
			if got != want.KeyError[i] {
				t.Errorf("ours   %v\npython %v", got, want.KeyError[i])
			}
		})
	}
	for i, s := range unicodes {
		t.Run("unicode/"+s, func(t *testing.T) {
			exc, bad := nonASCIIParam([]xmlrpc.Value{xmlrpc.Int(1), xmlrpc.String(s)})
			switch {
			case want.Unicode[i] == nil && bad:
				t.Errorf("ours %v, python had no error", exc)
			case want.Unicode[i] != nil && !bad:
				t.Errorf("no error, python %s", *want.Unicode[i])
			case bad:
				if got, _ := exc.get("error"); got != *want.Unicode[i] {
					t.Errorf("ours   %v\npython %s", got, *want.Unicode[i])
				}
			}
		})
	}
	for i, f := range floats {
		if got := pyFloatStr(f); got != want.Float[i] {
			t.Errorf("pyFloatStr(%v) = %s, python %s", f, got, want.Float[i])
		}
	}
}

func deref(s *string) string {
	if s == nil {
		return "<no error>"
	}
	return *s
}

// TestNestedNonASCIIIsNotAnError: v1 logged list parameters through repr(),
// which does not fail, so only top-level strings trip the dispatcher.
func TestNestedNonASCIIIsNotAnError(t *testing.T) {
	if exc, bad := nonASCIIParam([]xmlrpc.Value{xmlrpc.Array(xmlrpc.String("é"))}); bad {
		t.Errorf("nested non-ASCII string gave %v", exc)
	}
}
