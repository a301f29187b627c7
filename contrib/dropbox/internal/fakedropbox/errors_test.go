package fakedropbox_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/atlasd/atlasd/contrib/dropbox/internal/fakedropbox"
)

// TestErrorAnswers checks status, content type and body of each error the
// fake produces against Dropbox's documented forms.
func TestErrorAnswers(t *testing.T) {
	s := start(t, fakedropbox.Config{Now: fixedClock})
	if err := s.PutFile("/z/ab/cd/abcd.txt", []byte("stored")); err != nil {
		t.Fatal(err)
	}
	expired := s.IssueAccessToken()
	s.ExpireTokens()
	tok := s.IssueAccessToken() // issued after the expiry, so still good

	const conflictFile = `{".tag":"path","reason":{".tag":"conflict","conflict":{".tag":"file"}},"upload_session_id":""}`
	tests := []struct {
		name    string
		call    func() answer
		status  int
		summary string // error_summary prefix; "" for plain-text answers
		err     string // the "error" member, compact JSON
		text    string // substring of a plain-text answer
	}{
		{"metadata of absent file", func() answer {
			return rpc(t, s, tok, "files/get_metadata", map[string]any{"path": "/z/ab/cd/none.txt"})
		}, 409, "path/not_found/", `{".tag":"path","path":{".tag":"not_found"}}`, ""},
		{"metadata with doubled slash", func() answer {
			return rpc(t, s, tok, "files/get_metadata", map[string]any{"path": "/z//ab"})
		}, 409, "path/malformed_path/", `{".tag":"path","path":{".tag":"malformed_path"}}`, ""},
		{"metadata of the root", func() answer {
			return rpc(t, s, tok, "files/get_metadata", map[string]any{"path": ""})
		}, 400, "", "", "root folder is unsupported"},
		{"metadata path without slash", func() answer {
			return rpc(t, s, tok, "files/get_metadata", map[string]any{"path": "z/ab"})
		}, 400, "", "", "did not match pattern"},
		{"metadata without path", func() answer {
			return rpc(t, s, tok, "files/get_metadata", map[string]any{})
		}, 400, "", "", "missing required field 'path'"},
		{"download of absent file", func() answer {
			return content(t, s, tok, "files/download", map[string]any{"path": "/z/none.txt"}, nil)
		}, 409, "path/not_found/", `{".tag":"path","path":{".tag":"not_found"}}`, ""},
		{"download of a folder", func() answer {
			return content(t, s, tok, "files/download", map[string]any{"path": "/z/ab"}, nil)
		}, 409, "path/not_file/", `{".tag":"path","path":{".tag":"not_file"}}`, ""},
		{"list of a file", func() answer {
			return rpc(t, s, tok, "files/list_folder", map[string]any{"path": "/z/ab/cd/abcd.txt"})
		}, 409, "path/not_folder/", `{".tag":"path","path":{".tag":"not_folder"}}`, ""},
		{"list of absent folder", func() answer {
			return rpc(t, s, tok, "files/list_folder", map[string]any{"path": "/y"})
		}, 409, "path/not_found/", `{".tag":"path","path":{".tag":"not_found"}}`, ""},
		{"list of the root as slash", func() answer {
			return rpc(t, s, tok, "files/list_folder", map[string]any{"path": "/"})
		}, 400, "", "", "empty string"},
		{"list limit too large", func() answer {
			return rpc(t, s, tok, "files/list_folder", map[string]any{"path": "", "limit": 2001})
		}, 400, "", "", "greater than 2000"},
		{"continue with a bad cursor", func() answer {
			return rpc(t, s, tok, "files/list_folder/continue", map[string]any{"cursor": "nonsense"})
		}, 400, "", "", `Invalid "cursor" parameter`},
		{"upload over different content", func() answer {
			return content(t, s, tok, "files/upload", map[string]any{"path": "/z/ab/cd/abcd.txt", "mode": "add"}, []byte("other"))
		}, 409, "path/conflict/file/", conflictFile, ""},
		{"upload over a folder", func() answer {
			return content(t, s, tok, "files/upload", map[string]any{"path": "/z/ab", "mode": "overwrite"}, []byte("x"))
		}, 409, "path/conflict/folder/", `{".tag":"path","reason":{".tag":"conflict","conflict":{".tag":"folder"}},"upload_session_id":""}`, ""},
		{"upload below a file", func() answer {
			return content(t, s, tok, "files/upload", map[string]any{"path": "/z/ab/cd/abcd.txt/x"}, []byte("x"))
		}, 409, "path/conflict/file_ancestor/", `{".tag":"path","reason":{".tag":"conflict","conflict":{".tag":"file_ancestor"}},"upload_session_id":""}`, ""},
		{"upload with trailing slash", func() answer {
			return content(t, s, tok, "files/upload", map[string]any{"path": "/z/new/"}, []byte("x"))
		}, 409, "path/malformed_path/", `{".tag":"path","reason":{".tag":"malformed_path"},"upload_session_id":""}`, ""},
		{"upload with a wrong content_hash", func() answer {
			return content(t, s, tok, "files/upload", map[string]any{"path": "/z/new.txt", "content_hash": fakedropbox.ContentHash([]byte("y"))}, []byte("x"))
		}, 409, "content_hash_mismatch/", `{".tag":"content_hash_mismatch"}`, ""},
		{"upload in update mode with a stale rev", func() answer {
			return content(t, s, tok, "files/upload", map[string]any{"path": "/z/ab/cd/abcd.txt", "mode": map[string]any{".tag": "update", "update": "0123456789"}}, []byte("x"))
		}, 409, "path/conflict/file/", conflictFile, ""},
		{"update mode as a bare string", func() answer {
			return content(t, s, tok, "files/upload", map[string]any{"path": "/z/u.txt", "mode": "update"}, []byte("x"))
		}, 400, "", "", "mode"},
		{"no authorization", func() answer {
			return rpc(t, s, "", "files/get_metadata", map[string]any{"path": "/z"})
		}, 400, "", "", `Must provide HTTP header "Authorization"`},
		{"unknown token", func() answer {
			return rpc(t, s, "sl.nobody", "files/get_metadata", map[string]any{"path": "/z"})
		}, 401, "invalid_access_token/", `{".tag":"invalid_access_token"}`, ""},
		{"expired token", func() answer {
			return content(t, s, expired, "files/download", map[string]any{"path": "/z/ab/cd/abcd.txt"}, nil)
		}, 401, "expired_access_token/", `{".tag":"expired_access_token"}`, ""},
		{"upload sent to the API host", func() answer {
			req, _ := http.NewRequest(http.MethodPost, s.APIURL()+"/2/files/upload", strings.NewReader("x"))
			return send(t, req)
		}, 404, "", "", "Unknown API function"},
		{"RPC with a form body", func() answer {
			req, _ := http.NewRequest(http.MethodPost, s.APIURL()+"/2/files/get_metadata", strings.NewReader("path=/z"))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return send(t, req)
		}, 400, "", "", `Bad HTTP "Content-Type" header`},
		{"upload without argument header", func() answer {
			req, _ := http.NewRequest(http.MethodPost, s.ContentURL()+"/2/files/upload", strings.NewReader("x"))
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "application/octet-stream")
			return send(t, req)
		}, 400, "", "", `"Dropbox-API-Arg"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.call()
			if a.status != tc.status {
				t.Fatalf("status %d, want %d; body %s", a.status, tc.status, a.body)
			}
			ct := a.header.Get("Content-Type")
			if tc.summary == "" {
				if !strings.HasPrefix(ct, "text/plain") || !strings.Contains(string(a.body), tc.text) {
					t.Errorf("answer %q (%s), want plain text containing %q", a.body, ct, tc.text)
				}
				return
			}
			if ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			if sum, _ := a.object(t)["error_summary"].(string); !strings.HasPrefix(sum, tc.summary) {
				t.Errorf("error_summary %q, want prefix %q", sum, tc.summary)
			}
			if got := a.errorJSON(t); got != tc.err {
				t.Errorf("error %s, want %s", got, tc.err)
			}
		})
	}
	if data, _ := s.File("/z/ab/cd/abcd.txt"); string(data) != "stored" {
		t.Errorf("failed uploads changed the file to %q", data)
	}
}

// TestFaults checks each injected failure and that it runs out.
func TestFaults(t *testing.T) {
	s := start(t, fakedropbox.Config{})
	tok := s.IssueAccessToken()
	meta := func() answer { return rpc(t, s, tok, "files/get_metadata", map[string]any{"path": "/f.txt"}) }
	up := func(data string) answer {
		return content(t, s, tok, "files/upload", map[string]any{"path": "/f.txt", "mode": "overwrite"}, []byte(data))
	}

	t.Run("rate limit", func(t *testing.T) {
		s.RateLimit(2, 7, "too_many_write_operations")
		for i := range 2 {
			a := meta()
			if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "7" {
				t.Fatalf("call %d: %d, Retry-After %q", i, a.status, a.header.Get("Retry-After"))
			}
			if got, want := a.errorJSON(t), `{"reason":{".tag":"too_many_write_operations"},"retry_after":7}`; got != want {
				t.Errorf("error %s, want %s", got, want)
			}
		}
		if a := meta(); a.status != http.StatusConflict {
			t.Errorf("third call: %d, want the ordinary 409", a.status)
		}
	})
	t.Run("failed upload", func(t *testing.T) {
		s.FailUploads(1)
		if a := up("one"); a.status != http.StatusInternalServerError {
			t.Fatalf("first upload: %d", a.status)
		}
		if _, ok := s.File("/f.txt"); ok {
			t.Fatal("failed upload stored a file")
		}
		if a := up("one"); a.status != http.StatusOK {
			t.Fatalf("second upload: %d %s", a.status, a.body)
		}
	})
	t.Run("quota", func(t *testing.T) {
		s.SetQuota(5)
		a := up("too long")
		if a.status != http.StatusConflict || a.errorJSON(t) != `{".tag":"path","reason":{".tag":"insufficient_space"},"upload_session_id":""}` {
			t.Fatalf("upload over quota: %d %s", a.status, a.body)
		}
		s.SetQuota(0)
	})
	t.Run("corrupt download", func(t *testing.T) {
		s.CorruptDownloads(1)
		dl := func() answer { return content(t, s, tok, "files/download", map[string]any{"path": "/f.txt"}, nil) }
		bad, good := dl(), dl()
		if string(good.body) != "one" || string(bad.body) == "one" || len(bad.body) != 3 {
			t.Fatalf("downloads %q then %q", bad.body, good.body)
		}
		if bad.header.Get("Dropbox-API-Result") != good.header.Get("Dropbox-API-Result") {
			t.Error("corruption changed the result header")
		}
	})
	t.Run("down", func(t *testing.T) {
		s.SetDown(true)
		req, _ := http.NewRequest(http.MethodPost, s.APIURL()+"/2/files/get_metadata", strings.NewReader("{}"))
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			t.Fatalf("server that is down answered %d", resp.StatusCode)
		}
		s.SetDown(false)
		if a := meta(); a.status != http.StatusOK {
			t.Fatalf("after coming back: %d", a.status)
		}
	})
}
