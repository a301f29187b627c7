package follow

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/atlasd/atlasd/sidecar/bitcoind"
)

// A node reindexing for hours is polled every few seconds; the follower
// must say it is waiting once, then about once a minute, not once a poll.
func TestBehindLoggedOncePerMinute(t *testing.T) {
	var buf bytes.Buffer
	f := &Follower{log: zerolog.New(&buf)}
	ci := &bitcoind.ChainInfo{Blocks: 100, IBD: true}
	for i := 0; i < 50; i++ {
		f.logBehind(ci, 500)
	}
	if n := strings.Count(buf.String(), "waiting for it to catch up"); n != 1 {
		t.Fatalf("%d lines for 50 polls within a minute, want 1:\n%s", n, buf.String())
	}
	f.behindLogged = f.behindLogged.Add(-behindLogEvery - time.Second)
	f.logBehind(ci, 500)
	if n := strings.Count(buf.String(), "waiting for it to catch up"); n != 2 {
		t.Fatalf("%d lines after a minute, want 2", n)
	}
	if !strings.Contains(buf.String(), `"waiting":`) {
		t.Fatalf("the repeated line does not say how long it has waited:\n%s", buf.String())
	}
}
