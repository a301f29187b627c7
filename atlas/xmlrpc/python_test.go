package xmlrpc

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// These tests run Python's own xmlrpc stack (python3 -c) against this
// package in both directions. They skip only when python3 is not installed.

func python(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	return p
}

// runPython runs script with args and returns its stdout; a non-zero exit
// fails the test with stderr.
func runPython(t *testing.T, script string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, python(t), append([]string{"-c", script}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, stderr.String())
	}
	return string(out)
}

// startPython starts a long-running script that prints "READY host:port"
// once listening, and returns that address. The process is killed when the
// test ends.
func startPython(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(python(t), args...)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		lines <- line
	}()
	select {
	case line := <-lines:
		addr, ok := strings.CutPrefix(strings.TrimSpace(line), "READY ")
		if !ok {
			t.Fatalf("python server said %q", line)
		}
		return addr
	case <-time.After(30 * time.Second):
		t.Fatal("python server did not start")
	}
	return ""
}

const pyClientScript = `
import http.client, math, sys, urllib.parse, xmlrpc.client
url = sys.argv[1]
p = xmlrpc.client.ServerProxy(url, allow_none=True, use_builtin_types=True)
cases = [0, -2**31, 2**31 - 1, True, False, 1.5, -0.0, 1e300, 5e-324, float('inf'), float('-inf'),
         'plain', '', '  spaces  ', 'a&<>"\'', 'tab\tnl\n', 'unicode \u00e9 \U0001F600', ']]>',
         b'', b'\x00\xff' * 100, [], [1, [2, [3, []]]], {}, {'a': 1, 'b': [None, {'c': b'x'}]}, None]
n = 0
for v in cases:
    r = p.echo(v)
    assert r == [v] and type(r[0]) is type(v), (v, r)
    n += 1
assert p.echo(*cases) == cases
assert math.isnan(p.echo(float('nan'))[0])
# Python sends a carriage return raw; any XML parser turns it into a newline.
assert p.echo('cr\r\nlf') == ['cr\nlf']
assert p.whoami() == '127.0.0.1'
big = p.big(300000)
assert big == 'z' * 300000
try:
    p.nope(1)
    raise SystemExit('no fault for an unknown method')
except xmlrpc.client.Fault as f:
    assert f.faultCode == 1 and f.faultString == '<class \'Exception\'>:method "nope" is not supported', f
try:
    p.fault()
    raise SystemExit('no fault')
except xmlrpc.client.Fault as f:
    assert (f.faultCode, f.faultString) == (42, 'the answer'), f
root = xmlrpc.client.ServerProxy(url[:-len('/RPC2')] + '/', allow_none=True)
assert root.echo(7) == [7]
u = urllib.parse.urlparse(url)
def raw(body, headers):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c.request('POST', '/RPC2', body, headers)
    r = c.getresponse()
    r.read()
    return r.status
assert raw(b'x' * (512 * 1024 + 1), {'Content-Type': 'text/xml'}) == 400
assert raw(b'<methodCall/>', {'Content-Encoding': 'gzip'}) == 501
print('OK', n)
`

func TestPythonClientAgainstServer(t *testing.T) {
	_, hs := newTestServer(t, ServerConfig{})
	out := runPython(t, pyClientScript, hs.URL+"/RPC2")
	if strings.TrimSpace(out) != "OK 25" {
		t.Errorf("python client said %q", out)
	}
}

// pyDumpsScript prints, for each case name, what xmlrpc.client.dumps writes.
const pyDumpsScript = `
import json, xmlrpc.client
cases = {
    'int': 1, 'neg': -2147483648, 'true': True, 'false': False, 'none': None,
    'd1': 1.5, 'd2': 1e16, 'd3': 1234567.0, 'd4': 1e-05, 'd5': -0.0, 'd6': float('inf'), 'd7': 0.1,
    'd8': 123456789.123, 'd9': 2.5e-300, 'd10': float('nan'),
    's1': 'a&<>"\'\n\t', 's2': '', 's3': 'unicode \u00e9 \U0001F600', 's4': '{"status": true, "inv": "//8="}',
    'b0': b'', 'b1': b'\x00', 'b2': bytes(range(256)) * 3,
    'a0': [], 'a1': [1, 'x', [None, False]], 'st': {'name': 'x', 'n': [1, {}]},
}
out = {k: xmlrpc.client.dumps((v,), methodresponse=True, allow_none=True) for k, v in cases.items()}
out['call'] = xmlrpc.client.dumps((0, 524288), methodname='get_zonefile_inventory', allow_none=True)
out['fault'] = xmlrpc.client.dumps(xmlrpc.client.Fault(1, '<class \'Exception\'>:x & y'), methodresponse=True)
print(json.dumps(out))
`

func TestEncodeMatchesPython(t *testing.T) {
	var py map[string]string
	if err := json.Unmarshal([]byte(runPython(t, pyDumpsScript)), &py); err != nil {
		t.Fatal(err)
	}
	all := make([]byte, 0, 768)
	for range 3 {
		for i := range 256 {
			all = append(all, byte(i))
		}
	}
	cases := map[string]Value{
		"int": Int(1), "neg": Int(-2147483648), "true": Bool(true), "false": Bool(false), "none": Nil(),
		"d1": Double(1.5), "d2": Double(1e16), "d3": Double(1234567), "d4": Double(1e-05), "d5": Double(negZero()),
		"d6": Double(posInf()), "d7": Double(0.1), "d8": Double(123456789.123), "d9": Double(2.5e-300), "d10": Double(math.NaN()),
		"s1": String("a&<>\"'\n\t"), "s2": String(""), "s3": String("unicode é 😀"), "s4": String(`{"status": true, "inv": "//8="}`),
		"b0": Base64(nil), "b1": Base64([]byte{0}), "b2": Base64(all),
		"a0": Array(), "a1": Array(Int(1), String("x"), Array(Nil(), Bool(false))),
		"st": Struct(Member{"name", String("x")}, Member{"n", Array(Int(1), Struct())}),
	}
	if len(py) != len(cases)+2 {
		t.Fatalf("python gave %d cases, want %d", len(py), len(cases)+2)
	}
	for name, v := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := AppendResponse(nil, v)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != py[name] {
				t.Errorf("got\n%q\npython\n%q", got, py[name])
			}
			back, err := ParseResponse([]byte(py[name]), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			if !back.Equal(v) {
				t.Errorf("python's encoding decodes to %#v, want %#v", back, v)
			}
		})
	}
	t.Run("call", func(t *testing.T) {
		got, err := AppendCall(nil, "get_zonefile_inventory", Int(0), Int(524288))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != py["call"] {
			t.Errorf("got\n%q\npython\n%q", got, py["call"])
		}
	})
	t.Run("fault", func(t *testing.T) {
		got, err := AppendFault(nil, &Fault{Code: 1, Message: "<class 'Exception'>:x & y"})
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != py["fault"] {
			t.Errorf("got\n%q\npython\n%q", got, py["fault"])
		}
	})
}
