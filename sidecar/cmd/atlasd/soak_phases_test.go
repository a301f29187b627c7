//go:build soak

package main

import (
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"time"

	"github.com/atlasd/atlasd/virtualchain/params"
)

const (
	scenarioSync   = "kill -9 during initial sync"
	scenarioFollow = "kill -9 while following the tip"
)

// initialSync spends kills on initial syncs from an empty data directory.
// Kill moments are drawn from process start: a few during start-up, the
// rest spread over the blocks still to sync, with the sync rate measured
// as it goes so the kills keep landing mid-sync on a fast or a loaded
// machine. A quarter of them land right after a zonefile POST (or put by a
// peer) was acknowledged, zonefiles being offered as soon as the daemon has
// processed their announcing block. If a sync completes before the kills
// are spent, it is checked and another starts from an empty directory.
// It returns the synced victim and its uploads for the next scenario.
func (s *killSoak) initialSync(kills int) (*victim, *soakUploads) {
	t, started := s.t, time.Now()
	first := int64(params.Regtest().FirstBlock)
	tip := s.sc.tip()
	rate := 1000.0                  // blocks per second, refined by each kill
	ready := 300 * time.Millisecond // start-up time, refined by each start
	var v *victim
	var u *soakUploads
	for v == nil || s.st.kills < kills {
		s.st.rounds++
		v = newVictim(t, s.n, filepath.Join(t.TempDir(), "round"+strconv.Itoa(s.st.rounds)))
		u = newSoakUploads(s.sc)
		if err := u.refresh(); err != nil {
			t.Fatal(err)
		}
		prev, synced := first-1, false
		for s.st.kills < kills && !synced {
			left := kills - s.st.kills
			s.st.starts++
			if err := v.start(); err != nil {
				s.fatal(scenarioSync, started, "start: %v", err)
			}
			ackKill := s.rng.Intn(4) == 0 && len(u.pending) > 0
			var timer *time.Timer
			if !ackKill {
				delay := time.Duration(s.rng.Int63n(int64(ready)))
				if s.rng.Intn(8) != 0 {
					per := float64(tip-prev) / rate / float64(left) * float64(time.Second)
					delay = ready + time.Duration(s.rng.Int63n(int64(2*per)+1))
				}
				timer = time.AfterFunc(delay, v.run().kill)
			}
			if err := v.waitReady(2 * time.Minute); err == nil {
				s.st.ready++
				ready = (3*ready + time.Since(v.run().started)) / 4
			} else if v.wasKilled() {
				s.st.startupKills++
			} else {
				s.st.lost++
				s.fatal(scenarioSync, started, "start %d: %v", v.starts, err)
			}
			syncFrom, seen := time.Now(), prev
			// Offer zonefiles as the daemon reaches their blocks, until
			// the kill (the timer's, or ours after an ack).
			for !v.wasKilled() {
				if in, err := v.info(); err == nil {
					seen = max(seen, in.Height)
					if u.send(v, in.Height, s.rng.Intn(2) == 0, 1) > 0 && ackKill {
						v.kill()
						s.st.afterAck++
						break
					}
				}
				select {
				case <-v.exited():
				case <-time.After(10 * time.Millisecond):
				}
				if !v.wasKilled() && isClosed(v.exited()) {
					break
				}
			}
			if timer != nil {
				timer.Stop()
			}
			v.kill() // waits for the timer's kill to finish
			if !v.diedOfKill() {
				s.st.lost++
				s.fatal(scenarioSync, started, "atlasd exited by itself:\n%s", tail(v.run().output(), 10))
			}
			took := time.Since(syncFrom)
			kind := "mid-sync"
			if ackKill {
				kind = "mid-sync, after an ack"
			}
			// Where the kill landed is what the daemon had applied (as
			// logged or last reported), not what the crash image kept.
			applied := max(v.appliedTip(), seen)
			if synced = applied >= tip; synced {
				kind = "after the sync"
				s.st.midFollow++
			} else {
				s.st.midSync++
			}
			h := s.afterKill(scenarioSync, started, v, u, kind, applied)
			// The sync rate as the daemon reported it while it ran.
			if seen > prev && took > 50*time.Millisecond {
				rate = (rate + float64(seen-prev)/took.Seconds()) / 2
			}
			prev = max(prev, h)
		}
		s.restart(scenarioSync, started, v)
		s.check(scenarioSync, started, v, u)
		s.finish(scenarioSync, started, v, u)
	}
	s.record(scenarioSync, started, false)
	return v, u
}

