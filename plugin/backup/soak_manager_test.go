//go:build soak

package backup

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/go-plugin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"
)

// The plugin-fault soak runs the manager in a process of its own, this test
// binary started again with soakChildEnv naming a managerConfig file, so
// that it can be killed with SIGKILL like a daemon that crashes: its
// process state is lost and only the queue on disk remains. It talks over
// stdin and stdout, one line per command and per answer:
//
//	enqueue <hash> <hash> …   →  ok | err <message>
//	status                    →  status <managerReport as JSON>
//
// The process prints "ready" once Run has started, and stops cleanly on
// SIGTERM or at the end of stdin.
const soakChildEnv = "ATLASD_SOAK_BACKUP_CHILD"

// managerConfig is what the soak passes to a manager process.
type managerConfig struct {
	QueueDir    string        `json:"queue_dir"`
	NodeDir     string        `json:"node_dir"` // the node's zonefiles, one file per hash
	Log         string        `json:"log"`
	Drivers     []Spec        `json:"drivers"`
	Concurrency int           `json:"concurrency"`
	CallTimeout time.Duration `json:"call_timeout"`
	MinRetry    time.Duration `json:"min_retry"`
	MaxRetry    time.Duration `json:"max_retry"`
	Plugin      PluginTuning  `json:"plugin"`
}

// managerReport is a manager process's answer to "status".
type managerReport struct {
	Status []DriverStatus `json:"status"`
	// Metrics holds every gathered series as "name{driver}" → value.
	Metrics map[string]float64 `json:"metrics"`
}

