package dirdriver

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/atlasd/atlasd/plugin/driver"
)

// List implements driver.Driver. The page token is the last key of the
// previous page, so paging is stateless and survives restarts; blobs added
// behind the cursor during a walk are picked up by a later walk.
func (d *Driver) List(ctx context.Context, req driver.ListRequest) (driver.ListResponse, error) {
	root, err := d.rootDir()
	if err != nil {
		return driver.ListResponse{}, err
	}
	req, err = driver.ValidateList(req)
	if err != nil {
		return driver.ListResponse{}, fmt.Errorf("dirdriver: list: %w", err)
	}
	after := req.PageToken
	if after != "" {
		if err := driver.ValidateKey(after); err != nil {
			return driver.ListResponse{}, fmt.Errorf("dirdriver: list: %w: page token is not a key: %w", driver.ErrInvalidArgument, err)
		}
	}
	w := walker{ctx: ctx, after: after, want: req.Limit + 1}
	if err := w.walk(root); err != nil {
		return driver.ListResponse{}, fmt.Errorf("dirdriver: list: %w", err)
	}
	var resp driver.ListResponse
	if len(w.found) > req.Limit {
		w.found = w.found[:req.Limit]
		resp.NextPageToken = w.found[req.Limit-1].Key
	}
	resp.Entries = w.found
	return resp, nil
}

// walker collects up to want entries with keys above after, in key order.
// Shard directories are prefixes of the keys inside them, so visiting them
// in name order yields keys in order, and whole shards below the cursor are
// skipped without being read.
type walker struct {
	ctx   context.Context
	after string
	want  int
	found []driver.ListEntry
}

func (w *walker) walk(root string) error {
	tops, err := shardDirs(root)
	if err != nil {
		return err
	}
	for _, a := range tops {
		if w.after != "" && a < w.after[:2] {
			continue
		}
		subs, err := shardDirs(filepath.Join(root, a))
		if err != nil {
			return err
		}
		for _, b := range subs {
			if w.after != "" && a+b < w.after[:4] {
				continue
			}
			if err := w.ctx.Err(); err != nil {
				return err
			}
			if err := w.shard(filepath.Join(root, a, b), a+b); err != nil {
				return err
			}
			if len(w.found) >= w.want {
				return nil
			}
		}
	}
	return nil
}

// shard adds the blobs of one leaf directory. Names that are not
// "<key>.txt" for a key belonging in this shard (temp files, stray files)
// are skipped: they are not blobs this driver wrote. Temp files left by a
// write that a crash interrupted are removed once stale.
func (w *walker) shard(dir, prefix string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var page []driver.ListEntry
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tempPrefix) {
			removeStale(filepath.Join(dir, e.Name()), e)
			continue
		}
		key, ok := strings.CutSuffix(e.Name(), fileSuffix)
		if !ok || !e.Type().IsRegular() || !strings.HasPrefix(key, prefix) || key <= w.after {
			continue
		}
		if driver.ValidateKey(key) != nil {
			continue
		}
		info, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		page = append(page, driver.ListEntry{Key: key, Size: info.Size()})
	}
	// ReadDir sorts by file name, which differs from key order only in
	// theory ('.' sorts below digits); sorting by key makes it certain.
	sort.Slice(page, func(i, j int) bool { return page[i].Key < page[j].Key })
	if room := w.want - len(w.found); len(page) > room {
		page = page[:room]
	}
	w.found = append(w.found, page...)
	return nil
}

// staleTemp is the age past which a temp file cannot belong to a write
// still in progress, in this process or another one sharing the root: a
// write is one blob of at most driver.MaxBlobSize.
const staleTemp = time.Hour

// removeStale deletes a temp file that a process killed in the middle of a
// Put left behind, which nothing else would ever remove. It is done while
// listing, which reads the shard directories anyway; failures only mean the
// file stays until the next listing.
func removeStale(path string, e fs.DirEntry) {
	info, err := e.Info()
	if err != nil || !info.Mode().IsRegular() || time.Since(info.ModTime()) < staleTemp {
		return
	}
	_ = os.Remove(path)
}

// shardDirs returns the two-hex-digit subdirectory names of dir, sorted.
func shardDirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && isShardName(e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func isShardName(s string) bool {
	if len(s) != 2 {
		return false
	}
	for i := 0; i < 2; i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
