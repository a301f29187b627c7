package peers

import "context"

// Dialer makes Clients that share one configuration (and so one HTTP
// transport and its connection pool). The zero Dialer uses v1's defaults.
type Dialer struct {
	// Config is applied to every client.
	Config ClientConfig
}

// Dial returns a client for the peer at hostport. It does no I/O.
func (d *Dialer) Dial(hostport string) (*Client, error) {
	return NewClient(hostport, d.Config)
}

// GetInfo dials hostport and calls getinfo: the Prober the Table needs.
func (d *Dialer) GetInfo(ctx context.Context, hostport string) (Info, error) {
	c, err := d.Dial(hostport)
	if err != nil {
		return Info{}, err
	}
	return c.GetInfo(ctx)
}

// PeerExchange dials hostport and calls atlas_peer_exchange (falling back to
// get_atlas_peers): the Exchanger the Crawler needs.
func (d *Dialer) PeerExchange(ctx context.Context, hostport, self string) ([]string, error) {
	c, err := d.Dial(hostport)
	if err != nil {
		return nil, err
	}
	return c.PeerExchange(ctx, self)
}