// TestPluginFaultsManagerProcess is not a test of its own: it is the body of
// the manager process TestSoakPluginFaults starts, stops and kills.
func TestPluginFaultsManagerProcess(t *testing.T) {
	path := os.Getenv(soakChildEnv)
	if path == "" {
		t.Skip("the manager process of TestSoakPluginFaults; runs only when started by it")
	}
	if err := runManagerProcess(path); err != nil {
		fmt.Fprintf(os.Stderr, "manager process: %v\n", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// dirSource is the node's zonefile store as files named by hash.
type dirSource string

func (d dirSource) Zonefile(_ context.Context, h Hash) ([]byte, error) {
	data, err := os.ReadFile(filepath.Join(string(d), h.String()))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotHeld
	}
	return data, err
}

func runManagerProcess(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var mc managerConfig
	if err := json.Unmarshal(raw, &mc); err != nil {
		return err
	}
	logFile, err := os.OpenFile(mc.Log, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer logFile.Close()
	reg := prometheus.NewRegistry()
	cfg := Config{
		Dir:         mc.QueueDir,
		Drivers:     mc.Drivers,
		Source:      dirSource(mc.NodeDir),
		Logger:      zerolog.New(logFile).Level(zerolog.DebugLevel).With().Timestamp().Logger(),
		Registerer:  reg,
		Concurrency: mc.Concurrency,
		CallTimeout: mc.CallTimeout,
		MinRetry:    mc.MinRetry,
		MaxRetry:    mc.MaxRetry,
		Plugin:      mc.Plugin,
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	m, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	runCtx, cancelRun := context.WithCancel(ctx)
	ran := make(chan error, 1)
	go func() { ran <- m.Run(runCtx) }()
	out := bufio.NewWriter(os.Stdout)
	say := func(line string) {
		out.WriteString(line + "\n")
		out.Flush()
	}
	say("ready")

	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(os.Stdin)
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	for done := false; !done; {
		select {
		case <-ctx.Done():
			done = true
		case line, ok := <-lines:
			if !ok {
				done = true
				break
			}
			say(answer(ctx, m, reg, line))
		}
	}
	cancelRun()
	runErr := <-ran
	// As the daemon does on its way out.
	plugin.CleanupClients()
	return errors.Join(runErr, m.Close())
}

// answer carries out one command.
func answer(ctx context.Context, m *Manager, reg *prometheus.Registry, line string) string {
	f := strings.Fields(line)
	switch {
	case len(f) > 1 && f[0] == "enqueue":
		hashes := make([]Hash, 0, len(f)-1)
		for _, s := range f[1:] {
			h, err := ParseHash(s)
			if err != nil {
				return "err " + err.Error()
			}
			hashes = append(hashes, h)
		}
		if err := m.Enqueue(ctx, hashes...); err != nil {
			return "err " + err.Error()
		}
		return "ok"
	case len(f) == 1 && f[0] == "status":
		rep := managerReport{Status: m.Status(), Metrics: map[string]float64{}}
		mfs, err := reg.Gather()
		if err != nil {
			return "err " + err.Error()
		}
		for _, mf := range mfs {
			for _, s := range mf.GetMetric() {
				name := mf.GetName()
				for _, l := range s.GetLabel() {
					if l.GetName() == "driver" {
						name += "{" + l.GetValue() + "}"
					}
				}
				switch {
				case s.GetCounter() != nil:
					rep.Metrics[name] = s.GetCounter().GetValue()
				case s.GetGauge() != nil:
					rep.Metrics[name] = s.GetGauge().GetValue()
				}
			}
		}
		js, err := json.Marshal(rep)
		if err != nil {
			return "err " + err.Error()
		}
		return "status " + string(js)
	}
	return "err unknown command " + line
}

// managerProc is a running manager process, seen from the soak.
type managerProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	exited chan struct{}
	err    error // Wait's result, set before exited is closed
	stderr *syncBuffer
}

// startManager starts a manager process for mc and waits for "ready".
func startManager(t *testing.T, mc managerConfig) *managerProc {
	t.Helper()
	raw, err := json.Marshal(mc)
	if err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(t.TempDir(), "manager.json")
	if err := os.WriteFile(cfgPath, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &managerProc{lines: make(chan string, 16), exited: make(chan struct{}), stderr: &syncBuffer{}}
	p.cmd = exec.Command(exe, "-test.run=^TestPluginFaultsManagerProcess$", "-test.count=1")
	p.cmd.Env = append(os.Environ(), soakChildEnv+"="+cfgPath)
	p.cmd.Stderr = p.stderr
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stdout)
		sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		p.err = p.cmd.Wait()
		close(p.exited)
	}()
	if line, err := p.next(60 * time.Second); err != nil || line != "ready" {
		p.kill()
		t.Fatalf("manager process did not get ready: %q, %v; stderr:\n%s", line, err, p.stderr.String())
	}
	return p
}

// next returns the process's next line of output.
func (p *managerProc) next(timeout time.Duration) (string, error) {
	select {
	case line := <-p.lines:
		return line, nil
	case <-p.exited:
		return "", fmt.Errorf("manager process exited: %v", p.err)
	case <-time.After(timeout):
		return "", fmt.Errorf("manager process silent for %v", timeout)
	}
}

// ask sends one command and returns the answer.
func (p *managerProc) ask(cmd string, timeout time.Duration) (string, error) {
	if _, err := io.WriteString(p.stdin, cmd+"\n"); err != nil {
		return "", fmt.Errorf("manager process: %w", err)
	}
	return p.next(timeout)
}

// enqueue announces hashes; nil means the manager has them durably.
func (p *managerProc) enqueue(hashes []Hash) error {
	var b strings.Builder
	b.WriteString("enqueue")
	for _, h := range hashes {
		b.WriteString(" " + h.String())
	}
	line, err := p.ask(b.String(), 20*time.Second)
	if err != nil {
		return err
	}
	if line != "ok" {
		return fmt.Errorf("enqueue: %s", line)
	}
	return nil
}

// report asks for the manager's status and metrics.
func (p *managerProc) report() (managerReport, error) {
	var rep managerReport
	line, err := p.ask("status", 20*time.Second)
	if err != nil {
		return rep, err
	}
	js, ok := strings.CutPrefix(line, "status ")
	if !ok {
		return rep, fmt.Errorf("status: %s", line)
	}
	return rep, json.Unmarshal([]byte(js), &rep)
}

// stop sends SIGTERM and waits for a clean exit; it returns how long that
// took, or an error if the process exited badly or not within limit.
func (p *managerProc) stop(limit time.Duration) (time.Duration, error) {
	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, err
	}
	select {
	case <-p.exited:
		if p.err != nil {
			return time.Since(start), fmt.Errorf("manager process exited with %v; stderr:\n%s", p.err, p.stderr.String())
		}
		return time.Since(start), nil
	case <-time.After(limit):
		p.kill()
		return time.Since(start), fmt.Errorf("manager process still running %v after SIGTERM (killed); stderr:\n%s", limit, p.stderr.String())
	}
}

// kill ends the process with SIGKILL: a crash, as abrupt as it gets.
func (p *managerProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}
