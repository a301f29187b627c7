package daemon_test

import (
	"strings"
	"testing"
	"time"

	"github.com/atlasd/atlasd/sidecar/daemon"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
)

// With the node down, our height still equals the last tip we saw, but what
// we serve may be stale: /readyz must say so once the silence outlasts a
// blip, and be ready again when the node is back.
func TestReadyzWhileNodeDown(t *testing.T) {
	defer daemon.SetNodeStaleFloor(2 * time.Second)()
	n := regtest.Start(t)
	if _, err := n.Generate(258); err != nil {
		t.Fatal(err)
	}
	cfg := regtestConfig(t, n)
	cfg.Bitcoind.PollInterval = 200 * time.Millisecond
	d, stop := start(t, cfg)
	defer stop()
	waitHeight(t, d, 258, 20*time.Second)
	base := "http://" + d.APIAddr()
	ready := func() (bool, string) {
		code, body := httpDo(t, "GET", base+"/readyz", nil)
		return code == 200, body
	}
	waitUntil(t, 10*time.Second, "/readyz ready at the tip", func() bool { ok, _ := ready(); return ok })
	if err := n.Stop(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 15*time.Second, "/readyz still ready with the node down", func() bool { ok, _ := ready(); return !ok })
	if _, body := ready(); !strings.Contains(body, "has not answered") {
		t.Fatalf("/readyz does not name the cause: %s", body)
	}
	// Reads go on meanwhile.
	if code, body := httpDo(t, "GET", base+"/v1/info", nil); code != 200 {
		t.Fatalf("/v1/info with the node down: HTTP %d %s", code, body)
	}
	if err := n.Restart(); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 60*time.Second, "/readyz ready after the node came back", func() bool { ok, _ := ready(); return ok })
}
