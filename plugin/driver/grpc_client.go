package driver

import (
	"context"
	"fmt"

	driverpb "github.com/atlasd/atlasd/plugin/driver/proto"
)

// grpcClient is the host side of the contract: a Driver that forwards to a
// plugin. It checks inputs before sending and plugin answers after receiving,
// so a broken plugin cannot hand the host an invalid key or an oversized blob.
type grpcClient struct {
	client driverpb.DriverClient
	// doneCtx ends when the plugin process exits; it turns transport
	// errors into ErrPluginShutdown.
	doneCtx context.Context
}

var _ Driver = (*grpcClient)(nil)

// wrap converts a failed call's error and names the method.
func (c *grpcClient) wrap(method string, err error) error {
	if c.doneCtx.Err() != nil {
		return fmt.Errorf("driver: %s: %w", method, ErrPluginShutdown)
	}
	return fmt.Errorf("driver: %s: %w", method, fromStatus(err))
}

// Describe implements Driver.
func (c *grpcClient) Describe(ctx context.Context) (Description, error) {
	resp, err := c.client.Describe(ctx, &driverpb.DescribeRequest{})
	if err != nil {
		return Description{}, c.wrap("describe", err)
	}
	caps := resp.GetCapabilities()
	d := Description{
		Name:    resp.GetName(),
		Version: resp.GetVersion(),
		Capabilities: Capabilities{
			List:        caps.GetList(),
			MaxBlobSize: caps.GetMaxBlobSize(),
		},
	}
	if d.Capabilities.MaxBlobSize <= 0 || d.Capabilities.MaxBlobSize > MaxBlobSize {
		return Description{}, fmt.Errorf("driver: describe: plugin %q claims max blob size %d, want 1..%d", d.Name, d.Capabilities.MaxBlobSize, MaxBlobSize)
	}
	return d, nil
}

// Configure implements Driver.
func (c *grpcClient) Configure(ctx context.Context, req ConfigureRequest) error {
	if _, err := c.client.Configure(ctx, &driverpb.ConfigureRequest{Settings: req.Settings}); err != nil {
		return c.wrap("configure", err)
	}
	return nil
}

// Put implements Driver.
func (c *grpcClient) Put(ctx context.Context, req PutRequest) error {
	if err := ValidateKey(req.Key); err != nil {
		return fmt.Errorf("driver: put: %w", err)
	}
	if err := ValidateBlob(req.Data); err != nil {
		return fmt.Errorf("driver: put %s: %w", req.Key, err)
	}
	if _, err := c.client.Put(ctx, &driverpb.PutRequest{Key: req.Key, Data: req.Data}); err != nil {
		return c.wrap("put", err)
	}
	return nil
}

// Get implements Driver.
func (c *grpcClient) Get(ctx context.Context, req GetRequest) (GetResponse, error) {
	if err := ValidateKey(req.Key); err != nil {
		return GetResponse{}, fmt.Errorf("driver: get: %w", err)
	}
	resp, err := c.client.Get(ctx, &driverpb.GetRequest{Key: req.Key})
	if err != nil {
		return GetResponse{}, c.wrap("get", err)
	}
	if err := ValidateBlob(resp.GetData()); err != nil {
		return GetResponse{}, fmt.Errorf("driver: get %s: plugin answered with %w", req.Key, err)
	}
	return GetResponse{Data: resp.GetData()}, nil
}

// Stat implements Driver.
func (c *grpcClient) Stat(ctx context.Context, req StatRequest) (StatResponse, error) {
	if err := ValidateKey(req.Key); err != nil {
		return StatResponse{}, fmt.Errorf("driver: stat: %w", err)
	}
	resp, err := c.client.Stat(ctx, &driverpb.StatRequest{Key: req.Key})
	if err != nil {
		return StatResponse{}, c.wrap("stat", err)
	}
	if resp.GetSize() < 0 {
		return StatResponse{}, fmt.Errorf("driver: stat %s: plugin answered with negative size %d", req.Key, resp.GetSize())
	}
	return StatResponse{Size: resp.GetSize()}, nil
}

// List implements Driver.
func (c *grpcClient) List(ctx context.Context, req ListRequest) (ListResponse, error) {
	req, err := ValidateList(req)
	if err != nil {
		return ListResponse{}, fmt.Errorf("driver: list: %w", err)
	}
	resp, err := c.client.List(ctx, &driverpb.ListRequest{PageToken: req.PageToken, Limit: int32(req.Limit)})
	if err != nil {
		return ListResponse{}, c.wrap("list", err)
	}
	return listFromProto(req, resp)
}

// listFromProto checks a plugin's page against the contract: at most Limit
// entries, valid keys, strictly ascending, and a bounded token.
func listFromProto(req ListRequest, resp *driverpb.ListResponse) (ListResponse, error) {
	entries := resp.GetEntries()
	if len(entries) > req.Limit {
		return ListResponse{}, fmt.Errorf("driver: list: plugin answered with %d entries, limit %d", len(entries), req.Limit)
	}
	if len(resp.GetNextPageToken()) > MaxPageTokenLen {
		return ListResponse{}, fmt.Errorf("driver: list: plugin answered with a %d-byte page token, limit %d", len(resp.GetNextPageToken()), MaxPageTokenLen)
	}
	out := ListResponse{Entries: make([]ListEntry, 0, len(entries)), NextPageToken: resp.GetNextPageToken()}
	prev := ""
	for i, e := range entries {
		if err := ValidateKey(e.GetKey()); err != nil {
			return ListResponse{}, fmt.Errorf("driver: list: plugin entry %d: %w", i, err)
		}
		if e.GetKey() <= prev {
			return ListResponse{}, fmt.Errorf("driver: list: plugin entry %d (%s) not after %s", i, e.GetKey(), prev)
		}
		if e.GetSize() < 0 {
			return ListResponse{}, fmt.Errorf("driver: list: plugin entry %d (%s) has negative size", i, e.GetKey())
		}
		prev = e.GetKey()
		out.Entries = append(out.Entries, ListEntry{Key: e.GetKey(), Size: e.GetSize()})
	}
	return out, nil
}
