package fakedropbox_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"

	"github.com/atlasd/atlasd/contrib/dropbox/internal/fakedropbox"
)

// sdkClient is the official Go SDK pointed at s, which is how the SDK's
// own decoding vouches for the fake's formats.
func sdkClient(s *fakedropbox.Server, token string) files.ContextClient {
	return files.NewContext(dropbox.Config{
		Token: token,
		URLGenerator: func(host, namespace, route string) string {
			base := s.APIURL()
			if host == "content" {
				base = s.ContentURL()
			}
			return base + "/2/" + namespace + "/" + route
		},
	})
}

func TestSDKDecodesAnswers(t *testing.T) {
	s := start(t, fakedropbox.Config{PageSize: 1})
	tok := s.IssueAccessToken()
	c := sdkClient(s, tok)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	data := []byte("zonefile bytes")

	res, err := c.UploadContext(ctx, files.NewUploadArg("/Backup/ab/cd/abcd.txt"), bytes.NewReader(data))
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	if res.Size != uint64(len(data)) || res.ContentHash != fakedropbox.ContentHash(data) || res.PathLower != "/backup/ab/cd/abcd.txt" {
		t.Errorf("upload result %+v", res)
	}
	if time.Time(res.ServerModified).IsZero() {
		t.Error("server_modified did not parse")
	}

	t.Run("download", func(t *testing.T) {
		meta, body, err := c.DownloadContext(ctx, files.NewDownloadArg("/backup/ab/cd/abcd.txt"))
		if err != nil {
			t.Fatal(err)
		}
		defer body.Close()
		got, err := io.ReadAll(body)
		if err != nil || !bytes.Equal(got, data) || meta.Rev != res.Rev {
			t.Errorf("download = %q, rev %s, %v", got, meta.Rev, err)
		}
	})
	t.Run("metadata union", func(t *testing.T) {
		m, err := c.GetMetadataContext(ctx, files.NewGetMetadataArg("/backup/ab"))
		if err != nil {
			t.Fatal(err)
		}
		if f, ok := m.(*files.FolderMetadata); !ok || f.PathDisplay != "/Backup/ab" {
			t.Errorf("get_metadata = %#v, want the folder", m)
		}
	})
	t.Run("list with continue", func(t *testing.T) {
		arg := files.NewListFolderArg("/backup")
		arg.Recursive = true
		page, err := c.ListFolderContext(ctx, arg)
		if err != nil {
			t.Fatal(err)
		}
		var found []string
		for {
			for _, e := range page.Entries {
				if f, ok := e.(*files.FileMetadata); ok {
					found = append(found, f.PathLower)
				}
			}
			if !page.HasMore {
				break
			}
			if page, err = c.ListFolderContinueContext(ctx, files.NewListFolderContinueArg(page.Cursor)); err != nil {
				t.Fatal(err)
			}
		}
		if len(found) != 1 || found[0] != "/backup/ab/cd/abcd.txt" {
			t.Errorf("listed files %v", found)
		}
	})
	t.Run("typed errors", func(t *testing.T) {
		_, err := c.GetMetadataContext(ctx, files.NewGetMetadataArg("/backup/none"))
		var notFound files.GetMetadataAPIError
		if !errors.As(err, &notFound) || notFound.EndpointError.Path.Tag != files.LookupErrorNotFound {
			t.Errorf("absent file: %v (%T)", err, err)
		}
		arg := files.NewUploadArg("/backup/ab/cd/abcd.txt")
		_, err = c.UploadContext(ctx, arg, bytes.NewReader([]byte("different")))
		var conflict files.UploadAPIError
		if !errors.As(err, &conflict) || conflict.EndpointError.Path.Reason.Tag != files.WriteErrorConflict || conflict.EndpointError.Path.Reason.Conflict.Tag != files.WriteConflictErrorFile {
			t.Errorf("conflicting upload: %v (%T)", err, err)
		}
		s.RateLimit(1, 3, "")
		_, err = c.GetMetadataContext(ctx, files.NewGetMetadataArg("/backup/ab"))
		var limited auth.RateLimitAPIError
		if !errors.As(err, &limited) || limited.RateLimitError.RetryAfter != 3 || limited.RateLimitError.Reason.Tag != auth.RateLimitReasonTooManyRequests {
			t.Errorf("rate limited: %v (%T)", err, err)
		}
		s.ExpireTokens()
		_, err = c.GetMetadataContext(ctx, files.NewGetMetadataArg("/backup/ab"))
		var expired auth.AuthAPIError
		if !errors.As(err, &expired) || expired.AuthError.Tag != auth.AuthErrorExpiredAccessToken {
			t.Errorf("expired token: %v (%T)", err, err)
		}
	})
}
