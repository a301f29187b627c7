package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/contenthash"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	//lint:ignore SA1019 zonefile keys are RIPEMD160(SHA256(x)) by definition; nothing else computes them
	"golang.org/x/crypto/ripemd160"

	"github.com/atlasd/atlasd/plugin/driver"
)

const (
	// fileSuffix matches v1's zonefile names, so that a synced copy of the
	// folder is a v1 zonefile directory.
	fileSuffix = ".txt"
	// hash160Len is the hex length of a v1 zonefile hash.
	hash160Len = 40
)

// errNotFile marks metadata of a folder where a blob should be.
var errNotFile = errors.New("dropbox: a folder, not a file, is at the blob's path")

// blobPath is where a key's blob lives: <folder>/ab/cd/<key>.txt, the
// sharding of v1's zonefile directory.
func (c *conn) blobPath(key string) string {
	return c.cfg.folder + "/" + key[:2] + "/" + key[2:4] + "/" + key + fileSuffix
}

// checkDigest verifies that a blob with a hash160-length key holds bytes
// hashing to it. Keys of other lengths come from other digests, which the
// driver cannot check; Dropbox's content hash still guards their transfer.
func checkDigest(key string, data []byte) error {
	if len(key) != hash160Len {
		return nil
	}
	s := sha256.Sum256(data)
	r := ripemd160.New()
	r.Write(s[:])
	if got := hex.EncodeToString(r.Sum(nil)); got != key {
		return fmt.Errorf("bytes hash to %s, not to their key", got)
	}
	return nil
}

func contentHash(data []byte) string {
	h := contenthash.New()
	h.Write(data)
	return h.HexDigest()
}

// Put implements driver.Driver. It uploads in add mode: Dropbox accepts
// identical content at an existing path without writing, so a repeated Put
// succeeds. A conflict means other bytes are stored there; if their size
// and content hash match after all, that is success, and otherwise the
// stored file cannot be this key's blob and is replaced.
func (d *dropboxDriver) Put(ctx context.Context, req driver.PutRequest) error {
	c, err := d.connection()
	if err != nil {
		return err
	}
	if err := driver.ValidateKey(req.Key); err != nil {
		return fmt.Errorf("dropbox: put: %w", err)
	}
	if err := driver.ValidateBlob(req.Data); err != nil {
		return fmt.Errorf("dropbox: put %s: %w", req.Key, err)
	}
	if err := checkDigest(req.Key, req.Data); err != nil {
		return fmt.Errorf("dropbox: put %s: %w: %w", req.Key, driver.ErrInvalidArgument, err)
	}
	hash := contentHash(req.Data)
	err = c.upload(ctx, req.Key, req.Data, hash, files.WriteModeAdd)
	if reason, what := writeReason(err); reason == files.WriteErrorConflict && what == files.WriteConflictErrorFile {
		same, serr := c.holds(ctx, req.Key, len(req.Data), hash)
		switch {
		case serr != nil:
			err = serr
		case same:
			return nil
		default:
			d.log.Warn("replacing a stored file that does not hold its key's blob", "key", req.Key)
			err = c.upload(ctx, req.Key, req.Data, hash, files.WriteModeOverwrite)
		}
	}
	if err != nil {
		return fmt.Errorf("dropbox: put %s: %w", req.Key, explainWrite(err, c.cfg))
	}
	return nil
}

// upload stores data at the key's path, sending its content hash so that
// Dropbox refuses bytes damaged on the way.
func (c *conn) upload(ctx context.Context, key string, data []byte, hash, mode string) error {
	arg := files.NewUploadArg(c.blobPath(key))
	arg.Mode = &files.WriteMode{Tagged: dropbox.Tagged{Tag: mode}}
	arg.Mute = true
	arg.ContentHash = hash
	return c.do(func() error {
		res, err := c.api.UploadContext(ctx, arg, bytes.NewReader(data))
		if err != nil {
			return err
		}
		if res.Size != uint64(len(data)) || (res.ContentHash != "" && res.ContentHash != hash) {
			return fmt.Errorf("upload stored %d bytes with content hash %s, sent %d bytes with %s", res.Size, res.ContentHash, len(data), hash)
		}
		return nil
	})
}

// holds reports whether the file at the key's path has the given size and
// content hash.
func (c *conn) holds(ctx context.Context, key string, size int, hash string) (bool, error) {
	var meta files.IsMetadata
	err := c.do(func() (err error) {
		meta, err = c.api.GetMetadataContext(ctx, files.NewGetMetadataArg(c.blobPath(key)))
		return err
	})
	if err != nil {
		return false, err
	}
	f, ok := meta.(*files.FileMetadata)
	return ok && f.Size == uint64(size) && f.ContentHash == hash, nil
}

