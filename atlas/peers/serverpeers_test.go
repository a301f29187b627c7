package peers

import "testing"

func TestServerPeers(t *testing.T) {
	tests := []struct {
		name, requester string
		wantQueued      string
	}{
		{"local caller naming a peer", "Other.Example:16264", "other.example:16264"},
		{"v4 loopback", "127.0.0.1:6264", "localhost:6264"},
		{"v6 loopback as the server writes it", "::1:6264", "localhost:6264"},
		{"remote v6 caller", "2001:db8::9:6264", ""},
		{"garbage", "not a peer", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb := newTestTable(t, &fakeProber{}, newClock())
			for _, hp := range []string{"live.example:6264", "localhost:6264", "other.example:16264"} {
				addMember(t, tb, hp)
				tb.Observe(hp, true)
			}
			sp := tb.ServerPeers()
			got := sp.LiveNeighbors(tc.requester)
			if tc.wantQueued != "" {
				for _, p := range got {
					if p == tc.wantQueued {
						t.Fatalf("requester %s listed to itself", p)
					}
				}
				tb.Remove(tc.wantQueued)
			}
			sp.Enqueue(tc.requester)
			tb.mu.Lock()
			queued := append([]string(nil), tb.pending...)
			tb.mu.Unlock()
			if tc.wantQueued == "" && len(queued) != 0 || tc.wantQueued != "" && (len(queued) != 1 || queued[0] != tc.wantQueued) {
				t.Fatalf("queued %q, want %q", queued, tc.wantQueued)
			}
		})
	}
}
