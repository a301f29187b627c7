package peertest

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/atlasd/atlasd/internal/shareddata"
)

// V1Peer is a running instance of the shared Python v1 peer
// (../shared/tools/v1peer/v1_peer.py): the original's reply shapes over the
// original's stack (SimpleXMLRPCServer).
type V1Peer struct {
	// HostPort is "127.0.0.1:<port>".
	HostPort string
	// Log is the file its JSON-lines call log goes to.
	Log string
}

// StartV1 runs the Python v1 peer with args (its --port and --log are set
// here) until the test ends. It skips the test only when python3 is not
// installed.
func StartV1(tb testing.TB, args ...string) *V1Peer {
	tb.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		tb.Skip("python3 not installed")
	}
	logPath := filepath.Join(tb.TempDir(), "v1peer.log")
	argv := append([]string{shareddata.Path(tb, "tools", "v1peer", "v1_peer.py"), "--port", "0", "--log", logPath}, args...)
	cmd := exec.Command(py, argv...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
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
		tb.Fatal("peertest: v1 peer did not start")
	}
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "READY ")
	if !ok {
		tb.Fatalf("peertest: v1 peer said %q", line)
	}
	return &V1Peer{HostPort: addr, Log: logPath}
}

// SharedPath returns ../shared/<elem...>, for the v1 peer's file arguments.
func SharedPath(tb testing.TB, elem ...string) string {
	tb.Helper()
	return shareddata.Path(tb, elem...)
}