// explainWrite adds the meaning of upload failures worth a sentence.
func explainWrite(err error, s settings) error {
	switch reason, _ := writeReason(err); reason {
	case files.WriteErrorInsufficientSpace:
		return fmt.Errorf("the Dropbox account is full (%s): %w", reason, err)
	case files.WriteErrorNoWritePermission, files.WriteErrorTeamFolder:
		return fmt.Errorf("no permission to write in %s (%s): %w", s.folder, reason, err)
	}
	return explain(err, s)
}

// Get implements driver.Driver. The bytes are checked twice: against the
// content hash Dropbox reports, which catches damage in transfer, and for
// hash160 keys against the key, which catches a wrong file.
func (d *dropboxDriver) Get(ctx context.Context, req driver.GetRequest) (driver.GetResponse, error) {
	c, err := d.connection()
	if err != nil {
		return driver.GetResponse{}, err
	}
	if err := driver.ValidateKey(req.Key); err != nil {
		return driver.GetResponse{}, fmt.Errorf("dropbox: get: %w", err)
	}
	var data []byte
	err = c.do(func() (err error) {
		data, err = c.download(ctx, req.Key)
		return err
	})
	switch {
	case isAbsent(err):
		return driver.GetResponse{}, fmt.Errorf("dropbox: get %s: %w: %w", req.Key, driver.ErrNotFound, err)
	case err != nil:
		return driver.GetResponse{}, fmt.Errorf("dropbox: get %s: %w", req.Key, explain(err, c.cfg))
	}
	if err := checkDigest(req.Key, data); err != nil {
		return driver.GetResponse{}, fmt.Errorf("dropbox: get %s: stored file: %w", req.Key, err)
	}
	return driver.GetResponse{Data: data}, nil
}

// download fetches and checks the bytes at the key's path.
func (c *conn) download(ctx context.Context, key string) ([]byte, error) {
	res, body, err := c.api.DownloadContext(ctx, files.NewDownloadArg(c.blobPath(key)))
	if err != nil {
		return nil, err
	}
	defer body.Close()
	if res.Size > driver.MaxBlobSize {
		return nil, fmt.Errorf("stored file: %w: %d bytes, limit %d", driver.ErrBlobTooLarge, res.Size, driver.MaxBlobSize)
	}
	// One byte past the announced size tells a longer body from a full one.
	data, err := io.ReadAll(io.LimitReader(body, int64(res.Size)+1))
	if err != nil {
		return nil, err
	}
	if uint64(len(data)) != res.Size {
		return nil, fmt.Errorf("download brought %d bytes, Dropbox announced %d", len(data), res.Size)
	}
	if res.ContentHash != "" {
		if got := contentHash(data); got != res.ContentHash {
			return nil, fmt.Errorf("downloaded bytes have content hash %s, Dropbox announced %s: damaged in transfer", got, res.ContentHash)
		}
	}
	return data, nil
}

// Stat implements driver.Driver with get_metadata, which reads no content.
func (d *dropboxDriver) Stat(ctx context.Context, req driver.StatRequest) (driver.StatResponse, error) {
	c, err := d.connection()
	if err != nil {
		return driver.StatResponse{}, err
	}
	if err := driver.ValidateKey(req.Key); err != nil {
		return driver.StatResponse{}, fmt.Errorf("dropbox: stat: %w", err)
	}
	var meta files.IsMetadata
	err = c.do(func() (err error) {
		meta, err = c.api.GetMetadataContext(ctx, files.NewGetMetadataArg(c.blobPath(req.Key)))
		return err
	})
	if err != nil {
		if isAbsent(err) {
			return driver.StatResponse{}, fmt.Errorf("dropbox: stat %s: %w: %w", req.Key, driver.ErrNotFound, err)
		}
		return driver.StatResponse{}, fmt.Errorf("dropbox: stat %s: %w", req.Key, explain(err, c.cfg))
	}
	f, ok := meta.(*files.FileMetadata)
	if !ok {
		return driver.StatResponse{}, fmt.Errorf("dropbox: stat %s: %w: %w", req.Key, driver.ErrNotFound, errNotFile)
	}
	if f.Size > driver.MaxBlobSize {
		return driver.StatResponse{}, fmt.Errorf("dropbox: stat %s: stored file: %w: %d bytes, limit %d", req.Key, driver.ErrBlobTooLarge, f.Size, driver.MaxBlobSize)
	}
	return driver.StatResponse{Size: int64(f.Size)}, nil
}
