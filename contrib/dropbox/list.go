package main

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/atlasd/atlasd/plugin/driver"
)

const (
	// maxListEntries bounds the entries one listing of a shard may bring,
	// so a broken or hostile server cannot make List collect without end.
	// A shard holds 1/256 of the blobs; this allows a billion.
	maxListEntries = 1 << 22
	// maxResets bounds how often a listing restarts after Dropbox resets
	// its cursor.
	maxResets = 3
)

// List implements driver.Driver.
//
// Dropbox lists a folder in no particular order, through a cursor that
// stays valid only while the folder's state allows, while the contract
// wants ascending keys and page tokens that survive restarts. So the page
// token is the last key returned, and each List walks the top-level shard
// folders (<folder>/ab) from the token's shard on, listing each one
// recursively with list_folder and list_folder/continue and sorting it,
// until it has more than a page. A page thus costs one listing of the
// folder plus one or two shards, about 1/256 of the store each.
func (d *dropboxDriver) List(ctx context.Context, req driver.ListRequest) (driver.ListResponse, error) {
	c, err := d.connection()
	if err != nil {
		return driver.ListResponse{}, err
	}
	req, err = driver.ValidateList(req)
	if err != nil {
		return driver.ListResponse{}, fmt.Errorf("dropbox: list: %w", err)
	}
	after := req.PageToken
	if after != "" {
		if err := driver.ValidateKey(after); err != nil {
			return driver.ListResponse{}, fmt.Errorf("dropbox: list: %w: page token is not a key: %w", driver.ErrInvalidArgument, err)
		}
	}
	shards, err := c.shards(ctx)
	if err != nil {
		return driver.ListResponse{}, fmt.Errorf("dropbox: list: %w", explain(err, c.cfg))
	}
	var found []driver.ListEntry
	for _, shard := range shards {
		if after != "" && shard < after[:2] {
			continue
		}
		entries, err := c.shardEntries(ctx, shard, after)
		if err != nil {
			return driver.ListResponse{}, fmt.Errorf("dropbox: list shard %s: %w", shard, explain(err, c.cfg))
		}
		found = append(found, entries...)
		if len(found) > req.Limit {
			break
		}
	}
	var resp driver.ListResponse
	if len(found) > req.Limit {
		found = found[:req.Limit]
		resp.NextPageToken = found[req.Limit-1].Key
	}
	resp.Entries = found
	return resp, nil
}

// shards returns the sorted two-hex-digit folders directly under the
// folder; none if the folder does not exist yet.
func (c *conn) shards(ctx context.Context) ([]string, error) {
	var names []string
	err := c.listAll(ctx, c.cfg.folder, false, func(m files.IsMetadata) {
		f, ok := m.(*files.FolderMetadata)
		if !ok {
			return
		}
		name, ok := strings.CutPrefix(f.PathLower, c.cfg.folderLower+"/")
		if ok && isShardName(name) {
			names = append(names, name)
		}
	})
	if lookupTag(err) == files.LookupErrorNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// shardEntries lists the blobs of one top-level shard with keys after
// after, in key order. Only files named as the driver names them count;
// anything else in the folder is not a blob.
func (c *conn) shardEntries(ctx context.Context, shard, after string) ([]driver.ListEntry, error) {
	prefix := c.cfg.folderLower + "/" + shard + "/"
	sizes := make(map[string]int64)
	err := c.listAll(ctx, c.cfg.folder+"/"+shard, true, func(m files.IsMetadata) {
		f, ok := m.(*files.FileMetadata)
		if !ok {
			return
		}
		rest, ok := strings.CutPrefix(f.PathLower, prefix)
		if !ok {
			return
		}
		key, ok := blobKey(rest, shard)
		if !ok || key <= after {
			return
		}
		// Later entries of a listing are later changes, so they win. An
		// oversized file is listed as it is; Get refuses it.
		sizes[key] = int64(min(f.Size, math.MaxInt64))
	})
	switch {
	case lookupTag(err) == files.LookupErrorNotFound:
		return nil, nil
	case err != nil:
		return nil, err
	}
	out := make([]driver.ListEntry, 0, len(sizes))
	for k, size := range sizes {
		out = append(out, driver.ListEntry{Key: k, Size: size})
	}
	slices.SortFunc(out, func(a, b driver.ListEntry) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// blobKey parses "cd/<key>.txt", the part of a blob's path below its
// top-level shard, and checks that the key belongs in that place.
func blobKey(rest, shard string) (string, bool) {
	sub, name, ok := strings.Cut(rest, "/")
	if !ok {
		return "", false
	}
	key, ok := strings.CutSuffix(name, fileSuffix)
	if !ok || driver.ValidateKey(key) != nil || key[:2] != shard || key[2:4] != sub {
		return "", false
	}
	return key, true
}

// listAll runs list_folder on path and follows list_folder/continue to the
// end, handing each entry to visit. When Dropbox resets the cursor the
// listing starts over, so visit must tolerate seeing entries again.
func (c *conn) listAll(ctx context.Context, path string, recursive bool, visit func(files.IsMetadata)) error {
	for resets := 0; ; resets++ {
		err := c.listOnce(ctx, path, recursive, visit)
		if !isCursorReset(err) || resets == maxResets {
			return err
		}
	}
}

func (c *conn) listOnce(ctx context.Context, path string, recursive bool, visit func(files.IsMetadata)) error {
	arg := files.NewListFolderArg(path)
	arg.Recursive = recursive
	arg.Limit = uint32(c.cfg.pageSize)
	var page *files.ListFolderResult
	err := c.do(func() (err error) {
		page, err = c.api.ListFolderContext(ctx, arg)
		return err
	})
	for seen := 0; err == nil; {
		for _, e := range page.Entries {
			visit(e)
		}
		seen += len(page.Entries)
		if !page.HasMore {
			return nil
		}
		if seen > maxListEntries {
			return fmt.Errorf("listing of %s goes on past %d entries", path, maxListEntries)
		}
		cont := files.NewListFolderContinueArg(page.Cursor)
		err = c.do(func() (err error) {
			page, err = c.api.ListFolderContinueContext(ctx, cont)
			return err
		})
	}
	return err
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
