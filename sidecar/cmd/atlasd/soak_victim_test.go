//go:build soak

package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/atlasd/atlasd/atlas/peers"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
)

// victim is the `atlasd run` process the soak kills, restarted on the same
// data directory each time. Its REST API and Atlas port are bound to free
// ports at each start and read back from its log.
type victim struct {
	bin     string
	dir     string
	n       *regtest.Node
	logFile *os.File // every run's stderr, for a post-mortem
	starts  int
	kept    int64 // the height the last crash image kept

	// mu guards cur: a timer goroutine may kill the run while the test
	// goroutine works with it.
	mu  sync.Mutex
	cur *victimRun
	// api and atlas are the current run's addresses, set by waitReady.
	api, atlas string
}

// victimRun is one process of the victim.
type victimRun struct {
	cmd     *exec.Cmd
	started time.Time
	exited  chan struct{}
	killed  bool
	lines   chan soakLine
	http    *http.Client
	mu      sync.Mutex
	out     bytes.Buffer // stderr
	// atTip is the highest "at node tip" height read from lines so far.
	atTip int64
}

// soakLine is the part of a JSON log line the soak reads.
type soakLine struct {
	Level   string `json:"level"`
	Message string `json:"message"`
	Height  int64  `json:"height"`
	Listen  string `json:"listen"`
	Addr    string `json:"addr"`
}

func newVictim(t *testing.T, n *regtest.Node, dir string) *victim {
	f, err := os.Create(dir + ".log")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &victim{bin: buildAtlasd(t), dir: dir, n: n, logFile: f}
}

func (v *victim) run() *victimRun {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.cur
}

// start launches atlasd; it does not wait for anything.
func (v *victim) start() error {
	cmd := exec.Command(v.bin, "run", "--network", "regtest", "--datadir", v.dir, "--config", "",
		"--bitcoind.rpc-host", v.n.RPCHost(), "--bitcoind.rpc-user", v.n.RPCUser(),
		"--bitcoind.poll-interval", "50ms", "--bitcoind.rpc-conns", "2",
		"--log-format", "json", "--log-level", "info",
		"--atlas.listen", "127.0.0.1:0", "--api.listen", "127.0.0.1:0")
	// Only the flags configure it: the test's own ATLASD_* variables are
	// not settings.
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "ATLASD_") {
			cmd.Env = append(cmd.Env, e)
		}
	}
	cmd.Env = append(cmd.Env, "ATLASD_BITCOIND_RPC_PASSWORD="+v.n.RPCPass())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	r := &victimRun{cmd: cmd, exited: make(chan struct{}), lines: make(chan soakLine, 4096), atTip: -1,
		http: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{}}}
	fmt.Fprintf(v.logFile, "---- start %d at %s\n", v.starts, time.Now().Format(time.RFC3339Nano))
	if err := cmd.Start(); err != nil {
		return err
	}
	v.starts++
	r.started = time.Now()
	v.mu.Lock()
	v.cur, v.api, v.atlas = r, "", ""
	v.mu.Unlock()
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			b := sc.Bytes()
			r.mu.Lock()
			r.out.Write(b)
			r.out.WriteByte('\n')
			r.mu.Unlock()
			v.logFile.Write(append(b, '\n'))
			var l soakLine
			if json.Unmarshal(b, &l) == nil {
				select {
				case r.lines <- l:
				default:
				}
			}
		}
		io.Copy(io.Discard, stderr)
		cmd.Wait()
		close(r.lines)
		close(r.exited)
	}()
	return nil
}

// appliedTip returns the highest height the run logged as caught up to
// ("at node tip"), -1 if none; after a kill it is where the daemon had got
// to, whatever the crash image kept.
func (v *victim) appliedTip() int64 {
	r := v.run()
	for {
		select {
		case l, ok := <-r.lines:
			if !ok {
				return r.atTip
			}
			r.note(l)
		default:
			return r.atTip
		}
	}
}

func (r *victimRun) note(l soakLine) {
	if l.Message == "at node tip" && l.Height > r.atTip {
		r.atTip = l.Height
	}
}

