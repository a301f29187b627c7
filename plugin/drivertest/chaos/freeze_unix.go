//go:build unix

package chaos

import (
	"os"
	"syscall"
)

// freezeSelf stops the process as a debugger or a stuck kernel call would:
// every thread halts, sockets stay open, and only SIGKILL (or SIGCONT) ends
// it.
func freezeSelf() { _ = syscall.Kill(os.Getpid(), syscall.SIGSTOP) }
