//go:build !linux

package host

import "os/exec"

// setDeathSignal does nothing here: only Linux can tie a child's life to
// its parent's. A daemon that dies without stopping its plugins leaves
// them running.
func setDeathSignal(*exec.Cmd) {}
