package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/hashicorp/go-hclog"
	"github.com/minio/minio-go/v7"

	"github.com/atlasd/atlasd/plugin/driver"
)

// version is this driver's release, reported by Describe.
const version = "1.0.0"

// s3Driver implements driver.Driver on one bucket and key prefix.
type s3Driver struct {
	log hclog.Logger

	mu     sync.RWMutex
	client *minio.Client // nil until configured
	cfg    settings
}

var _ driver.Driver = (*s3Driver)(nil)

func newDriver(log hclog.Logger) *s3Driver { return &s3Driver{log: log} }

// Describe implements driver.Driver.
func (d *s3Driver) Describe(context.Context) (driver.Description, error) {
	return driver.Description{
		Name:    "s3",
		Version: version,
		Capabilities: driver.Capabilities{
			List:        true,
			MaxBlobSize: driver.MaxBlobSize,
		},
	}, nil
}

// Configure implements driver.Driver. It checks that the bucket exists with
// the given credentials, so that wrong settings fail here, once, rather than
// on every upload.
func (d *s3Driver) Configure(ctx context.Context, req driver.ConfigureRequest) error {
	cfg, err := parseSettings(req.Settings)
	if err != nil {
		return err
	}
	creds, credSource := cfg.credentials()
	client, err := minio.New(cfg.endpoint.Host, &minio.Options{
		Creds:        creds,
		Secure:       cfg.endpoint.Scheme == "https",
		Region:       cfg.region,
		BucketLookup: cfg.lookup,
	})
	if err != nil {
		return fmt.Errorf("s3: configure: %w: %w", driver.ErrInvalidArgument, err)
	}
	ok, err := client.BucketExists(ctx, cfg.bucket)
	if err != nil {
		return fmt.Errorf("s3: configure: bucket %q at %s: %w", cfg.bucket, cfg.endpoint, classifyConfig(err))
	}
	if !ok {
		return fmt.Errorf("s3: configure: %w: bucket %q does not exist at %s", driver.ErrInvalidArgument, cfg.bucket, cfg.endpoint)
	}
	d.mu.Lock()
	d.client, d.cfg = client, cfg
	d.mu.Unlock()
	d.log.Info("configured", "endpoint", cfg.endpoint.String(), "bucket", cfg.bucket, "prefix", cfg.prefix, "credentials", credSource)
	return nil
}

// conn returns the client and settings, or ErrNotConfigured.
func (d *s3Driver) conn() (*minio.Client, settings, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.client == nil {
		return nil, settings{}, fmt.Errorf("s3: %w", driver.ErrNotConfigured)
	}
	return d.client, d.cfg, nil
}

// Put implements driver.Driver. An existing object is overwritten with the
// same bytes, which is cheaper than asking first and just as correct for
// content-addressed blobs.
func (d *s3Driver) Put(ctx context.Context, req driver.PutRequest) error {
	client, cfg, err := d.conn()
	if err != nil {
		return err
	}
	if err := driver.ValidateKey(req.Key); err != nil {
		return fmt.Errorf("s3: put: %w", err)
	}
	if err := driver.ValidateBlob(req.Data); err != nil {
		return fmt.Errorf("s3: put %s: %w", req.Key, err)
	}
	_, err = client.PutObject(ctx, cfg.bucket, cfg.prefix+req.Key, bytes.NewReader(req.Data), int64(len(req.Data)), minio.PutObjectOptions{
		ContentType: "application/octet-stream",
		// The server checks the MD5, so a corrupted upload fails here.
		SendContentMd5:   true,
		DisableMultipart: true,
	})
	if err != nil {
		return fmt.Errorf("s3: put %s: %w", req.Key, classify(err))
	}
	return nil
}

