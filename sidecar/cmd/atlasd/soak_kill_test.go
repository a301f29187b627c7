//go:build soak

package main

import (
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/internal/soakreport"
	"github.com/atlasd/atlasd/sidecar/internal/regtest"
	"github.com/atlasd/atlasd/virtualchain/params"
	"github.com/atlasd/atlasd/virtualchain/state"
)

// soakEnvInt reads a count from the environment, def when unset.
func soakEnvInt(t *testing.T, name string, def int64) int64 {
	t.Helper()
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a non-negative integer", name, s)
	}
	return n
}

// killSoak is one soak: a chain, its uninterrupted in-process replay
// (sc.cp.m) and the kill schedule's randomness.
type killSoak struct {
	t   *testing.T
	n   *regtest.Node
	sc  *soakChain
	rng *rand.Rand
	st  killStats
}

// killStats are the figures of one scenario.
type killStats struct {
	kills, survived, lost int
	midSync, midFollow    int    // where the kills landed
	kinds                 [4]int // following kills by kind (see kinds)
	beforeCommit          int    // "after mining a block" kills that beat the apply
	afterAck              int    // kills right after a 200 / saved reply
	starts, ready         int    // restarts, and those that came up cleanly
	startupKills          int    // restarts killed before they were up
	warnings              int    // warn-level lines in the daemon's logs
	imageOpens            int    // crash images whose Pebble databases opened
	heights, zonefiles    int    // consensus hashes and zonefiles compared
	rounds                int    // initial syncs from an empty data directory
	// lag is the most blocks a crash image was behind what the daemon
	// had applied (and reported) before the kill.
	lag int64
	// verdict is the outcome of the last kill, settled once the restart
	// after it has been checked.
	verdict *bool
}

// TestSoakKill kills `atlasd run` with SIGKILL at random moments, first
// during initial syncs of a chain of ATLASD_SOAK_BLOCKS blocks with BNS
// operations throughout, then while it follows the tip as new blocks with
// ops are mined and zonefiles arrive by POST /v1/zonefile and by a peer's
// put_zonefiles. ATLASD_SOAK_KILLS kill points are split between the two.
//
// After every kill a copy of the data directory must open (both Pebble
// databases), hold consensus hashes and chunk slots equal to the
// uninterrupted reference replay at every height it has, and hold every
// zonefile whose upload was acknowledged. After every restart the daemon
// must come up with a clean log and, once caught up, serve the consensus
// hash of every height and an inventory vector equal to the reference's.
// Each scenario ends with a clean stop and a digest of the whole replay
// state compared with the reference's.
func TestSoakKill(t *testing.T) {
	blocks := soakEnvInt(t, "ATLASD_SOAK_BLOCKS", 3000)
	kills := int(soakEnvInt(t, "ATLASD_SOAK_KILLS", 100))
	seed := soakEnvInt(t, "ATLASD_SOAK_SEED", time.Now().UnixNano()%1_000_000_007)
	t.Logf("soak: seed %d (ATLASD_SOAK_SEED=%d repeats the op history and the kill choices)", seed, seed)

	n := regtest.Start(t)
	cp := newChainPlayer(t, n)
	defer cp.done()
	sc := newSoakChain(cp, seed)
	built := time.Now()
	sc.build(int(blocks))
	t.Logf("soak: chain of %d blocks above the first block, %d BNS ops sent (%d accepted), %d chunk slots, %d zonefiles, built in %v",
		sc.tip()-int64(params.Regtest().FirstBlock)+1, sc.ops, cp.f.Stats().OpsAccepted.Load(), cp.m.Slots(), len(sc.zonefiles),
		time.Since(built).Round(time.Millisecond))

	buildAtlasd(t) // before the clocks start
	s := &killSoak{t: t, n: n, sc: sc, rng: rand.New(rand.NewSource(seed + 1))}
	v, u := s.initialSync(kills / 2)
	s.following(v, u, kills-kills/2)
}

// record writes the scenario's row and resets the figures.
func (s *killSoak) record(scenario string, started time.Time, stoppedEarly bool) {
	st := s.st
	notes := fmt.Sprintf("%d blocks, %d BNS ops accepted; %s; restarts %d: up cleanly %d, killed during start-up %d; "+
		"crash images opened %d (at most %d blocks behind the daemon); heights compared %d; zonefiles checked %d; daemon warnings %d",
		s.sc.tip()-int64(params.Regtest().FirstBlock)+1, s.sc.cp.f.Stats().OpsAccepted.Load(), s.where(scenario),
		st.starts, st.ready, st.startupKills, st.imageOpens, st.lag, st.heights, st.zonefiles, st.warnings)
	if stoppedEarly {
		notes += "; stopped early"
	}
	soakreport.Record(s.t, soakreport.Row{
		Area: "crash", Scenario: scenario, Tried: st.kills, Survived: st.survived, Lost: st.lost,
		Duration: time.Since(started), Notes: notes,
	})
	s.st = killStats{}
}

// where says where the scenario's kills landed.
func (s *killSoak) where(scenario string) string {
	st := s.st
	if scenario == scenarioSync {
		return fmt.Sprintf("%d initial syncs; kills mid-sync %d (%d right after an ack), after the sync had finished %d",
			st.rounds, st.midSync, st.afterAck, st.midFollow)
	}
	k := st.kinds
	return fmt.Sprintf("kills %s %d, %s %d, %s %d (%d before it was applied), at a %s under load %d; %d right after an ack",
		kinds[0], k[0], kinds[1], k[1], kinds[2], k[2], st.beforeCommit, kinds[3], k[3], st.afterAck)
}

