//go:build soak

package daemon_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/atlasd/atlasd/internal/soakreport"
	"github.com/atlasd/atlasd/sidecar/internal/zmqpub"
	"github.com/atlasd/atlasd/sidecar/zmqsub"
)

// TestSoakZMQSilence makes the ZMQ publisher go silent (socket open,
// nothing sent, counters still advancing, as with bitcoin/bitcoin#12754)
// for ATLASD_SOAK_OUTAGE (default 60 s), ATLASD_SOAK_ZMQ_SILENCES times
// (default 2), while blocks with name updates are mined every few seconds.
// The poll must keep the daemon at the tip with no wake-up arriving; when
// the publisher speaks again the counter gap must be detected and logged
// with the number of messages lost, and wake the follower.
func TestSoakZMQSilence(t *testing.T) {
	silence := soakDuration(t, "ATLASD_SOAK_OUTAGE", 60*time.Second)
	count := soakInt(t, "ATLASD_SOAK_ZMQ_SILENCES", 2)
	start := time.Now()
	n, pub, d, pl := startOutageWorld(t, true, time.Second, "zmqsilent0", 2)

	row := soakreport.Row{Area: "outage", Scenario: fmt.Sprintf("ZMQ publisher silent %v", silence)}
	var lengths []time.Duration
	var lostMsgs []int
	defer func() {
		row.Duration = time.Since(start)
		row.Notes = fmt.Sprintf("silent %v; blocks found by the 1 s poll meanwhile %v; gaps detected with %v messages lost; %d blocks, %d ops, %d zonefiles",
			roundDurations(lengths), lostMsgs, lostMsgs, pl.blocks, pl.ops, len(pl.zonefiles))
		soakreport.Record(t, row)
	}()

	for i := 0; i < count; i++ {
		row.Tried++
		mark := d.log.mark()
		wakes, gaps := d.FollowStats().Wakeups.Load(), d.metric(t, "atlasd_zmq_gaps_total")
		pub.SetSilent(true)
		t0 := time.Now()
		sent := 0
		for time.Since(t0) < silence {
			// Each block is announced into the void: the publisher counts
			// it and sends nothing, so only the poll can find it.
			pl.updates()
			pl.mine(1, 15*time.Second)
			sent++
			time.Sleep(4 * time.Second)
		}
		lengths = append(lengths, time.Since(t0))
		if silence < zmqsub.DefaultSilence {
			if w := d.FollowStats().Wakeups.Load(); w != wakes {
				t.Fatalf("silence %d: %d wake-ups while the publisher sent nothing", i, w-wakes)
			}
		}
		pub.SetSilent(false)
		pl.mine(1, 15*time.Second)
		soakWaitFor(t, "gap detected", 10*time.Second, func() bool {
			return d.metric(t, "atlasd_zmq_gaps_total") == gaps+1 && d.FollowStats().Wakeups.Load() > wakes
		})
		lost := d.log.find(mark, "zmq messages lost")
		if len(lost) != 1 || lost[0]["lost"] != float64(sent) {
			t.Fatalf("silence %d: gap log %v, want one with lost=%d", i, lost, sent)
		}
		lostMsgs = append(lostMsgs, sent)
		if err := diffFreshReplay(t, n, d.Machine()); err != nil {
			row.Lost++
			t.Fatalf("silence %d: %v", i, err)
		}
		if err := pl.checkZonefiles(); err != nil {
			row.Lost++
			t.Fatalf("silence %d: %v", i, err)
		}
		row.Survived++
	}
}

// TestSoakZMQRestart restarts the ZMQ publisher (a new socket on the same
// address, counters back at zero, as when bitcoind restarts)
// ATLASD_SOAK_ZMQ_RESTARTS times (default 10), half of them after staying
// away while blocks were mined. The daemon polls once an hour, so only
// wake-ups can move it: the reconnection must wake the follower for the
// blocks it missed, the counter reset must be logged, and a notification
// dropped afterwards must show as a gap that wakes it again.
func TestSoakZMQRestart(t *testing.T) {
	count := soakInt(t, "ATLASD_SOAK_ZMQ_RESTARTS", 10)
	start := time.Now()
	n, pub, d, pl := startOutageWorld(t, true, time.Hour, "zmqrestart", 2)

	row := soakreport.Row{Area: "outage", Scenario: "ZMQ publisher restarted"}
	var away []time.Duration
	var missed, resets, gaps int
	defer func() {
		row.Duration = time.Since(start)
		row.Notes = fmt.Sprintf("away %v; %d blocks mined while away, each caught by the reconnect wake-up (poll 1 h); %d resets logged, %d gaps detected; %d blocks, %d ops, %d zonefiles",
			roundDurations(away), missed, resets, gaps, pl.blocks, pl.ops, len(pl.zonefiles))
		soakreport.Record(t, row)
	}()

	for i := 0; i < count; i++ {
		row.Tried++
		mark := d.log.mark()
		wakes, g0, rc0 := d.FollowStats().Wakeups.Load(), d.metric(t, "atlasd_zmq_gaps_total"), d.metric(t, "atlasd_zmq_reconnects_total")
		t0 := time.Now()
		if i%2 == 1 {
			// Away while the node mines: nobody hears of these blocks.
			pub.Close()
			pl.updates()
			pl.quiet = true
			pl.mineQuiet(1 + i%3)
			pl.quiet = false
			missed += 1 + i%3
			time.Sleep(time.Duration(i%4) * 500 * time.Millisecond)
		}
		if err := pub.Restart(); err != nil {
			t.Fatal(err)
		}
		pub.WaitSubscribers(zmqpub.TopicHashBlock, 1, 60*time.Second)
		away = append(away, time.Since(t0))
		// The reconnection alone brings the follower to the tip.
		pl.caughtUp(30 * time.Second)
		soakWaitFor(t, "reconnect counted", 10*time.Second, func() bool {
			return d.metric(t, "atlasd_zmq_reconnects_total") > rc0 && d.FollowStats().Wakeups.Load() > wakes
		})
		// The first message after the restart has counter 0.
		pl.updates()
		pl.mine(1, 30*time.Second)
		if len(d.log.find(mark, "zmq counter went back, publisher restarted")) != 1 {
			t.Fatalf("restart %d: counter reset not logged once", i)
		}
		resets++
		// A dropped notification: the next one shows the gap and its
		// wake-up catches up both blocks.
		pub.DropNext(1)
		pl.mine(2, 30*time.Second)
		soakWaitFor(t, "gap detected", 10*time.Second, func() bool { return d.metric(t, "atlasd_zmq_gaps_total") == g0+1 })
		gaps++
		if err := diffFreshReplay(t, n, d.Machine()); err != nil {
			row.Lost++
			t.Fatalf("restart %d: %v", i, err)
		}
		if err := pl.checkZonefiles(); err != nil {
			row.Lost++
			t.Fatalf("restart %d: %v", i, err)
		}
		row.Survived++
	}
}

// soakWaitFor polls cond until it holds or within passes.
func soakWaitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		time.Sleep(time.Millisecond)
	}
}