// waitReady waits until the REST API listens (the replay state and the
// zonefile store are open by then), noting both addresses.
func (v *victim) waitReady(within time.Duration) error {
	r := v.run()
	deadline := time.After(within)
	for {
		select {
		case l, ok := <-r.lines:
			if !ok {
				return fmt.Errorf("atlasd exited during start-up:\n%s", tail(r.output(), 10))
			}
			r.note(l)
			switch l.Message {
			case "Atlas peer listening":
				v.atlas = l.Listen
			case "REST API, /metrics and /healthz listening":
				v.api = strings.TrimPrefix(l.Addr, "http://")
				return nil
			}
		case <-deadline:
			return fmt.Errorf("atlasd not ready within %v:\n%s", within, tail(r.output(), 10))
		}
	}
}

// kill sends SIGKILL to the current run and waits for it to be gone.
func (v *victim) kill() { v.run().kill() }

// kill sends SIGKILL and waits for the process to be gone. Timers hold the
// run rather than the victim, so a late one cannot kill the next run.
func (r *victimRun) kill() {
	r.mu.Lock()
	if r.killed {
		r.mu.Unlock()
		<-r.exited
		return
	}
	r.killed = true
	r.mu.Unlock()
	r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.exited
	r.http.CloseIdleConnections()
}

// wasKilled reports whether kill has been called on the current run.
func (v *victim) wasKilled() bool {
	r := v.run()
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.killed
}

// diedOfKill reports whether the current run, which must have exited,
// was ended by SIGKILL rather than by itself.
func (v *victim) diedOfKill() bool {
	r := v.run()
	<-r.exited
	ws, ok := r.cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// exited is closed when the current run's process is gone.
func (v *victim) exited() <-chan struct{} { return v.run().exited }

// stop asks for a clean shutdown, which must exit 0.
func (v *victim) stop() error {
	r := v.run()
	r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(30 * time.Second):
		v.kill()
		return errors.New("atlasd did not stop within 30 s of SIGTERM")
	}
	if code := r.cmd.ProcessState.ExitCode(); code != 0 {
		return fmt.Errorf("atlasd exited %d after SIGTERM:\n%s", code, tail(r.output(), 10))
	}
	return nil
}

func (r *victimRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// badLog matches what must never appear in a restarted daemon's log: a
// panic or runtime fatal error, anything about corruption, and error-level
// lines.
var badLog = regexp.MustCompile(`(?i)panic|fatal error|corrupt|"level":"(error|fatal)"`)

// logProblems returns the offending lines of the current run's log, and
// its warnings (reported, not failed on).
func (v *victim) logProblems() (bad, warns []string) {
	for _, l := range strings.Split(v.run().output(), "\n") {
		switch {
		case badLog.MatchString(l):
			bad = append(bad, l)
		case strings.Contains(l, `"level":"warn"`):
			warns = append(warns, l)
		}
	}
	return bad, warns
}

// getJSON reads a REST endpoint into out.
func (v *victim) getJSON(path string, out any) error {
	resp, err := v.run().http.Get("http://" + v.api + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, out)
}

// atlasClient is a v1 peer's client for the run's Atlas port, on the
// run's connections (closed when it is killed).
func (v *victim) atlasClient() (*peers.Client, error) {
	return peers.NewClient(v.atlas, peers.ClientConfig{Transport: v.run().http.Transport})
}

// soakInfo is the part of /v1/info the soak reads.
type soakInfo struct {
	Height  int64 `json:"last_block_processed"`
	Present int   `json:"zonefiles_present"`
	Total   int   `json:"zonefiles_total"`
}

func (v *victim) info() (soakInfo, error) {
	var in soakInfo
	err := v.getJSON("/v1/info", &in)
	return in, err
}

// postZonefile offers a zonefile through POST /v1/zonefile; it reports
// whether the daemon answered 200.
func (v *victim) postZonefile(zf []byte) (bool, error) {
	resp, err := v.run().http.Post("http://"+v.api+"/v1/zonefile", "application/octet-stream", bytes.NewReader(zf))
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK, nil
}