// fatal records the row so far and stops the test.
func (s *killSoak) fatal(scenario string, started time.Time, format string, args ...any) {
	s.settle(false)
	s.record(scenario, started, true)
	s.t.Fatalf(format, args...)
}

// settle closes the verdict of the last kill: it survived if its image
// and the restart after it were clean.
func (s *killSoak) settle(ok bool) {
	if s.st.verdict == nil {
		return
	}
	if *s.st.verdict && ok {
		s.st.survived++
	}
	s.st.verdict = nil
}

// afterKill checks the crash image of the kill that just happened and
// returns its tip. The kill's verdict stays open until the restart.
func (s *killSoak) afterKill(scenario string, started time.Time, v *victim, u *soakUploads, kind string, applied int64) int64 {
	s.settle(s.runClean(v))
	s.st.kills++
	checked := time.Now()
	ran := checked.Sub(v.run().started)
	ic, err := checkImage(v.dir, s.sc.cp.m, u)
	if err != nil {
		s.st.lost++
		s.fatal(scenario, started, "kill %d: %v (log: %s.log)", s.st.kills, err, v.dir)
	}
	s.st.imageOpens++
	// Without reorgs the kept height never goes down: a lower one means
	// blocks already on disk were lost in recovery.
	if ic.tip < v.kept {
		ic.fail("crash image at height %d, the previous one was at %d", ic.tip, v.kept)
	}
	v.kept = ic.tip
	s.st.heights += ic.heights
	s.st.zonefiles += ic.zonefiles
	s.st.lost += ic.lost
	for _, p := range ic.problems {
		s.t.Errorf("kill %d: %s", s.st.kills, p)
	}
	ok := ic.lost == 0
	s.st.verdict = &ok
	if applied >= 0 && applied-ic.tip > s.st.lag {
		s.st.lag = applied - ic.tip
	}
	s.t.Logf("%v kill %d (%s, run %v): daemon had applied %d, crash image kept %d, node at %d; %d zonefiles acked; checked in %v",
		time.Since(started).Round(time.Millisecond), s.st.kills, kind, ran.Round(time.Millisecond),
		applied, ic.tip, s.sc.tip(), len(u.acked),
		time.Since(checked).Round(time.Millisecond))
	return ic.tip
}

// runClean reports whether the run that just ended logged nothing bad.
func (s *killSoak) runClean(v *victim) bool {
	bad, warns := v.logProblems()
	s.st.warnings += len(warns)
	for _, l := range warns {
		s.t.Logf("atlasd warned after restart %d: %s", v.starts, l)
	}
	for _, l := range bad {
		s.t.Errorf("atlasd log after restart %d: %s", v.starts, l)
	}
	return len(bad) == 0
}

// restart starts the victim after a kill; it must come up cleanly.
func (s *killSoak) restart(scenario string, started time.Time, v *victim) {
	s.st.starts++
	if err := v.start(); err != nil {
		s.fatal(scenario, started, "restart: %v", err)
	}
	if err := v.waitReady(2 * time.Minute); err != nil {
		s.st.lost++
		s.fatal(scenario, started, "restart %d after kill %d: %v", v.starts, s.st.kills, err)
	}
	s.st.ready++
}

// check compares the caught-up daemon with the reference and settles the
// last kill's verdict.
func (s *killSoak) check(scenario string, started time.Time, v *victim, u *soakUploads) {
	lc, err := checkLive(v, u, 3*time.Minute)
	if err != nil {
		s.st.lost++
		s.fatal(scenario, started, "after kill %d: %v (log: %s.log)", s.st.kills, err, v.dir)
	}
	s.st.heights += lc.heights
	s.st.lost += lc.lost
	for _, p := range lc.problems {
		s.t.Errorf("after kill %d: %s", s.st.kills, p)
	}
	if lc.lost != 0 {
		s.settle(false)
	}
}

// finish reads every acked zonefile back through the API, stops the daemon
// cleanly and compares its whole replay state with the reference's.
func (s *killSoak) finish(scenario string, started time.Time, v *victim, u *soakUploads) {
	for h := range u.acked {
		s.st.zonefiles++
		resp, err := v.run().http.Get("http://" + v.api + "/v1/zonefiles/" + h.String())
		var body []byte
		if err == nil {
			body, err = readAllClose(resp)
		}
		if err != nil || resp.StatusCode != 200 || string(body) != string(s.sc.zonefiles[h]) {
			s.st.lost++
			s.t.Errorf("zonefile %s acked but not served: %v", h, err)
		}
	}
	if err := v.stop(); err != nil {
		s.fatal(scenario, started, "%v", err)
	}
	s.settle(s.runClean(v))
	m, err := state.Open(filepath.Join(v.dir, params.Regtest().Network, "state"), params.Regtest(), state.Options{Logger: zerolog.Nop()})
	if err != nil {
		s.st.lost++
		s.fatal(scenario, started, "state after a clean stop: %v", err)
	}
	defer m.Close()
	ref := s.sc.cp.m
	gotTip, _ := m.Tip()
	wantTip, _ := ref.Tip()
	got, err1 := m.Digest()
	want, err2 := ref.Digest()
	ga, err3 := m.Announcements(0, int(m.Slots())+1)
	wa, err4 := ref.Announcements(0, int(ref.Slots())+1)
	if err := firstErr(err1, err2, err3, err4); err != nil {
		s.fatal(scenario, started, "digest: %v", err)
	}
	if gotTip != wantTip || got != want || !slices.Equal(ga, wa) {
		s.st.lost++
		s.t.Errorf("after a clean stop: tip %d digest %s, %d slots; uninterrupted: tip %d digest %s, %d slots",
			gotTip, got, len(ga), wantTip, want, len(wa))
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
