//go:build soak

package daemon_test

import (
	"fmt"
	"math/rand"
	"testing"
	"time"

	"github.com/atlasd/atlasd/internal/soakreport"
)

// TestSoakNodeOutage stops btcd (and its ZMQ publisher, which lives in the
// same process in bitcoind) for ATLASD_SOAK_OUTAGE (default 60 s),
// ATLASD_SOAK_NODE_OUTAGES times (default 3), then starts it again. While
// the node is away the daemon must keep answering its API from the replay
// state and log that the node is unreachable; once it is back, blocks with
// name updates mined on it must be applied and the state must equal a
// fresh replay, with every zonefile put so far still served.
func TestSoakNodeOutage(t *testing.T) {
	outage := soakDuration(t, "ATLASD_SOAK_OUTAGE", 60*time.Second)
	count := soakInt(t, "ATLASD_SOAK_NODE_OUTAGES", 3)
	start := time.Now()
	n, pub, d, pl := startOutageWorld(t, true, time.Second, "outage0000", 3)

	row := soakreport.Row{Area: "outage", Scenario: fmt.Sprintf("btcd stopped %v, restarted", outage)}
	var served, logged int
	var down, resume, zmqBack []time.Duration
	defer func() {
		row.Duration = time.Since(start)
		row.Notes = fmt.Sprintf("down %v; API answered %d requests while down; %d node-unreachable warnings; "+
			"new blocks applied %v after restart, ZMQ back after %v; %d blocks, %d ops, %d zonefiles",
			roundDurations(down), served, logged, roundDurations(resume), roundDurations(zmqBack), pl.blocks, pl.ops, len(pl.zonefiles))
		soakreport.Record(t, row)
	}()

	for i := 0; i < count; i++ {
		h, _ := d.Machine().Tip()
		mark, errs := d.log.mark(), d.FollowStats().Errors.Load()
		row.Tried++
		if err := n.Stop(); err != nil {
			t.Fatal(err)
		}
		pub.Close()
		t0 := time.Now()
		// The outage lasts its set length, and at least until the daemon
		// has said the node is unreachable (rpcclient's own retries delay
		// that by about 22 s).
		warned := 0
		for time.Since(t0) < outage || warned == 0 {
			if time.Since(t0) > outage+90*time.Second {
				t.Fatalf("outage %d: no node-unreachable warning in %v; %d sync errors counted", i,
					time.Since(t0).Round(time.Second), d.FollowStats().Errors.Load()-errs)
			}
			served += d.servesWhileDown(t, h, pl.names[i%len(pl.names)])
			time.Sleep(time.Second)
			warned = 0
			for _, l := range d.log.find(mark, "node sync failed; retrying") {
				if logErrHas(l, "node unreachable") {
					warned++
				}
			}
		}
		if got, _ := d.Machine().Tip(); got != h {
			t.Fatalf("outage %d: replay moved from %d to %d with the node down", i, h, got)
		}
		if d.FollowStats().Errors.Load() == errs {
			t.Fatalf("outage %d: %d warnings but no sync error counted", i, warned)
		}
		logged += warned
		if err := n.Restart(); err != nil {
			t.Fatal(err)
		}
		if err := pub.Restart(); err != nil {
			t.Fatal(err)
		}
		down = append(down, time.Since(t0))
		// Blocks mined at once are found by the poll; ZMQ comes back on
		// the subscriber's own redial schedule.
		t1 := time.Now()
		pl.updates()
		pl.mine(1+i%3, 90*time.Second)
		resume = append(resume, time.Since(t1))
		pub.WaitSubscribers("hashblock", 1, 90*time.Second)
		zmqBack = append(zmqBack, time.Since(t1))
		if err := diffFreshReplay(t, n, d.Machine()); err != nil {
			row.Lost++
			t.Fatalf("outage %d: %v", i, err)
		}
		if err := pl.checkZonefiles(); err != nil {
			row.Lost++
			t.Fatalf("outage %d: %v", i, err)
		}
		row.Survived++
	}
}

