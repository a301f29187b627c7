//go:build unix

package chaos

import (
	"os"
	"syscall"
)

// freezeSelf stops the process as a debugger or a stuck kernel call would:
// every thread halts, sockets stay open, and only SIGKILL (or SIGCONT) ends
// it. The stop reaches the threads asynchronously, and the calling one may
// run on for a moment, long enough to answer its call; so it blocks too.
func freezeSelf() {
	_ = syscall.Kill(os.Getpid(), syscall.SIGSTOP)
	select {}
}
