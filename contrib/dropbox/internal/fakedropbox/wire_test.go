package fakedropbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/atlasd/atlasd/contrib/dropbox/internal/fakedropbox"
)

var (
	revPattern  = regexp.MustCompile(`^[0-9a-f]{9,}$`)
	timePattern = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
)

func fixedClock() time.Time { return time.Date(2020, 1, 2, 3, 4, 5, 678e6, time.UTC) }

// TestMetadataFormats checks FileMetadata and FolderMetadata as upload,
// download and get_metadata return them.
func TestMetadataFormats(t *testing.T) {
	s := start(t, fakedropbox.Config{Now: fixedClock})
	tok := s.IssueAccessToken()
	data := []byte("$ORIGIN example.id\n$TTL 3600\n")

	up := content(t, s, tok, "files/upload", map[string]any{"path": "/Z/Ab/cd/File.TXT", "mode": "add", "client_modified": "2015-05-12T15:50:38Z"}, data)
	if up.status != http.StatusOK {
		t.Fatalf("upload: %d %s", up.status, up.body)
	}
	file := up.object(t)
	want := map[string]any{
		"name":            "File.TXT",
		"path_lower":      "/z/ab/cd/file.txt",
		"path_display":    "/Z/Ab/cd/File.TXT",
		"client_modified": "2015-05-12T15:50:38Z",
		"server_modified": "2020-01-02T03:04:05Z",
		"size":            float64(len(data)),
		"is_downloadable": true,
		"content_hash":    fakedropbox.ContentHash(data),
	}
	for k, v := range want {
		if file[k] != v {
			t.Errorf("upload result %s = %v, want %v", k, file[k], v)
		}
	}
	if _, ok := file[".tag"]; ok {
		t.Error("upload result carries .tag; FileMetadata as a plain struct has none")
	}
	if rev, _ := file["rev"].(string); !revPattern.MatchString(rev) {
		t.Errorf("rev %q is not 9+ lowercase hex digits", rev)
	}
	if id, _ := file["id"].(string); !strings.HasPrefix(id, "id:") {
		t.Errorf("id %q lacks the id: prefix", id)
	}

	t.Run("download", func(t *testing.T) {
		down := content(t, s, tok, "files/download", map[string]any{"path": "/z/AB/CD/file.txt"}, nil)
		if down.status != http.StatusOK || !bytes.Equal(down.body, data) {
			t.Fatalf("download: %d %q", down.status, down.body)
		}
		if ct := down.header.Get("Content-Type"); ct != "application/octet-stream" {
			t.Errorf("Content-Type %q", ct)
		}
		var result map[string]any
		if err := json.Unmarshal([]byte(down.header.Get("Dropbox-API-Result")), &result); err != nil {
			t.Fatalf("Dropbox-API-Result: %v", err)
		}
		if !jsonEqual(t, result, file) {
			t.Errorf("Dropbox-API-Result %v, upload said %v", result, file)
		}
	})
	t.Run("get_metadata file", func(t *testing.T) {
		got := rpc(t, s, tok, "files/get_metadata", map[string]any{"path": "/Z/AB/cd/FILE.txt"})
		if got.status != http.StatusOK {
			t.Fatalf("%d %s", got.status, got.body)
		}
		m := got.object(t)
		if m[".tag"] != "file" {
			t.Errorf(".tag = %v, want file", m[".tag"])
		}
		delete(m, ".tag")
		if !jsonEqual(t, m, file) {
			t.Errorf("get_metadata %v, upload said %v", m, file)
		}
	})
	t.Run("get_metadata folder", func(t *testing.T) {
		m := rpc(t, s, tok, "files/get_metadata", map[string]any{"path": "/z/ab"}).object(t)
		for k, v := range map[string]any{".tag": "folder", "name": "Ab", "path_lower": "/z/ab", "path_display": "/Z/Ab"} {
			if m[k] != v {
				t.Errorf("%s = %v, want %v", k, m[k], v)
			}
		}
		for _, k := range []string{"size", "rev", "content_hash"} {
			if _, ok := m[k]; ok {
				t.Errorf("folder metadata has %s", k)
			}
		}
	})
	t.Run("same content again", func(t *testing.T) {
		again := content(t, s, tok, "files/upload", map[string]any{"path": "/z/ab/cd/file.txt", "mode": map[string]any{".tag": "add"}}, data)
		if again.status != http.StatusOK || again.object(t)["rev"] != file["rev"] {
			t.Errorf("identical upload in add mode: %d %s; want the existing file, rev %v", again.status, again.body, file["rev"])
		}
	})
	t.Run("times", func(t *testing.T) {
		for _, k := range []string{"client_modified", "server_modified"} {
			if v, _ := file[k].(string); !timePattern.MatchString(v) {
				t.Errorf("%s %q is not %%Y-%%m-%%dT%%H:%%M:%%SZ", k, v)
			}
		}
	})
}

// TestHeaderJSONIsASCII: the argument and result headers carry non-ASCII
// names as \u escapes, surrogate pairs included.
func TestHeaderJSONIsASCII(t *testing.T) {
	s := start(t, fakedropbox.Config{})
	tok := s.IssueAccessToken()
	const name = "/Z/ünï😀.txt"
	req, err := http.NewRequest(http.MethodPost, s.ContentURL()+"/2/files/upload", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/octet-stream")
	req.Header.Set("Dropbox-API-Arg", `{"path": "/Z/\u00fcn\u00ef\ud83d\ude00.txt"}`)
	if a := send(t, req); a.status != http.StatusOK {
		t.Fatalf("upload: %d %s", a.status, a.body)
	}
	req, err = http.NewRequest(http.MethodPost, s.ContentURL()+"/2/files/download", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Dropbox-API-Arg", `{"path": "/z/\u00fcn\u00ef\ud83d\ude00.txt"}`)
	down := send(t, req)
	if down.status != http.StatusOK {
		t.Fatalf("download: %d %s", down.status, down.body)
	}
	res := down.header.Get("Dropbox-API-Result")
	for i := 0; i < len(res); i++ {
		if res[i] >= 0x7f {
			t.Fatalf("Dropbox-API-Result has byte %#x: %s", res[i], res)
		}
	}
	if !strings.Contains(res, `\ud83d\ude00`) {
		t.Errorf("Dropbox-API-Result %s lacks the surrogate pair", res)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(res), &m); err != nil {
		t.Fatal(err)
	}
	if m["path_display"] != name {
		t.Errorf("path_display %v, want %s", m["path_display"], name)
	}
}

func jsonEqual(t *testing.T, a, b any) bool {
	t.Helper()
	return string(mustJSON(t, a)) == string(mustJSON(t, b))
}
