package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/minio/minio-go/v7"

	"github.com/atlasd/atlasd/plugin/driver"
	"github.com/atlasd/atlasd/plugin/drivertest"
)

func configured(t *testing.T, settings map[string]string) *s3Driver {
	t.Helper()
	d := newDriver(hclog.NewNullLogger())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Configure(ctx, driver.ConfigureRequest{Settings: settings}); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	return d
}

// TestConformance runs the contract suite on the driver in-process against
// versitygw, with and without a key prefix.
func TestConformance(t *testing.T) {
	g := startGateway(t)
	for _, prefix := range []string{"", "atlas/zonefiles/"} {
		t.Run("prefix="+prefix, func(t *testing.T) {
			bucket := g.bucket(t)
			d := configured(t, g.settings(bucket, prefix))
			blobs := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")
			drivertest.Conformance(t, d, blobs)

			// The objects are plain S3 objects named prefix+key.
			ctx := context.Background()
			obj, err := g.client(t).GetObject(ctx, bucket, prefix+blobs[0].Key, minio.GetObjectOptions{})
			if err != nil {
				t.Fatal(err)
			}
			defer obj.Close()
			var buf bytes.Buffer
			if _, err := buf.ReadFrom(obj); err != nil {
				t.Fatalf("read %s%s with a plain client: %v", prefix, blobs[0].Key, err)
			}
			if drivertest.Hash160(buf.Bytes()) != blobs[0].Key {
				t.Errorf("object %s%s does not hold the blob", prefix, blobs[0].Key)
			}
		})
	}
}

// TestListSkipsForeignObjects: objects under the prefix that the driver did
// not write, and objects outside it, stay out of List.
func TestListSkipsForeignObjects(t *testing.T) {
	g := startGateway(t)
	bucket := g.bucket(t)
	ctx := context.Background()
	blobs := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")
	d := configured(t, g.settings(bucket, "z/"))
	for _, b := range blobs {
		if err := d.Put(ctx, driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
			t.Fatal(err)
		}
	}
	c := g.client(t)
	for _, name := range []string{"z/README", "z/" + strings.ToUpper(blobs[0].Key), "z/" + blobs[1].Key + ".bak", blobs[2].Key, "y/" + blobs[3].Key} {
		if _, err := c.PutObject(ctx, bucket, name, strings.NewReader("foreign"), 7, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	drivertest.CheckList(ctx, t, d, blobs)
}

func TestConfigureErrors(t *testing.T) {
	g := startGateway(t)
	bucket := g.bucket(t)
	with := func(changes map[string]string) map[string]string {
		s := g.settings(bucket, "")
		for k, v := range changes {
			if v == "-" {
				delete(s, k)
			} else {
				s[k] = v
			}
		}
		return s
	}
	tests := []struct {
		name     string
		settings map[string]string
		mention  string
	}{
		{"missing bucket setting", with(map[string]string{"bucket": "-"}), "bucket"},
		{"bucket absent", with(map[string]string{"bucket": "no-such-bucket"}), "does not exist"},
		{"wrong secret", with(map[string]string{"secret_access_key": "wrong"}), "bucket"},
		{"unknown access key", with(map[string]string{"access_key_id": "AKNOBODY"}), "bucket"},
		{"unknown setting", with(map[string]string{"buckt": bucket}), "buckt"},
		{"endpoint with path", with(map[string]string{"endpoint": g.endpoint + "/s3"}), "endpoint"},
		{"endpoint without scheme", with(map[string]string{"endpoint": "127.0.0.1:9000"}), "endpoint"},
		{"bad path_style", with(map[string]string{"path_style": "yes please"}), "path_style"},
		{"key without secret", with(map[string]string{"secret_access_key": "-"}), "secret_access_key"},
		{"token without keys", with(map[string]string{"access_key_id": "-", "secret_access_key": "-", "session_token": "t"}), "session_token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := newDriver(hclog.NewNullLogger()).Configure(ctx, driver.ConfigureRequest{Settings: tc.settings})
			if !errors.Is(err, driver.ErrInvalidArgument) {
				t.Fatalf("Configure error = %v, want ErrInvalidArgument", err)
			}
			if !strings.Contains(err.Error(), tc.mention) {
				t.Errorf("error %q does not mention %q", err, tc.mention)
			}
			if secret := tc.settings["secret_access_key"]; secret != "" && strings.Contains(err.Error(), secret) {
				t.Errorf("error %q leaks the secret", err)
			}
		})
	}
}

func TestNotConfigured(t *testing.T) {
	d := newDriver(hclog.NewNullLogger())
	key := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0].Key
	ctx := context.Background()
	_, err := d.Get(ctx, driver.GetRequest{Key: key})
	if !errors.Is(err, driver.ErrNotConfigured) {
		t.Errorf("Get before Configure error = %v, want ErrNotConfigured", err)
	}
	if _, err := d.List(ctx, driver.ListRequest{}); !errors.Is(err, driver.ErrNotConfigured) {
		t.Errorf("List before Configure error = %v, want ErrNotConfigured", err)
	}
}

// TestOversizedObject: an object someone else made too large is refused on
// Get rather than truncated.
func TestOversizedObject(t *testing.T) {
	g := startGateway(t)
	bucket := g.bucket(t)
	key := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0].Key
	big := make([]byte, driver.MaxBlobSize+1)
	if _, err := g.client(t).PutObject(context.Background(), bucket, key, bytes.NewReader(big), int64(len(big)), minio.PutObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	d := configured(t, g.settings(bucket, ""))
	if _, err := d.Get(context.Background(), driver.GetRequest{Key: key}); !errors.Is(err, driver.ErrBlobTooLarge) {
		t.Errorf("Get error = %v, want ErrBlobTooLarge", err)
	}
}

// storedFile is where versitygw's POSIX backend keeps an object: proof that
// the bytes reached the server's disk, not a cache.
func storedFile(g *gateway, bucket, object string) string {
	return filepath.Join(append([]string{g.root, bucket}, strings.Split(object, "/")...)...)
}

func TestStoredOnDisk(t *testing.T) {
	g := startGateway(t)
	bucket := g.bucket(t)
	b := drivertest.Zonefiles(t, "subdomain_zonefiles.txt")[0]
	d := configured(t, g.settings(bucket, "zf/"))
	if err := d.Put(context.Background(), driver.PutRequest{Key: b.Key, Data: b.Data}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(storedFile(g, bucket, "zf/"+b.Key))
	if err != nil {
		t.Fatal(err)
	}
	if drivertest.Hash160(data) != b.Key {
		t.Error("file in the gateway's backend does not hold the blob")
	}
}
