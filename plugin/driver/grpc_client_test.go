package driver

import (
	"context"
	"errors"
	"strings"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	driverpb "github.com/atlasd/atlasd/plugin/driver/proto"
)

// fakeClient answers every RPC with the canned values, standing in for a
// plugin that may misbehave.
type fakeClient struct {
	describe *driverpb.DescribeResponse
	get      *driverpb.GetResponse
	stat     *driverpb.StatResponse
	list     *driverpb.ListResponse
	err      error
	calls    int
}

func (f *fakeClient) Describe(context.Context, *driverpb.DescribeRequest, ...grpc.CallOption) (*driverpb.DescribeResponse, error) {
	f.calls++
	return f.describe, f.err
}
func (f *fakeClient) Configure(context.Context, *driverpb.ConfigureRequest, ...grpc.CallOption) (*driverpb.ConfigureResponse, error) {
	f.calls++
	return &driverpb.ConfigureResponse{}, f.err
}
func (f *fakeClient) Put(context.Context, *driverpb.PutRequest, ...grpc.CallOption) (*driverpb.PutResponse, error) {
	f.calls++
	return &driverpb.PutResponse{}, f.err
}
func (f *fakeClient) Get(context.Context, *driverpb.GetRequest, ...grpc.CallOption) (*driverpb.GetResponse, error) {
	f.calls++
	return f.get, f.err
}
func (f *fakeClient) Stat(context.Context, *driverpb.StatRequest, ...grpc.CallOption) (*driverpb.StatResponse, error) {
	f.calls++
	return f.stat, f.err
}
func (f *fakeClient) List(context.Context, *driverpb.ListRequest, ...grpc.CallOption) (*driverpb.ListResponse, error) {
	f.calls++
	return f.list, f.err
}

// Two real zonefile keys from the 665750 export (those of 1.id and 0.id), in
// ascending order.
const (
	keyA = "8961c32ad98df87af12b186c3d0be6ca22105936"
	keyB = "c5f5b4197c94d4561f6332160f624d728b0da8bf"
)

