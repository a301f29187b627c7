package host

import "time"

// stopGrace is how long a plugin gets to exit after being asked to at
// shutdown before it is killed.
const stopGrace = 5 * time.Second

// kill ends a process that exited, hung or became unreachable. The process
// is killed outright first: go-plugin's Kill asks the plugin to shut down
// and waits for the answer with no deadline, which a stopped or frozen
// process never gives, and nothing is gained by asking a broken one.
func (inst *instance) kill() {
	if inst.proc != nil {
		_ = inst.proc.Kill()
	}
	inst.client.Kill()
}

// stop ends a healthy process at shutdown: go-plugin asks it to exit, and
// it is killed if it has not within stopGrace, so that a plugin that hangs
// cannot hold up the daemon's exit.
func (inst *instance) stop() {
	done := make(chan struct{})
	go func() {
		defer close(done)
		inst.client.Kill()
	}()
	t := time.NewTimer(stopGrace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		if inst.proc != nil {
			_ = inst.proc.Kill()
		}
		<-done
	}
}
