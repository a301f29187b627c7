package regtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Pause freezes btcd with SIGSTOP: connections are accepted by the kernel
// but never answered, like a node stuck on a lock, so clients see timeouts
// rather than refusals. Resume undoes it.
func (n *Node) Pause() error { return n.signal(syscall.SIGSTOP, true) }

// Resume continues a node frozen by Pause.
func (n *Node) Resume() error { return n.signal(syscall.SIGCONT, false) }

func (n *Node) signal(sig syscall.Signal, pause bool) error {
	n.procMu.Lock()
	defer n.procMu.Unlock()
	if n.proc == nil {
		return errors.New("regtest: btcd is not running")
	}
	if err := n.proc.cmd.Process.Signal(sig); err != nil {
		return fmt.Errorf("regtest: signal btcd: %w", err)
	}
	n.paused = pause
	if pause {
		// SIGSTOP takes effect asynchronously; a request sent right
		// after kill(2) could still be served.
		return waitStopped(n.proc.cmd.Process.Pid)
	}
	return nil
}

// waitStopped polls /proc until every thread of the process is in state T
// (stopped). Where /proc is missing it falls back to a short sleep.
func waitStopped(pid int) error {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		tasks, err := os.ReadDir(dir)
		if err != nil {
			time.Sleep(100 * time.Millisecond)
			return nil
		}
		stopped := 0
		for _, task := range tasks {
			b, err := os.ReadFile(filepath.Join(dir, task.Name(), "stat"))
			// The state follows the parenthesised command name.
			if i := bytes.LastIndexByte(b, ')'); err == nil && i >= 0 && i+2 < len(b) && b[i+2] == 'T' {
				stopped++
			}
		}
		if stopped == len(tasks) {
			return nil
		}
		time.Sleep(time.Millisecond)
	}
	return errors.New("regtest: btcd did not stop on SIGSTOP")
}

// unpause resumes a paused btcd, which could neither answer the snapshot
// calls nor handle an interrupt while frozen.
func (n *Node) unpause() {
	n.procMu.Lock()
	paused := n.paused
	n.procMu.Unlock()
	if paused {
		_ = n.Resume()
	}
}
