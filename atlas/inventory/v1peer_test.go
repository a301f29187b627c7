package inventory

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"github.com/atlasd/atlasd/internal/shareddata"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/xmlrpc"
)

// startV1Peer runs the shared v1-style peer and returns a client for it. It
// skips only when python3 is not installed.
func startV1Peer(t *testing.T, args ...string) *xmlrpc.Client {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	cmd := exec.Command(py, append([]string{shareddata.Path(t, "tools", "v1peer", "v1_peer.py"), "--port", "0", "--quiet"}, args...)...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
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
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line
	}()
	var line string
	select {
	case line = <-ready:
	case <-time.After(30 * time.Second):
		t.Fatal("v1 peer did not start")
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "READY ")
	if !ok {
		t.Fatalf("v1 peer said %q", line)
	}
	c, err := xmlrpc.NewClient("http://"+addr, xmlrpc.ClientConfig{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func v1Call(t *testing.T, c *xmlrpc.Client, method string, params ...xmlrpc.Value) map[string]any {
	t.Helper()
	v, err := c.Call(context.Background(), method, params...)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := v.AsString()
	var out map[string]any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("%s: %v in %q", method, err, s)
	}
	if _, bad := out["error"]; bad {
		t.Fatalf("%s: %v", method, out)
	}
	return out
}

// TestInventoryMatchesV1Peer numbers the real mainnet zonefile export into
// slots, with hashes the peer does not hold and repeated hashes (renewals)
// mixed in, and checks that our table serves byte for byte the inventory the
// v1-style peer serves for the same slot order.
func TestInventoryMatchesV1Peer(t *testing.T) {
	held := zonefileHashes(t, "name_zonefiles-665750.txt")
	heldSet := map[string]bool{}
	for _, h := range held {
		heldSet[h] = true
	}
	var absent []string
	for _, h := range zonefileHashes(t, "name_zonefiles-653759.txt") {
		if !heldSet[h] {
			absent = append(absent, h)
		}
	}
	if len(held) < 1000 || len(absent) == 0 {
		t.Fatalf("fixtures changed: %d held, %d absent", len(held), len(absent))
	}
	var order []string
	for i, h := range held {
		order = append(order, h)
		if i%131 == 0 && len(absent) > 0 {
			order = append(order, absent[0])
			absent = absent[1:]
		}
		if i%97 == 50 {
			order = append(order, held[i/3]) // a renewal re-announces an old hash
		}
	}
	orderFile := filepath.Join(t.TempDir(), "order.txt")
	if err := os.WriteFile(orderFile, []byte(strings.Join(order, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c := startV1Peer(t, "--zonefiles", shareddata.Path(t, "data", "zonefiles", "name_zonefiles-665750.txt"), "--inventory", orderFile)

	tb := NewTable()
	for i, hs := range order {
		h, err := ParseHash(hs)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tb.Append(Announcement{Name: fmt.Sprintf("n%d.id", i), Hash: h, TxID: syntheticTxID(i), Height: 400000 + int32(i/7)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, hs := range held {
		h, _ := ParseHash(hs)
		tb.SetPresent(h, true)
	}

	info := v1Call(t, c, "getinfo")
	if n, _ := info["zonefile_count"].(float64); int(n) != tb.ReportedCount() {
		t.Errorf("zonefile_count %v, ours %d", info["zonefile_count"], tb.ReportedCount())
	}
	size := (len(order) + 7) / 8
	tests := []struct {
		name           string
		offset, length int
	}{
		{"whole", 0, 524288},
		{"first byte", 0, 1},
		{"middle", size / 2, 17},
		{"tail clipped", size - 3, 100},
		{"last byte", size - 1, 1},
		{"at end", size, 10},
		{"zero length", 5, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := v1Call(t, c, "get_zonefile_inventory", xmlrpc.Int(int64(tc.offset)), xmlrpc.Int(int64(tc.length)))
			inv, err := base64.StdEncoding.DecodeString(got["inv"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if ours := tb.Inventory(tc.offset, tc.length); !bytes.Equal(ours, inv) {
				t.Errorf("ours %x\nv1   %x", ours, inv)
			}
		})
	}
	if got, want := tb.PresentCount(), len(order)-len(absentIn(order, heldSet)); got != want {
		t.Errorf("PresentCount %d, want %d", got, want)
	}
}

func absentIn(order []string, held map[string]bool) []string {
	var out []string
	for _, h := range order {
		if !held[h] {
			out = append(out, h)
		}
	}
	return out
}
