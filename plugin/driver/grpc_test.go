package driver_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/go-plugin"

	"github.com/atlasd/atlasd/plugin/dirdriver"
	"github.com/atlasd/atlasd/plugin/driver"
	"github.com/atlasd/atlasd/plugin/drivertest"
)

// dispense serves impl over a real gRPC connection in-process and returns the
// host-side Driver, as go-plugin would hand it out.
func dispense(t *testing.T, impl driver.Driver) driver.Driver {
	t.Helper()
	ps := driver.VersionedPlugins(impl)[driver.ProtocolVersion]
	client, _ := plugin.TestPluginGRPCConn(t, false, ps)
	// Closing the client also shuts the server down (go-plugin's controller
	// service); stopping it here as well would race with that.
	t.Cleanup(func() { client.Close() })
	raw, err := client.Dispense(driver.PluginName)
	if err != nil {
		t.Fatalf("Dispense: %v", err)
	}
	d, ok := raw.(driver.Driver)
	if !ok {
		t.Fatalf("dispensed %T, want a driver.Driver", raw)
	}
	return d
}

// TestGRPCConformance runs the contract suite against the directory driver
// seen through the gRPC client and server adapters.
func TestGRPCConformance(t *testing.T) {
	impl, err := dirdriver.Open(context.Background(), filepath.Join(t.TempDir(), "store"))
	if err != nil {
		t.Fatal(err)
	}
	drivertest.Conformance(t, dispense(t, impl), drivertest.Zonefiles(t, "name_zonefiles-653759.txt"))
}

// TestGRPCConfigure checks that settings reach the plugin and that its
// refusal comes back as the same sentinel.
func TestGRPCConfigure(t *testing.T) {
	ctx := context.Background()
	d := dispense(t, dirdriver.New())
	b := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]
	if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); !errors.Is(err, driver.ErrNotConfigured) {
		t.Fatalf("Put before Configure error = %v, want ErrNotConfigured", err)
	}
	if err := d.Configure(ctx, driver.ConfigureRequest{Settings: map[string]string{"root": "relative"}}); !errors.Is(err, driver.ErrInvalidArgument) {
		t.Fatalf("Configure(relative) error = %v, want ErrInvalidArgument", err)
	}
	root := filepath.Join(t.TempDir(), "store")
	if err := d.Configure(ctx, driver.ConfigureRequest{Settings: map[string]string{"root": root}}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
		t.Fatalf("Put after Configure: %v", err)
	}
	local, err := dirdriver.Open(ctx, root)
	if err != nil {
		t.Fatal(err)
	}
	if st, err := local.Stat(ctx, driver.StatRequest{Key: b.Key}); err != nil || st.Size != int64(len(b.Data)) {
		t.Fatalf("blob not in the configured root: %+v, %v", st, err)
	}
}

// failing is a Driver whose every call fails with err, to see each error
// cross the wire.
type failing struct{ err error }

func (f failing) Describe(context.Context) (driver.Description, error) {
	return driver.Description{}, f.err
}
func (f failing) Configure(context.Context, driver.ConfigureRequest) error { return f.err }
func (f failing) Put(context.Context, driver.PutRequest) error             { return f.err }
func (f failing) Get(context.Context, driver.GetRequest) (driver.GetResponse, error) {
	return driver.GetResponse{}, f.err
}
func (f failing) Stat(context.Context, driver.StatRequest) (driver.StatResponse, error) {
	return driver.StatResponse{}, f.err
}
func (f failing) List(context.Context, driver.ListRequest) (driver.ListResponse, error) {
	return driver.ListResponse{}, f.err
}

func TestGRPCErrors(t *testing.T) {
	key := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0].Key
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"not found", fmt.Errorf("s3: get %s: %w", key, driver.ErrNotFound), driver.ErrNotFound},
		{"invalid key", driver.ErrInvalidKey, driver.ErrInvalidKey},
		{"too large", fmt.Errorf("x: %w", driver.ErrBlobTooLarge), driver.ErrBlobTooLarge},
		{"invalid argument", fmt.Errorf("x: %w", driver.ErrInvalidArgument), driver.ErrInvalidArgument},
		{"not configured", fmt.Errorf("x: %w", driver.ErrNotConfigured), driver.ErrNotConfigured},
		{"unsupported", fmt.Errorf("x: %w", driver.ErrUnsupported), driver.ErrUnsupported},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), context.DeadlineExceeded},
		{"other", errors.New("s3: access denied"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := dispense(t, failing{err: tc.err})
			ctx := context.Background()
			calls := map[string]error{
				"configure": d.Configure(ctx, driver.ConfigureRequest{}),
				"put":       d.Put(ctx, driver.PutRequest{Key: key, Data: []byte("x")}),
			}
			_, calls["describe"] = d.Describe(ctx)
			_, calls["get"] = d.Get(ctx, driver.GetRequest{Key: key})
			_, calls["stat"] = d.Stat(ctx, driver.StatRequest{Key: key})
			_, calls["list"] = d.List(ctx, driver.ListRequest{})
			for method, err := range calls {
				if err == nil {
					t.Errorf("%s: no error", method)
					continue
				}
				if tc.want != nil && !errors.Is(err, tc.want) {
					t.Errorf("%s: error %q does not match %v", method, err, tc.want)
				}
				for _, other := range []error{driver.ErrNotFound, driver.ErrInvalidKey, driver.ErrNotConfigured, driver.ErrPluginShutdown} {
					if other != tc.want && errors.Is(err, other) {
						t.Errorf("%s: error %q also matches %v", method, err, other)
					}
				}
				// The plugin's own words must survive for operators.
				if want := tc.err.Error(); !strings.Contains(err.Error(), want) {
					t.Errorf("%s: error %q lost the plugin's message %q", method, err, want)
				}
			}
		})
	}
}

func TestVersionedPlugins(t *testing.T) {
	sets := driver.VersionedPlugins(nil)
	hs := driver.HandshakeConfig()
	set, ok := sets[int(hs.ProtocolVersion)]
	if !ok {
		t.Fatalf("no plugin set for handshake protocol version %d", hs.ProtocolVersion)
	}
	if _, ok := set[driver.PluginName].(plugin.GRPCPlugin); !ok {
		t.Errorf("plugin %q is not a gRPC plugin", driver.PluginName)
	}
	if hs.MagicCookieKey == "" || hs.MagicCookieValue == "" {
		t.Error("handshake without a magic cookie")
	}
}
