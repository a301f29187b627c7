package service_test

import (
	"testing"

	"github.com/atlasd/atlasd/atlas/peers/peertest"
	"github.com/atlasd/atlasd/internal/chainfixture"
)

// The chains these tests follow are chainfixture's: a reference scenario
// replayed into a real state.Machine, optionally with one of its blocks
// altered (a forked history), and extended with NAME_UPDATE blocks whose
// value hashes are those of real mainnet zonefiles.
type fixture = chainfixture.Fixture

// newFixture replays the scenario; a dropAt other than zero leaves the last
// transaction of that block out.
func newFixture(t testing.TB, dropAt uint64) *fixture {
	return chainfixture.New(t, chainfixture.Options{DropAt: dropAt})
}

// realZonefiles returns the verified zonefiles of the final v1 export
// (block 665750), in file order.
func realZonefiles(t testing.TB) []peertest.Zonefile {
	t.Helper()
	var out []peertest.Zonefile
	for _, z := range peertest.Zonefiles(t, "name_zonefiles-665750.txt") {
		if z.Valid {
			out = append(out, z)
		}
	}
	if len(out) < 1000 {
		t.Fatalf("only %d verified zonefiles in the export", len(out))
	}
	return out
}