// following spends kills on a daemon at the tip while the test mines
// blocks with BNS ops and offers their zonefiles. Each kill is one of:
// right after a POST /v1/zonefile answered 200; right after a peer's
// put_zonefiles answered saved; a few milliseconds after a block of ops
// was mined (while the daemon fetches and applies it); or at a random
// moment of a stretch of mining and uploading.
func (s *killSoak) following(v *victim, u *soakUploads, kills int) {
	t, started := s.t, time.Now()
	s.restart(scenarioFollow, started, v)
	s.check(scenarioFollow, started, v, u)
	for s.st.kills < kills {
		kind := s.rng.Intn(4)
		switch kind {
		case 0, 1:
			// Mine until some zonefile waits for upload, let the daemon
			// catch up, then kill it right after the j-th ack.
			for tries := 0; tries < 10 && len(u.pending) == 0; tries++ {
				s.sc.round(3)
				if err := u.refresh(); err != nil {
					t.Fatal(err)
				}
			}
			tip := s.sc.tip()
			s.waitCaughtUp(started, v, tip)
			hs := u.eligible(tip)
			if len(hs) > 0 {
				stopAt := 1 + s.rng.Intn(len(hs))
				if u.send(v, tip, kind == 1, stopAt) > 0 {
					s.st.afterAck++
				}
			}
			v.kill()
		case 2:
			s.waitCaughtUp(started, v, s.sc.tip())
			s.sc.sendOps()
			if _, err := s.n.Generate(1); err != nil {
				t.Fatal(err)
			}
			// The daemon polls every 50 ms; fetching and applying the
			// block takes a few more.
			time.AfterFunc(time.Duration(s.rng.Int63n(int64(80*time.Millisecond))), v.run().kill)
			s.sc.cp.mine(0)
			<-v.exited()
			v.kill()
		case 3:
			timer := time.AfterFunc(time.Duration(s.rng.Int63n(int64(2*time.Second))), v.run().kill)
			for !v.wasKilled() {
				s.sc.round(4)
				if err := u.refresh(); err != nil {
					t.Fatal(err)
				}
				if in, err := v.info(); err == nil {
					u.send(v, in.Height, s.rng.Intn(2) == 0, 0)
				}
			}
			timer.Stop()
			v.kill()
		}
		if !v.diedOfKill() {
			s.st.lost++
			s.fatal(scenarioFollow, started, "atlasd exited by itself:\n%s", tail(v.run().output(), 10))
		}
		applied := v.appliedTip()
		if kind == 2 && applied < s.sc.tip() {
			s.st.beforeCommit++
		}
		s.afterKill(scenarioFollow, started, v, u, kinds[kind], applied)
		s.st.midFollow++
		s.st.kinds[kind]++
		s.restart(scenarioFollow, started, v)
		s.check(scenarioFollow, started, v, u)
	}
	s.finish(scenarioFollow, started, v, u)
	s.record(scenarioFollow, started, false)
}

// kinds names the following scenario's kill moments.
var kinds = [4]string{"after a POST /v1/zonefile", "after a put_zonefiles", "just after a block of ops was mined", "random moment"}

// waitCaughtUp waits until v has processed tip and its inventory has every
// chunk slot of the reference.
func (s *killSoak) waitCaughtUp(started time.Time, v *victim, tip int64) {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		if in, err := v.info(); err == nil && in.Height >= tip && in.Total == int(s.sc.cp.m.Slots()) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.fatal(scenarioFollow, started, "atlasd did not reach height %d within a minute:\n%s", tip, tail(v.run().output(), 10))
}

func isClosed(c <-chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

func readAllClose(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	return io.ReadAll(resp.Body)
}
