package dirdriver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/atlasd/atlasd/plugin/driver"
)

// Name is the driver name reported by Describe.
const Name = "dir"

// Version is this driver's release, reported by Describe.
const Version = "1.0.0"

// SettingRoot is the Configure setting holding the absolute root directory.
const SettingRoot = "root"

const (
	dirPerm  = 0o700
	filePerm = 0o600
	// fileSuffix matches v1's on-disk names.
	fileSuffix = ".txt"
	// tempPrefix marks half-written files; List skips them and a leading
	// dot keeps them apart from every valid name.
	tempPrefix = ".tmp-"
)

// Driver stores blobs under a root directory. The zero value is unusable;
// get one from New or Open.
type Driver struct {
	mu   sync.RWMutex
	root string // empty until configured
}

var _ driver.Driver = (*Driver)(nil)

// New returns an unconfigured driver; call Configure with SettingRoot.
func New() *Driver { return &Driver{} }

// Open returns a driver configured with root, creating it if needed.
func Open(ctx context.Context, root string) (*Driver, error) {
	d := New()
	if err := d.Configure(ctx, driver.ConfigureRequest{Settings: map[string]string{SettingRoot: root}}); err != nil {
		return nil, err
	}
	return d, nil
}

// Describe implements driver.Driver.
func (d *Driver) Describe(context.Context) (driver.Description, error) {
	return driver.Description{
		Name:    Name,
		Version: Version,
		Capabilities: driver.Capabilities{
			List:        true,
			MaxBlobSize: driver.MaxBlobSize,
		},
	}, nil
}

// Configure implements driver.Driver. The only setting is SettingRoot, an
// absolute path; unknown settings are refused so typos do not go unnoticed.
func (d *Driver) Configure(_ context.Context, req driver.ConfigureRequest) error {
	root := req.Settings[SettingRoot]
	for k := range req.Settings {
		if k != SettingRoot {
			return fmt.Errorf("dirdriver: configure: %w: unknown setting %q", driver.ErrInvalidArgument, k)
		}
	}
	if root == "" || !filepath.IsAbs(root) {
		return fmt.Errorf("dirdriver: configure: %w: setting %q must be an absolute path, got %q", driver.ErrInvalidArgument, SettingRoot, root)
	}
	root = filepath.Clean(root)
	info, err := os.Stat(root)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(root, dirPerm); err != nil {
			return fmt.Errorf("dirdriver: configure: %w", err)
		}
		info, err = os.Stat(root)
	}
	if err != nil {
		return fmt.Errorf("dirdriver: configure: %w", err)
	}
	if !info.IsDir() {
		return fmt.Errorf("dirdriver: configure: %w: %s is not a directory", driver.ErrInvalidArgument, root)
	}
	d.mu.Lock()
	d.root = root
	d.mu.Unlock()
	return nil
}

// rootDir returns the configured root or ErrNotConfigured.
func (d *Driver) rootDir() (string, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	if d.root == "" {
		return "", fmt.Errorf("dirdriver: %w", driver.ErrNotConfigured)
	}
	return d.root, nil
}

// Put implements driver.Driver. An existing file of the right size is left
// untouched: blobs are immutable, so its bytes are the ones being put. One of
// another size is replaced; v1 wrote in place without a rename, so a crash
// could leave a truncated file behind, and a Put is the chance to repair it.
func (d *Driver) Put(ctx context.Context, req driver.PutRequest) error {
	root, err := d.rootDir()
	if err != nil {
		return err
	}
	if err := driver.ValidateKey(req.Key); err != nil {
		return fmt.Errorf("dirdriver: put: %w", err)
	}
	if err := driver.ValidateBlob(req.Data); err != nil {
		return fmt.Errorf("dirdriver: put %s: %w", req.Key, err)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("dirdriver: put %s: %w", req.Key, err)
	}
	final := BlobPath(root, req.Key)
	info, err := os.Lstat(final)
	switch {
	case err == nil && info.Mode().IsRegular() && info.Size() == int64(len(req.Data)):
		return nil
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("dirdriver: put %s: %w", req.Key, err)
	}
	if err := mkdirSynced(root, req.Key[0:2], req.Key[2:4]); err != nil {
		return fmt.Errorf("dirdriver: put %s: %w", req.Key, err)
	}
	if err := writeAtomic(final, req.Data); err != nil {
		return fmt.Errorf("dirdriver: put %s: %w", req.Key, err)
	}
	return nil
}

// Get implements driver.Driver.
func (d *Driver) Get(ctx context.Context, req driver.GetRequest) (driver.GetResponse, error) {
	root, err := d.rootDir()
	if err != nil {
		return driver.GetResponse{}, err
	}
	if err := driver.ValidateKey(req.Key); err != nil {
		return driver.GetResponse{}, fmt.Errorf("dirdriver: get: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return driver.GetResponse{}, fmt.Errorf("dirdriver: get %s: %w", req.Key, err)
	}
	f, err := os.Open(BlobPath(root, req.Key))
	if err != nil {
		return driver.GetResponse{}, fmt.Errorf("dirdriver: get %s: %w", req.Key, notFound(err))
	}
	defer f.Close()
	// Read one byte past the limit so an oversized file is reported rather
	// than silently truncated.
	data, err := io.ReadAll(io.LimitReader(f, driver.MaxBlobSize+1))
	if err != nil {
		return driver.GetResponse{}, fmt.Errorf("dirdriver: get %s: %w", req.Key, err)
	}
	if err := driver.ValidateBlob(data); err != nil {
		return driver.GetResponse{}, fmt.Errorf("dirdriver: get %s: stored file: %w", req.Key, err)
	}
	return driver.GetResponse{Data: data}, nil
}

// Stat implements driver.Driver.
func (d *Driver) Stat(ctx context.Context, req driver.StatRequest) (driver.StatResponse, error) {
	root, err := d.rootDir()
	if err != nil {
		return driver.StatResponse{}, err
	}
	if err := driver.ValidateKey(req.Key); err != nil {
		return driver.StatResponse{}, fmt.Errorf("dirdriver: stat: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return driver.StatResponse{}, fmt.Errorf("dirdriver: stat %s: %w", req.Key, err)
	}
	info, err := os.Stat(BlobPath(root, req.Key))
	if err != nil {
		return driver.StatResponse{}, fmt.Errorf("dirdriver: stat %s: %w", req.Key, notFound(err))
	}
	if !info.Mode().IsRegular() {
		return driver.StatResponse{}, fmt.Errorf("dirdriver: stat %s: not a regular file", req.Key)
	}
	return driver.StatResponse{Size: info.Size()}, nil
}

// notFound adds driver.ErrNotFound to a missing-file error.
func notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%w (%w)", driver.ErrNotFound, err)
	}
	return err
}
