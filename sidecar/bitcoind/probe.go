package bitcoind

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"
)

// probeAfter is how long a call may go unanswered before the client checks
// whether anything listens at the node's address. rpcclient's HTTP POST mode
// retries a refused connection ten times over about 22 s before it reports
// anything, so without the probe a stopped node looks like a slow one for
// that long and every pooled connection is tied up meanwhile.
const probeAfter = time.Second

// refused reports whether a TCP connection to host is actively refused now:
// the node is not running (or not listening yet). A dial that times out or
// succeeds says nothing conclusive and is not a refusal.
func refused(ctx context.Context, host string) (bool, error) {
	d := net.Dialer{Timeout: time.Second}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err == nil {
		conn.Close()
		return false, nil
	}
	if errors.Is(err, syscall.ECONNREFUSED) {
		return true, err
	}
	return false, nil
}

// await waits for done, probing the node's port every probeAfter while it
// waits. It returns nil once done fires, the refusal when the node stopped
// listening, or ctx's error.
func (c *Client) await(ctx context.Context, done <-chan struct{}) error {
	t := time.NewTimer(probeAfter)
	defer t.Stop()
	for {
		select {
		case <-done:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if gone, err := refused(ctx, c.cfg.Host); gone {
				return err
			}
			t.Reset(probeAfter)
		}
	}
}
