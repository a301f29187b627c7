package fakedropbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf16"
)

// TimeFormat is how Dropbox writes timestamps: UTC, whole seconds.
const TimeFormat = "2006-01-02T15:04:05Z"

// fileMetadata is Dropbox's FileMetadata. Tag is set where the value stands
// for the Metadata union (get_metadata, list_folder entries) and left out
// where the route returns FileMetadata itself (upload, download).
type fileMetadata struct {
	Tag            string `json:".tag,omitempty"`
	Name           string `json:"name"`
	PathLower      string `json:"path_lower"`
	PathDisplay    string `json:"path_display"`
	ID             string `json:"id"`
	ClientModified string `json:"client_modified"`
	ServerModified string `json:"server_modified"`
	Rev            string `json:"rev"`
	Size           int64  `json:"size"`
	IsDownloadable bool   `json:"is_downloadable"`
	ContentHash    string `json:"content_hash"`
}

// folderMetadata is Dropbox's FolderMetadata, always as a Metadata union.
type folderMetadata struct {
	Tag         string `json:".tag"`
	Name        string `json:"name"`
	PathLower   string `json:"path_lower"`
	PathDisplay string `json:"path_display"`
	ID          string `json:"id"`
}

// union is one member of a Dropbox union: {".tag": name, fields…}.
type union map[string]any

func tag(name string) union { return union{".tag": name} }

// with adds fields to a union and returns it, for building nested errors.
func (u union) with(key string, v any) union {
	u[key] = v
	return u
}

// apiError is an error answer: a status, and either a JSON body with
// error_summary and error, or a plain-text message.
type apiError struct {
	status  int
	summary string // tags joined by "/", as Dropbox's error_summary
	err     union  // nil for plain-text errors
	text    string // plain-text body when err is nil
	// retryAfter, when positive, is sent as the Retry-After header.
	retryAfter int
}

// endpointError is a route error: HTTP 409.
func endpointError(summary string, err union) *apiError {
	return &apiError{status: http.StatusConflict, summary: summary, err: err}
}

// lookupError is the LookupError under the "path" member that
// get_metadata, download and list_folder share.
func lookupError(reason string) *apiError {
	return endpointError("path/"+reason, tag("path").with("path", tag(reason)))
}

// writeError is upload's UploadError.path, an UploadWriteFailed whose
// fields sit next to the tag because it is a struct member of the union.
func writeError(reason union, summary string) *apiError {
	return endpointError("path/"+summary, tag("path").with("reason", reason).with("upload_session_id", ""))
}

// authError is an AuthError: HTTP 401.
func authError(reason string) *apiError {
	return &apiError{status: http.StatusUnauthorized, summary: reason, err: tag(reason)}
}

// badRequest is a 400 with Dropbox's plain-text explanation.
func badRequest(route, format string, args ...any) *apiError {
	return &apiError{
		status: http.StatusBadRequest,
		text:   fmt.Sprintf("Error in call to API function %q: ", route) + fmt.Sprintf(format, args...),
	}
}

func (e *apiError) write(w http.ResponseWriter) {
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	if e.err == nil {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(e.status)
		_, _ = w.Write([]byte(e.text))
		return
	}
	// The trailing dots are Dropbox's way of saying the summary is not to
	// be parsed; clients that do parse it must cope with them.
	body, _ := json.Marshal(map[string]any{"error_summary": e.summary + "/..", "error": e.err})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

func writeJSON(w http.ResponseWriter, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// headerJSON marshals v for an HTTP header. Header values must be ASCII, so,
// as Dropbox documents for Dropbox-API-Arg and Dropbox-API-Result, every
// character from U+007F up is written as a \u escape (a surrogate pair
// above U+FFFF).
func headerJSON(v any) (string, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, r := range string(raw) {
		switch {
		case r < 0x7f:
			b.WriteRune(r)
		case r > 0xffff:
			hi, lo := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, hi, lo)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String(), nil
}
