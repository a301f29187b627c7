package daemon

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/atlasd/atlasd/atlas/v1rpc"
	"github.com/atlasd/atlasd/sidecar/config"
)

func TestAtlasLimits(t *testing.T) {
	def := config.Default().Atlas
	tests := []struct {
		name    string
		in      config.Atlas
		want    v1rpc.Limits
		wantErr bool
	}{
		{"defaults", def, v1rpc.Limits{Rate: 8 << 20, Burst: 64 << 20, MaxConns: 512, MaxConnsPerAddr: 8,
			Exempt: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("::1/128")}}, false},
		{"nothing set", config.Atlas{}, v1rpc.Limits{}, false},
		{"exempt nobody", config.Atlas{RateExempt: []string{}}, v1rpc.Limits{Exempt: []netip.Prefix{}}, false},
		{"host bits dropped", config.Atlas{RateExempt: []string{"10.1.2.3/8"}}, v1rpc.Limits{Exempt: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}, false},
		{"not a network", config.Atlas{RateExempt: []string{"10.1.2.3"}}, v1rpc.Limits{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := atlasLimits(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
