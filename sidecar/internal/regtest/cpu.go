package regtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of /proc/<pid>/stat's CPU times. Linux has reported
// them in USER_HZ = 100 on every architecture Go supports for years.
const clockTick = 10 * time.Millisecond

// CPUTime returns the user plus system CPU time btcd has used so far, read
// from /proc. Benchmarks use it to tell how much of a fetch's cost is the
// node's own work, which no client-side pipeline can hide when the node
// shares the machine's cores.
func (n *Node) CPUTime() (time.Duration, error) {
	n.procMu.Lock()
	var pid int
	if n.proc != nil {
		pid = n.proc.cmd.Process.Pid
	}
	n.procMu.Unlock()
	if pid == 0 {
		return 0, errors.New("regtest: btcd is not running")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("regtest: btcd cpu time: %w", err)
	}
	// Fields after the parenthesised command name: state is field 3, so
	// utime and stime (fields 14 and 15) are the 12th and 13th after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("regtest: btcd cpu time: malformed /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0, errors.New("regtest: btcd cpu time: short /proc stat")
	}
	var ticks int64
	for _, s := range f[11:13] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("regtest: btcd cpu time: %w", err)
		}
		ticks += v
	}
	return time.Duration(ticks) * clockTick, nil
}