// Get implements driver.Driver.
func (d *s3Driver) Get(ctx context.Context, req driver.GetRequest) (driver.GetResponse, error) {
	client, cfg, err := d.conn()
	if err != nil {
		return driver.GetResponse{}, err
	}
	if err := driver.ValidateKey(req.Key); err != nil {
		return driver.GetResponse{}, fmt.Errorf("s3: get: %w", err)
	}
	obj, err := client.GetObject(ctx, cfg.bucket, cfg.prefix+req.Key, minio.GetObjectOptions{})
	if err != nil {
		return driver.GetResponse{}, fmt.Errorf("s3: get %s: %w", req.Key, classify(err))
	}
	defer obj.Close()
	// One byte past the limit tells an oversized object from a full one.
	data, err := io.ReadAll(io.LimitReader(obj, driver.MaxBlobSize+1))
	if err != nil {
		return driver.GetResponse{}, fmt.Errorf("s3: get %s: %w", req.Key, classify(err))
	}
	if err := driver.ValidateBlob(data); err != nil {
		return driver.GetResponse{}, fmt.Errorf("s3: get %s: stored object: %w", req.Key, err)
	}
	return driver.GetResponse{Data: data}, nil
}

// Stat implements driver.Driver.
func (d *s3Driver) Stat(ctx context.Context, req driver.StatRequest) (driver.StatResponse, error) {
	client, cfg, err := d.conn()
	if err != nil {
		return driver.StatResponse{}, err
	}
	if err := driver.ValidateKey(req.Key); err != nil {
		return driver.StatResponse{}, fmt.Errorf("s3: stat: %w", err)
	}
	info, err := client.StatObject(ctx, cfg.bucket, cfg.prefix+req.Key, minio.StatObjectOptions{})
	if err != nil {
		return driver.StatResponse{}, fmt.Errorf("s3: stat %s: %w", req.Key, classify(err))
	}
	return driver.StatResponse{Size: info.Size}, nil
}

// List implements driver.Driver. The page token is the last key returned, fed
// to S3 as StartAfter: paging needs no server-side state and survives plugin
// restarts. Objects under the prefix whose remaining name is not a valid key
// are not ours and are skipped.
func (d *s3Driver) List(ctx context.Context, req driver.ListRequest) (driver.ListResponse, error) {
	client, cfg, err := d.conn()
	if err != nil {
		return driver.ListResponse{}, err
	}
	req, err = driver.ValidateList(req)
	if err != nil {
		return driver.ListResponse{}, fmt.Errorf("s3: list: %w", err)
	}
	opts := minio.ListObjectsOptions{
		Prefix:    cfg.prefix,
		Recursive: true,
		// One more than a page tells whether another page follows.
		MaxKeys: min(req.Limit+1, 1000),
	}
	if req.PageToken != "" {
		if err := driver.ValidateKey(req.PageToken); err != nil {
			return driver.ListResponse{}, fmt.Errorf("s3: list: %w: page token is not a key: %w", driver.ErrInvalidArgument, err)
		}
		opts.StartAfter = cfg.prefix + req.PageToken
	}
	var entries []driver.ListEntry
	for obj := range client.ListObjectsIter(ctx, cfg.bucket, opts) {
		if obj.Err != nil {
			return driver.ListResponse{}, fmt.Errorf("s3: list: %w", classify(obj.Err))
		}
		key, ok := strings.CutPrefix(obj.Key, cfg.prefix)
		if !ok || driver.ValidateKey(key) != nil {
			continue
		}
		entries = append(entries, driver.ListEntry{Key: key, Size: obj.Size})
		if len(entries) > req.Limit {
			break
		}
	}
	// The iterator ends quietly when ctx does; a short page must not then
	// pass for the last one.
	if err := ctx.Err(); err != nil {
		return driver.ListResponse{}, fmt.Errorf("s3: list: %w", err)
	}
	var resp driver.ListResponse
	if len(entries) > req.Limit {
		entries = entries[:req.Limit]
		resp.NextPageToken = entries[req.Limit-1].Key
	}
	resp.Entries = entries
	return resp, nil
}
