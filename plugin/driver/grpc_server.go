package driver

import (
	"context"
	"fmt"

	driverpb "github.com/atlasd/atlasd/plugin/driver/proto"
)

// grpcServer is the plugin side of the contract. It validates every request
// before the implementation sees it, so drivers can trust keys and sizes, and
// maps their errors to statuses the client maps back.
type grpcServer struct {
	driverpb.UnimplementedDriverServer
	impl Driver
}

// Describe implements driverpb.DriverServer.
func (s *grpcServer) Describe(ctx context.Context, _ *driverpb.DescribeRequest) (*driverpb.DescribeResponse, error) {
	d, err := s.impl.Describe(ctx)
	if err != nil {
		return nil, toStatus(err)
	}
	return &driverpb.DescribeResponse{
		Name:    d.Name,
		Version: d.Version,
		Capabilities: &driverpb.Capabilities{
			List:        d.Capabilities.List,
			MaxBlobSize: d.Capabilities.MaxBlobSize,
		},
	}, nil
}

// Configure implements driverpb.DriverServer.
func (s *grpcServer) Configure(ctx context.Context, req *driverpb.ConfigureRequest) (*driverpb.ConfigureResponse, error) {
	if err := s.impl.Configure(ctx, ConfigureRequest{Settings: req.GetSettings()}); err != nil {
		return nil, toStatus(err)
	}
	return &driverpb.ConfigureResponse{}, nil
}

// Put implements driverpb.DriverServer.
func (s *grpcServer) Put(ctx context.Context, req *driverpb.PutRequest) (*driverpb.PutResponse, error) {
	if err := ValidateKey(req.GetKey()); err != nil {
		return nil, toStatus(err)
	}
	if err := ValidateBlob(req.GetData()); err != nil {
		return nil, toStatus(fmt.Errorf("put %s: %w", req.GetKey(), err))
	}
	if err := s.impl.Put(ctx, PutRequest{Key: req.GetKey(), Data: req.GetData()}); err != nil {
		return nil, toStatus(err)
	}
	return &driverpb.PutResponse{}, nil
}

// Get implements driverpb.DriverServer.
func (s *grpcServer) Get(ctx context.Context, req *driverpb.GetRequest) (*driverpb.GetResponse, error) {
	if err := ValidateKey(req.GetKey()); err != nil {
		return nil, toStatus(err)
	}
	resp, err := s.impl.Get(ctx, GetRequest{Key: req.GetKey()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &driverpb.GetResponse{Data: resp.Data}, nil
}

// Stat implements driverpb.DriverServer.
func (s *grpcServer) Stat(ctx context.Context, req *driverpb.StatRequest) (*driverpb.StatResponse, error) {
	if err := ValidateKey(req.GetKey()); err != nil {
		return nil, toStatus(err)
	}
	resp, err := s.impl.Stat(ctx, StatRequest{Key: req.GetKey()})
	if err != nil {
		return nil, toStatus(err)
	}
	return &driverpb.StatResponse{Size: resp.Size}, nil
}

// List implements driverpb.DriverServer.
func (s *grpcServer) List(ctx context.Context, req *driverpb.ListRequest) (*driverpb.ListResponse, error) {
	lr, err := ValidateList(ListRequest{PageToken: req.GetPageToken(), Limit: int(req.GetLimit())})
	if err != nil {
		return nil, toStatus(err)
	}
	resp, err := s.impl.List(ctx, lr)
	if err != nil {
		return nil, toStatus(err)
	}
	out := &driverpb.ListResponse{
		Entries:       make([]*driverpb.ListEntry, 0, len(resp.Entries)),
		NextPageToken: resp.NextPageToken,
	}
	for _, e := range resp.Entries {
		out.Entries = append(out.Entries, &driverpb.ListEntry{Key: e.Key, Size: e.Size})
	}
	return out, nil
}
