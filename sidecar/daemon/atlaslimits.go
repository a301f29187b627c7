package daemon

import (
	"fmt"
	"net/netip"

	"github.com/atlasd/atlasd/atlas/v1rpc"
	"github.com/atlasd/atlasd/sidecar/config"
)

// atlasLimits turns the [atlas] limit settings into the Atlas port's
// limits. Zero numbers and a nil exempt list take atlas/v1rpc's defaults;
// an empty exempt list exempts nobody.
func atlasLimits(c config.Atlas) (v1rpc.Limits, error) {
	lim := v1rpc.Limits{
		Rate:            int64(c.RateLimit),
		Burst:           int64(c.RateBurst),
		MaxConns:        c.MaxConns,
		MaxConnsPerAddr: c.MaxConnsPerIP,
	}
	if c.RateExempt != nil {
		lim.Exempt = make([]netip.Prefix, 0, len(c.RateExempt))
		for _, s := range c.RateExempt {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return v1rpc.Limits{}, fmt.Errorf("daemon: atlas.rate_exempt: %w", err)
			}
			lim.Exempt = append(lim.Exempt, p.Masked())
		}
	}
	return lim, nil
}
