package v1rpc_test

import (
	"testing"

	"github.com/atlasd/atlasd/internal/chainfixture"
)

// The chain these tests follow is chainfixture's: a reference scenario
// replayed into a real state.Machine, extended with NAME_UPDATE blocks of
// real mainnet zonefiles.
type (
	fixture  = chainfixture.Fixture
	zonefile = chainfixture.Zonefile
)

func newFixture(t testing.TB) *fixture { return chainfixture.New(t, chainfixture.Options{}) }

func readZonefiles(t testing.TB, file string) []zonefile { return chainfixture.ReadZonefiles(t, file) }

func parseExport(t testing.TB, file string, verifiedOnly bool) []zonefile {
	return chainfixture.ParseExport(t, file, verifiedOnly)
}
