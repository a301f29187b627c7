package host

import (
	"os/exec"
	"syscall"
)

// setDeathSignal has the kernel SIGKILL the plugin when the thread that
// started it ends, which (see supervise) is when the host's process dies,
// however it dies. Without it a daemon killed with SIGKILL or by the OOM
// killer leaves its plugins running: go-plugin servers ignore SIGINT and
// never notice that their host has gone.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
