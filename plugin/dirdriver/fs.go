package dirdriver

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// BlobPath returns where a driver rooted at root keeps key's blob: v1's
// layout, two levels of two-hex-digit shards, then the key. key must pass
// driver.ValidateKey (so it has at least four hex digits). It is exported
// for tools and tests that look at a store from outside the driver.
func BlobPath(root, key string) string {
	return filepath.Join(root, key[0:2], key[2:4], key+fileSuffix)
}

// mkdirSynced creates root/a/b as needed. Each directory it creates is made
// durable by syncing its parent, otherwise a crash could lose the directory
// entry together with the file renamed into it.
func mkdirSynced(root, a, b string) error {
	parent := root
	for _, name := range []string{a, b} {
		dir := filepath.Join(parent, name)
		err := os.Mkdir(dir, dirPerm)
		switch {
		case err == nil:
			if err := syncDir(parent); err != nil {
				return err
			}
		case errors.Is(err, fs.ErrExist):
		default:
			return err
		}
		parent = dir
	}
	return nil
}

// writeAtomic writes data to final so that readers see either no file or the
// whole file, even across a crash: temp file in the same directory, fsync,
// rename over, fsync the directory.
func writeAtomic(final string, data []byte) (err error) {
	dir := filepath.Dir(final)
	tmp, err := os.CreateTemp(dir, tempPrefix+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// CreateTemp already uses 0600; Chmod states it rather than relying on it.
	if err = tmp.Chmod(filePerm); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), final); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDir fsyncs a directory so that entries created in it are durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return f.Close()
}
