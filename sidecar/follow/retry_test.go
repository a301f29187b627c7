package follow

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/atlasd/atlasd/sidecar/bitcoind"
)

func TestRetryWait(t *testing.T) {
	down := fmt.Errorf("follow: %w", &bitcoind.Error{Method: "getblockchaininfo", Kind: bitcoind.KindUnreachable})
	busy := &bitcoind.Error{Method: "getblock", Kind: bitcoind.KindBusy}
	other := errors.New("follow: block 300: decode: short block")
	tests := []struct {
		name  string
		err   error
		waits []time.Duration
	}{
		{"node down: capped at 5 s", down, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second, 5 * time.Second, 5 * time.Second}},
		{"node busy: up to 30 s", busy, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}},
		{"other failure: up to 30 s", other, []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var w time.Duration
			for i, want := range tc.waits {
				w = retryWait(w, tc.err)
				if w != want {
					t.Fatalf("wait %d = %v, want %v", i+1, w, want)
				}
			}
		})
	}
}
