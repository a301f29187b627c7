package host

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

// hostChildEnv makes TestHostProcess run a host instead of skipping.
const hostChildEnv = "ATLASD_TEST_HOST_CHILD"

// TestHostProcess is the body of the host process TestPluginDiesWithHost
// kills: it runs the directory plugin, prints the plugin's pid and waits.
func TestHostProcess(t *testing.T) {
	if os.Getenv(hostChildEnv) == "" {
		t.Skip("run by TestPluginDiesWithHost")
	}
	f := strings.Fields(os.Getenv(hostChildEnv))
	h, err := New(Config{Name: "dir", Path: f[0], SHA256: f[1], Settings: map[string]string{"root": f[2]}}, zerolog.Nop(), nil)
	if err != nil {
		t.Fatal(err)
	}
	go h.Run(context.Background())
	for !h.Up() {
		time.Sleep(10 * time.Millisecond)
	}
	h.mu.Lock()
	pid := h.cur.pid
	h.mu.Unlock()
	fmt.Printf("plugin %d\n", pid)
	select {}
}

// TestPluginDiesWithHost kills a host process with SIGKILL, which gives it
// no chance to stop its plugin: the plugin must die with it rather than run
// on, orphaned, for good.
func TestPluginDiesWithHost(t *testing.T) {
	bin, sum := dirPlugin(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestHostProcess$")
	cmd.Env = append(os.Environ(), hostChildEnv+"="+strings.Join([]string{bin, sum, filepath.Join(t.TempDir(), "store")}, " "))
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "plugin ") {
				line <- sc.Text()
				return
			}
		}
		close(line)
	}()
	var pid int
	select {
	case l, ok := <-line:
		if !ok {
			t.Fatal("host process exited without starting its plugin")
		}
		pid, _ = strconv.Atoi(strings.TrimPrefix(l, "plugin "))
	case <-time.After(30 * time.Second):
		t.Fatal("host process did not start its plugin within 30s")
	}
	if pid <= 0 || !alive(pid) {
		t.Fatalf("plugin pid %d is not running", pid)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	waitFor(t, 5*time.Second, "the orphaned plugin to die", func() bool { return !alive(pid) })
}
