package host

import (
	"context"
	"errors"
	"fmt"

	"github.com/atlasd/atlasd/plugin/driver"
)

// check probes inst after a call to it timed out, and returns why it must
// be replaced, or "" if it answered. Describe is the probe because it goes
// through the driver itself: go-plugin's own health service keeps answering
// when the driver is deadlocked. An error answer is still an answer: the
// process is alive, and restarting it would not make the error go away.
func (h *Host) check(ctx context.Context, inst *instance) string {
	pctx, cancel := context.WithTimeout(ctx, h.cfg.ProbeTimeout)
	defer cancel()
	_, err := inst.drv.Describe(pctx)
	switch {
	case ctx.Err() != nil:
		return "" // shutting down; watch says so next
	case errors.Is(err, driver.ErrPluginShutdown):
		return "unreachable during a probe"
	case err != nil && pctx.Err() != nil:
		return fmt.Sprintf("did not answer a probe within %v after a call timed out; hung", h.cfg.ProbeTimeout)
	}
	h.log.Debug().AnErr("probe_error", err).Int("pid", inst.pid).Msg("a call to the driver timed out; the driver still answers")
	return ""
}
