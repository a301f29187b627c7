package regtest

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Timeouts for the btcd process. Start covers a cold start with index
// creation on a slow CI box; stop covers btcd flushing its UTXO cache.
const (
	startTimeout = 60 * time.Second
	stopTimeout  = 30 * time.Second
	pollInterval = 25 * time.Millisecond
)

// process is one run of btcd; a Node goes through several across restarts.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed once cmd.Wait returns
	err  error         // cmd.Wait's result, valid after done
}

// freePort asks the kernel for an unused loopback port. Another process may
// grab it before btcd binds it; launch retries with fresh ports when that
// happens on the first start.
func freePort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("regtest: free port: %w", err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("regtest: free port: %w", err)
	}
	return addr, nil
}

// args builds btcd's command line. Every location is explicit so nothing is
// read from or written to ~/.btcd.
func (n *Node) args() []string {
	a := []string{
		"--regtest",
		"--datadir=" + filepath.Join(n.dir, "data"),
		"--logdir=" + filepath.Join(n.dir, "logs"),
		"--configfile=" + filepath.Join(n.dir, "btcd.conf"),
		"--listen=" + n.p2pAddr,
		"--rpclisten=" + n.rpcAddr,
		"--rpcuser=" + n.user,
		"--rpcpass=" + n.pass,
		"--notls",
		"--miningaddr=" + n.keys[0].addr.EncodeAddress(),
		"--nodnsseed",
		"--debuglevel=info",
		// The default 250 MiB cache is preallocated at every start; a
		// regtest chain needs a sliver of it.
		"--utxocachemaxsize=8",
	}
	txindex := true
	for _, e := range n.extraArgs {
		if e == NoTxIndex {
			txindex = false
			continue
		}
		a = append(a, e)
	}
	if txindex {
		a = append(a, "--txindex")
	}
	return a
}

// NoTxIndex, passed to Start among the extra arguments, runs btcd without
// its transaction index, like a bitcoind without txindex=1.
const NoTxIndex = "--atlasd-no-txindex"

// launch starts btcd and waits until its RPC server answers.
func (n *Node) launch() error {
	out, err := os.OpenFile(n.stdoutPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("regtest: btcd output file: %w", err)
	}
	cmd := exec.Command(n.bin, n.args()...)
	cmd.Stdout = out
	cmd.Stderr = out
	if err := cmd.Start(); err != nil {
		out.Close()
		return fmt.Errorf("regtest: start btcd: %w", err)
	}
	p := &process{cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		out.Close()
		close(p.done)
	}()
	n.proc, n.paused = p, false
	if err := n.waitReady(p); err != nil {
		n.killLocked()
		return err
	}
	return nil
}

// waitReady polls getblockcount with a short-timeout HTTP client: the
// rpcclient would retry a refused connection for 20+ seconds per call.
func (n *Node) waitReady(p *process) error {
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-p.done:
			return fmt.Errorf("regtest: btcd exited during start (%v); output:\n%s", p.err, n.outputTail(30))
		default:
		}
		if _, err := n.rawCall("getblockcount"); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("regtest: btcd RPC not ready after %v; output:\n%s", startTimeout, n.outputTail(30))
		}
		time.Sleep(pollInterval)
	}
}

// stopLocked interrupts btcd, which makes it flush its caches and close the
// database as on a clean shutdown, and kills it if it does not exit in time.
func (n *Node) stopLocked() error {
	p := n.proc
	if p == nil {
		return nil
	}
	n.proc = nil
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("regtest: interrupt btcd: %w", err)
	}
	select {
	case <-p.done:
		return exitError(p)
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("regtest: btcd ignored interrupt for %v and was killed", stopTimeout)
	}
}

// killLocked ends btcd without letting it flush, like a power cut.
func (n *Node) killLocked() {
	p := n.proc
	if p == nil {
		return
	}
	n.proc = nil
	_ = p.cmd.Process.Kill()
	<-p.done
}

// exitError reports a non-clean exit; btcd exits 0 on interrupt.
func exitError(p *process) error {
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return fmt.Errorf("regtest: btcd died by signal %v", ws.Signal())
		}
		return fmt.Errorf("regtest: btcd exited with status %d", ee.ExitCode())
	}
	if p.err != nil {
		return fmt.Errorf("regtest: btcd wait: %w", p.err)
	}
	return nil
}

func (n *Node) stdoutPath() string { return filepath.Join(n.dir, "btcd.out") }

// outputTail returns the last lines btcd wrote, for error messages.
func (n *Node) outputTail(lines int) string {
	b, err := os.ReadFile(n.stdoutPath())
	if err != nil {
		return "(no output: " + err.Error() + ")"
	}
	b = bytes.TrimRight(b, "\n")
	all := strings.Split(string(b), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}
