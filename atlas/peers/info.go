package peers

import (
	"fmt"
	"strconv"
	"strings"
)

// Info is a peer's getinfo reply, with the fields v1's client schema knows.
type Info struct {
	// LastBlockSeen is the peer's bitcoind block count.
	LastBlockSeen int64
	// Consensus is the consensus hash at LastBlockProcessed, as sent.
	Consensus string
	// ServerVersion is the peer's software version ("22.2.0.0" for the last
	// v1 release).
	ServerVersion string
	// LastBlockProcessed is the last block the peer indexed.
	LastBlockProcessed int64
	// ServerAlive is the peer's own liveness flag.
	ServerAlive bool
	// Indexing is set while the peer is processing blocks.
	Indexing bool
	// Testnet is the truth value of the "testnet" field; an absent field
	// means mainnet.
	Testnet bool
	// ZonefileCount is v1's zonefile_count (one more than the slot count),
	// or -1 when the peer did not send it.
	ZonefileCount int64
	// Stale is set when the peer has not indexed a block for two hours.
	Stale bool
	// Warning is the text that comes with Stale.
	Warning string
}

// parseInfo applies client.py getinfo's schema: the six required fields
// with their types, and the optional ones typed when present.
func parseInfo(obj object) (Info, error) {
	var in Info
	var err error
	if in.LastBlockSeen, err = obj.reqInt("last_block_seen", 0); err != nil {
		return in, err
	}
	if in.Consensus, err = obj.reqString("consensus"); err != nil {
		return in, err
	}
	if in.ServerVersion, err = obj.reqString("server_version"); err != nil {
		return in, err
	}
	if in.LastBlockProcessed, err = obj.reqInt("last_block_processed", 0); err != nil {
		return in, err
	}
	if in.ServerAlive, err = obj.reqBool("server_alive"); err != nil {
		return in, err
	}
	if in.Indexing, err = obj.reqBool("indexing"); err != nil {
		return in, err
	}
	n, ok, err := obj.optInt("zonefile_count", 0)
	if err != nil {
		return in, err
	}
	in.ZonefileCount = -1
	if ok {
		in.ZonefileCount = n
	}
	if in.Stale, _, err = obj.optBool("stale"); err != nil {
		return in, err
	}
	if in.Warning, err = obj.optString("warning"); err != nil {
		return in, err
	}
	if raw, ok := obj.field("testnet"); ok {
		in.Testnet = truthy(raw)
	}
	return in, nil
}

// Version is a major.minor.patch software version.
type Version struct{ Major, Minor, Patch int }

// String returns the dotted form.
func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// MinVersion returns the oldest peer version Atlas talks to (atlas.py
// MIN_ATLAS_VERSION, 0.17.0): older nodes number inventory slots
// differently.
func MinVersion() Version { return Version{0, 17, 0} }

// ParseVersion reads the first three dot-separated parts of s as
// non-negative integers ("22.2.0.0" is 22.2.0).
func ParseVersion(s string) (Version, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 3 {
		return Version{}, fmt.Errorf("peers: version %q has fewer than three parts", s)
	}
	var n [3]int
	for i := range n {
		v, err := strconv.Atoi(strings.TrimSpace(parts[i]))
		if err != nil || v < 0 {
			return Version{}, fmt.Errorf("peers: version %q: part %d is not a number", s, i+1)
		}
		n[i] = v
	}
	return Version{n[0], n[1], n[2]}, nil
}

// OlderThan compares by major and minor only, as config.py semver_newer
// does: patch releases of one minor version speak the same protocol.
func (v Version) OlderThan(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	return v.Minor < w.Minor
}