// TestClientRejectsBadAnswers feeds the host-side client answers a broken or
// hostile plugin could give; none may reach the caller as valid data.
func TestClientRejectsBadAnswers(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		fake *fakeClient
		call func(d Driver) error
		want string
	}{
		{"oversized get", &fakeClient{get: &driverpb.GetResponse{Data: make([]byte, MaxBlobSize+1)}},
			func(d Driver) error { _, err := d.Get(ctx, GetRequest{Key: keyA}); return err }, "too large"},
		{"negative stat", &fakeClient{stat: &driverpb.StatResponse{Size: -1}},
			func(d Driver) error { _, err := d.Stat(ctx, StatRequest{Key: keyA}); return err }, "negative size"},
		{"zero max blob size", &fakeClient{describe: &driverpb.DescribeResponse{Name: "x", Capabilities: &driverpb.Capabilities{}}},
			func(d Driver) error { _, err := d.Describe(ctx); return err }, "max blob size"},
		{"missing capabilities", &fakeClient{describe: &driverpb.DescribeResponse{Name: "x"}},
			func(d Driver) error { _, err := d.Describe(ctx); return err }, "max blob size"},
		{"list too long", &fakeClient{list: &driverpb.ListResponse{Entries: []*driverpb.ListEntry{{Key: keyA}, {Key: keyB}}}},
			func(d Driver) error { _, err := d.List(ctx, ListRequest{Limit: 1}); return err }, "2 entries, limit 1"},
		{"list unsorted", &fakeClient{list: &driverpb.ListResponse{Entries: []*driverpb.ListEntry{{Key: keyB}, {Key: keyA}}}},
			func(d Driver) error { _, err := d.List(ctx, ListRequest{}); return err }, "not after"},
		{"list duplicate", &fakeClient{list: &driverpb.ListResponse{Entries: []*driverpb.ListEntry{{Key: keyA}, {Key: keyA}}}},
			func(d Driver) error { _, err := d.List(ctx, ListRequest{}); return err }, "not after"},
		{"list bad key", &fakeClient{list: &driverpb.ListResponse{Entries: []*driverpb.ListEntry{{Key: "../etc/passwd"}}}},
			func(d Driver) error { _, err := d.List(ctx, ListRequest{}); return err }, "invalid key"},
		{"list negative size", &fakeClient{list: &driverpb.ListResponse{Entries: []*driverpb.ListEntry{{Key: keyA, Size: -5}}}},
			func(d Driver) error { _, err := d.List(ctx, ListRequest{}); return err }, "negative size"},
		{"list huge token", &fakeClient{list: &driverpb.ListResponse{NextPageToken: strings.Repeat("a", MaxPageTokenLen+1)}},
			func(d Driver) error { _, err := d.List(ctx, ListRequest{}); return err }, "page token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := &grpcClient{client: tc.fake, doneCtx: context.Background()}
			err := tc.call(c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// TestClientChecksBeforeSending: bad input is refused on the host side, with
// no RPC made.
func TestClientChecksBeforeSending(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		call func(d Driver) error
		want error
	}{
		{"put bad key", func(d Driver) error { return d.Put(ctx, PutRequest{Key: strings.ToUpper(keyA)}) }, ErrInvalidKey},
		{"put too large", func(d Driver) error { return d.Put(ctx, PutRequest{Key: keyA, Data: make([]byte, MaxBlobSize+1)}) }, ErrBlobTooLarge},
		{"get bad key", func(d Driver) error { _, err := d.Get(ctx, GetRequest{Key: keyA[:7]}); return err }, ErrInvalidKey},
		{"stat bad key", func(d Driver) error { _, err := d.Stat(ctx, StatRequest{Key: "zz" + keyA[2:]}); return err }, ErrInvalidKey},
		{"list negative limit", func(d Driver) error { _, err := d.List(ctx, ListRequest{Limit: -1}); return err }, ErrInvalidArgument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := &fakeClient{}
			err := tc.call(&grpcClient{client: fake, doneCtx: context.Background()})
			if !errors.Is(err, tc.want) {
				t.Errorf("error = %v, want %v", err, tc.want)
			}
			if fake.calls != 0 {
				t.Errorf("%d RPCs made for invalid input", fake.calls)
			}
		})
	}
}

// TestClientPluginShutdown: once go-plugin's done context ends (the process
// exited), any failure is reported as ErrPluginShutdown.
func TestClientPluginShutdown(t *testing.T) {
	done, cancel := context.WithCancel(context.Background())
	cancel()
	c := &grpcClient{client: &fakeClient{err: status.Error(codes.Unavailable, "connection refused")}, doneCtx: done}
	_, err := c.Get(context.Background(), GetRequest{Key: keyA})
	if !errors.Is(err, ErrPluginShutdown) {
		t.Errorf("error = %v, want ErrPluginShutdown", err)
	}
}

// TestFromStatusBareCodes covers peers (say, a plugin not written in Go) that
// send plain status codes without our ErrorInfo details.
func TestFromStatusBareCodes(t *testing.T) {
	tests := []struct {
		code codes.Code
		want error
	}{
		{codes.NotFound, ErrNotFound},
		{codes.InvalidArgument, ErrInvalidArgument},
		{codes.FailedPrecondition, ErrNotConfigured},
		{codes.Unimplemented, ErrUnsupported},
		{codes.Canceled, context.Canceled},
		{codes.DeadlineExceeded, context.DeadlineExceeded},
		{codes.Unavailable, ErrPluginShutdown},
		{codes.Internal, nil},
	}
	for _, tc := range tests {
		t.Run(tc.code.String(), func(t *testing.T) {
			err := fromStatus(status.Error(tc.code, "peer says no"))
			if err.Error() != "peer says no" {
				t.Errorf("message = %q, want the peer's", err.Error())
			}
			if got := errors.Unwrap(err); got != tc.want {
				t.Errorf("unwraps to %v, want %v", got, tc.want)
			}
		})
	}
}

func TestValidateKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{keyA, true},
		{keyA[:MinKeyLen], true},
		{strings.Repeat("ab", MaxKeyLen/2), true},
		{keyA[:MinKeyLen-2], false},
		{strings.Repeat("ab", MaxKeyLen/2+1), false},
		{keyA[:39], false},
		{strings.ToUpper(keyA), false},
		{keyA[:38] + "g0", false},
		{keyA[:36] + "/../", false},
		{keyA[:38] + "\x00a", false},
		{"", false},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			err := ValidateKey(tc.key)
			if tc.ok != (err == nil) {
				t.Errorf("ValidateKey = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidKey) {
				t.Errorf("error %v is not ErrInvalidKey", err)
			}
		})
	}
}

func TestValidateList(t *testing.T) {
	tests := []struct {
		in      ListRequest
		limit   int
		wantErr bool
	}{
		{ListRequest{}, DefaultListLimit, false},
		{ListRequest{Limit: 5}, 5, false},
		{ListRequest{Limit: MaxListLimit + 1}, MaxListLimit, false},
		{ListRequest{Limit: -1}, 0, true},
		{ListRequest{PageToken: strings.Repeat("a", MaxPageTokenLen+1)}, 0, true},
	}
	for _, tc := range tests {
		got, err := ValidateList(tc.in)
		if tc.wantErr {
			if !errors.Is(err, ErrInvalidArgument) {
				t.Errorf("ValidateList(%d, %d-byte token) error = %v, want ErrInvalidArgument", tc.in.Limit, len(tc.in.PageToken), err)
			}
			continue
		}
		if err != nil || got.Limit != tc.limit {
			t.Errorf("ValidateList(%d) = %d, %v; want %d", tc.in.Limit, got.Limit, err, tc.limit)
		}
	}
}
