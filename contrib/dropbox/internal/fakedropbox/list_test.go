package fakedropbox_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/atlasd/atlasd/contrib/dropbox/internal/fakedropbox"
)

// page is one decoded list_folder answer.
type page struct {
	paths   []string // path_display of the entries, tagged "<tag>:"
	cursor  string
	hasMore bool
}

func listCall(t *testing.T, s *fakedropbox.Server, tok, route string, arg any) page {
	t.Helper()
	a := rpc(t, s, tok, route, arg)
	if a.status != http.StatusOK {
		t.Fatalf("%s: %d %s", route, a.status, a.body)
	}
	m := a.object(t)
	var p page
	entries, ok := m["entries"].([]any)
	if !ok {
		t.Fatalf("entries is %T, want a list", m["entries"])
	}
	for _, e := range entries {
		em := e.(map[string]any)
		p.paths = append(p.paths, em[".tag"].(string)+":"+em["path_display"].(string))
	}
	p.cursor, _ = m["cursor"].(string)
	p.hasMore, _ = m["has_more"].(bool)
	if p.cursor == "" {
		t.Fatal("no cursor")
	}
	return p
}

// listAll follows a listing to its end and returns every entry and the
// final cursor.
func listAll(t *testing.T, s *fakedropbox.Server, tok string, arg any) ([]string, string, int) {
	t.Helper()
	p := listCall(t, s, tok, "files/list_folder", arg)
	all, calls := p.paths, 1
	for p.hasMore {
		p = listCall(t, s, tok, "files/list_folder/continue", map[string]any{"cursor": p.cursor})
		all = append(all, p.paths...)
		calls++
	}
	return all, p.cursor, calls
}

func TestListFolder(t *testing.T) {
	s := start(t, fakedropbox.Config{PageSize: 2})
	tok := s.IssueAccessToken()
	for _, f := range []string{"/Z/a.txt", "/Z/sub/b.txt", "/Z/sub/c.txt"} {
		if err := s.PutFile(f, []byte(f)); err != nil {
			t.Fatal(err)
		}
	}
	// Creation order, not name order; a recursive listing starts with
	// the folder itself.
	recursive := []string{"folder:/Z", "file:/Z/a.txt", "folder:/Z/sub", "file:/Z/sub/b.txt", "file:/Z/sub/c.txt"}
	tests := []struct {
		name  string
		arg   map[string]any
		want  []string
		calls int
	}{
		{"recursive", map[string]any{"path": "/z", "recursive": true}, recursive, 3},
		{"recursive, limit 1", map[string]any{"path": "/z", "recursive": true, "limit": 1}, recursive, 5},
		{"direct children", map[string]any{"path": "/z"}, []string{"file:/Z/a.txt", "folder:/Z/sub"}, 1},
		{"root", map[string]any{"path": ""}, []string{"folder:/Z"}, 1},
		{"recursive root", map[string]any{"path": "", "recursive": true}, recursive, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, _, calls := listAll(t, s, tok, tc.arg)
			if !slices.Equal(got, tc.want) || calls != tc.calls {
				t.Errorf("got %v in %d calls, want %v in %d", got, calls, tc.want, tc.calls)
			}
		})
	}

	t.Run("changes after the end", func(t *testing.T) {
		_, cur, _ := listAll(t, s, tok, map[string]any{"path": "/z", "recursive": true})
		if p := listCall(t, s, tok, "files/list_folder/continue", map[string]any{"cursor": cur}); len(p.paths) != 0 || p.hasMore {
			t.Fatalf("nothing changed, got %v", p.paths)
		}
		if err := s.PutFile("/z/sub/c.txt", []byte("new content")); err != nil {
			t.Fatal(err)
		}
		if err := s.PutFile("/z/d.txt", []byte("d")); err != nil {
			t.Fatal(err)
		}
		p := listCall(t, s, tok, "files/list_folder/continue", map[string]any{"cursor": cur})
		if want := []string{"file:/Z/sub/c.txt", "file:/Z/d.txt"}; !slices.Equal(p.paths, want) {
			t.Errorf("changes %v, want %v", p.paths, want)
		}
	})
	t.Run("reset continues", func(t *testing.T) {
		p := listCall(t, s, tok, "files/list_folder", map[string]any{"path": "/z", "recursive": true})
		s.ResetContinues(1)
		for i, want := range []int{http.StatusConflict, http.StatusOK} {
			if a := rpc(t, s, tok, "files/list_folder/continue", map[string]any{"cursor": p.cursor}); a.status != want {
				t.Fatalf("continue %d: %d %s, want %d", i, a.status, a.body, want)
			}
		}
	})
	t.Run("reset", func(t *testing.T) {
		p := listCall(t, s, tok, "files/list_folder", map[string]any{"path": "/z", "recursive": true})
		s.ResetCursors()
		a := rpc(t, s, tok, "files/list_folder/continue", map[string]any{"cursor": p.cursor})
		if a.status != http.StatusConflict || a.errorJSON(t) != `{".tag":"reset"}` {
			t.Fatalf("continue after reset: %d %s", a.status, a.body)
		}
	})
}