// TestSoakNodeKill kills btcd with SIGKILL while the daemon is catching up
// on blocks mined while it was stopped, ATLASD_SOAK_NODE_KILLS times
// (default 5). The daemon must keep serving, retry, and once btcd is back
// (with its chain, as bitcoind's is on disk) finish the catch-up to a state
// equal to a fresh replay.
func TestSoakNodeKill(t *testing.T) {
	count := soakInt(t, "ATLASD_SOAK_NODE_KILLS", 5)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	start := time.Now()
	n, pub, d, pl := startOutageWorld(t, true, 200*time.Millisecond, "killnode00", 2)
	// A short RPC timeout, unlike the stop scenario: calls to the dead
	// node time out (and are retried) before rpcclient's own retries end.
	cfg := d.cfg
	cfg.Bitcoind.RPCTimeout = 2 * time.Second

	row := soakreport.Row{Area: "outage", Scenario: "btcd kill -9 mid catch-up"}
	var at []string
	var down []time.Duration
	behind, attempts, rollbacks := 400, 0, int64(0)
	defer func() {
		row.Duration = time.Since(start)
		row.Notes = fmt.Sprintf("killed at (applied/target) %v after %d tries; down %v; catch-ups of %d blocks; "+
			"%d rollbacks while btcd resubmitted its chain; %d blocks, %d ops, %d zonefiles",
			at, attempts, roundDurations(down), behind, rollbacks, pl.blocks, pl.ops, len(pl.zonefiles))
		soakreport.Record(t, row)
	}()

	for row.Tried < count {
		attempts++
		if attempts > 4*count {
			t.Fatalf("only %d of %d kills landed mid catch-up in %d tries", row.Tried, count, attempts)
		}
		// Stop the daemon, let the node run ahead with name updates in its
		// first block, and start the daemon again on the same data.
		from, _ := d.Machine().Tip()
		pl.updates()
		d.stop()
		pl.mineQuiet(behind)
		_, target, err := n.BestBlock()
		if err != nil {
			t.Fatal(err)
		}
		d = startLogged(t, cfg)
		pl.d = d
		// Kill as soon as the catch-up is under way, at a random point of
		// its first part.
		goal := from + 1 + rng.Int63n(int64(target)-from-1)/4
		soakWaitFor(t, "catch-up under way", time.Minute, func() bool {
			h, _ := d.Machine().Tip()
			return h >= goal
		})
		h, _ := d.Machine().Tip()
		if h >= int64(target) {
			behind *= 2 // too fast for this machine: give it more to do
			pl.caughtUp(time.Minute)
			continue
		}
		mark := d.log.mark()
		if err := n.Kill(); err != nil {
			t.Fatal(err)
		}
		pub.Close()
		row.Tried++
		t0 := time.Now()
		at = append(at, fmt.Sprintf("%d/%d", h-from, int64(target)-from))
		soakWaitFor(t, "a retry logged", 30*time.Second, func() bool {
			return len(d.log.find(mark, "node sync failed; retrying")) > 0
		})
		time.Sleep(time.Duration(rng.Intn(2000)) * time.Millisecond)
		stuck, _ := d.Machine().Tip()
		d.servesWhileDown(t, stuck, pl.names[0])
		if err := n.Restart(); err != nil {
			t.Fatal(err)
		}
		if err := pub.Restart(); err != nil {
			t.Fatal(err)
		}
		down = append(down, time.Since(t0))
		pl.caughtUp(2 * time.Minute)
		rollbacks += d.FollowStats().Reorgs.Load()
		if err := diffFreshReplay(t, n, d.Machine()); err != nil {
			row.Lost++
			t.Fatalf("kill %d: %v", row.Tried, err)
		}
		if err := pl.checkZonefiles(); err != nil {
			row.Lost++
			t.Fatalf("kill %d: %v", row.Tried, err)
		}
		row.Survived++
	}
}

func roundDurations(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(100 * time.Millisecond)
	}
	return out
}
