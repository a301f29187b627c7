package main

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox"

	"github.com/atlasd/atlasd/plugin/driver"
)

// Setting names accepted by Configure.
const (
	settingFolder       = "folder"
	settingAccessToken  = "access_token"
	settingAppKey       = "app_key"
	settingAppSecret    = "app_secret"
	settingRefreshToken = "refresh_token"
	settingTimeout      = "timeout"
	settingMaxRetries   = "max_retries"
	settingMaxRetryWait = "max_retry_wait"
	settingPageSize     = "list_page_size"
	settingAPIURL       = "api_url"
	settingContentURL   = "content_url"
	settingTokenURL     = "token_url"
)

var knownSettings = []string{
	settingFolder, settingAccessToken, settingAppKey, settingAppSecret, settingRefreshToken,
	settingTimeout, settingMaxRetries, settingMaxRetryWait, settingPageSize,
	settingAPIURL, settingContentURL, settingTokenURL,
}

const (
	defaultAPIURL       = "https://api.dropboxapi.com"
	defaultContentURL   = "https://content.dropboxapi.com"
	defaultTimeout      = time.Minute
	defaultMaxRetries   = 5
	defaultMaxRetryWait = time.Minute
	// maxPageSize is the largest limit list_folder accepts.
	maxPageSize = 2000
	// maxFolderLen leaves room below Dropbox's path limits for the
	// "/ab/cd/<key>.txt" the driver appends.
	maxFolderLen = 512
)

// settings is a parsed, checked Configure request.
type settings struct {
	folder      string // as configured, e.g. "/Backups/zonefiles"
	folderLower string // as Dropbox reports it in path_lower

	// Either accessToken, or refreshToken with appKey (and appSecret
	// unless the app uses PKCE).
	accessToken  string
	appKey       string
	appSecret    string
	refreshToken string

	timeout      time.Duration // per HTTP request
	maxRetries   int           // for 429 and 503 answers
	maxRetryWait time.Duration // longest Retry-After honoured
	pageSize     int           // list_folder limit

	apiURL, contentURL, tokenURL string
}

// authMode names the credential kind for logs.
func (s settings) authMode() string {
	if s.refreshToken != "" {
		return "refresh_token"
	}
	return "access_token"
}

func parseSettings(m map[string]string) (settings, error) {
	var unknown []string
	for k := range m {
		if !slices.Contains(knownSettings, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return settings{}, invalid("unknown settings %q (known: %s)", unknown, strings.Join(knownSettings, ", "))
	}
	s := settings{
		accessToken:  m[settingAccessToken],
		appKey:       m[settingAppKey],
		appSecret:    m[settingAppSecret],
		refreshToken: m[settingRefreshToken],
	}
	var err error
	if s.folder, err = parseFolder(m[settingFolder]); err != nil {
		return settings{}, err
	}
	s.folderLower = strings.ToLower(s.folder)
	if err := s.checkCredentials(); err != nil {
		return settings{}, err
	}
	if s.timeout, err = parseDuration(m, settingTimeout, defaultTimeout, time.Second, time.Hour); err != nil {
		return settings{}, err
	}
	if s.maxRetryWait, err = parseDuration(m, settingMaxRetryWait, defaultMaxRetryWait, time.Second, time.Hour); err != nil {
		return settings{}, err
	}
	if s.maxRetries, err = parseInt(m, settingMaxRetries, defaultMaxRetries, 0, 20); err != nil {
		return settings{}, err
	}
	if s.pageSize, err = parseInt(m, settingPageSize, maxPageSize, 1, maxPageSize); err != nil {
		return settings{}, err
	}
	if s.apiURL, err = parseBaseURL(m, settingAPIURL, defaultAPIURL, false); err != nil {
		return settings{}, err
	}
	if s.contentURL, err = parseBaseURL(m, settingContentURL, defaultContentURL, false); err != nil {
		return settings{}, err
	}
	if s.tokenURL, err = parseBaseURL(m, settingTokenURL, dropbox.OAuthEndpoint("").TokenURL, true); err != nil {
		return settings{}, err
	}
	return s, nil
}

// checkCredentials accepts exactly one way to authenticate. Dropbox no
// longer issues long-lived access tokens, so refresh_token with app_key is
// the normal case; app_secret is absent for PKCE apps.
func (s settings) checkCredentials() error {
	switch {
	case s.accessToken != "" && (s.refreshToken != "" || s.appKey != "" || s.appSecret != ""):
		return invalid("%s excludes %s, %s and %s: use either a long-lived token or a refresh token", settingAccessToken, settingRefreshToken, settingAppKey, settingAppSecret)
	case s.accessToken != "":
		return nil
	case s.refreshToken == "" && s.appKey == "" && s.appSecret == "":
		return invalid("no credentials: set %s and %s (and %s unless the app uses PKCE), or %s", settingRefreshToken, settingAppKey, settingAppSecret, settingAccessToken)
	case s.refreshToken == "":
		return invalid("%s and %s go with %s, which is missing", settingAppKey, settingAppSecret, settingRefreshToken)
	case s.appKey == "":
		return invalid("%s needs %s, the app key the token was issued to", settingRefreshToken, settingAppKey)
	}
	return nil
}

// parseFolder checks the folder holding the blobs: an absolute Dropbox path
// below the root (the root has no metadata to check), without empty or dot
// components, which Dropbox refuses as malformed.
func parseFolder(f string) (string, error) {
	if f == "" {
		return "", invalid("%s is required, e.g. /atlasd/zonefiles", settingFolder)
	}
	if len(f) > maxFolderLen {
		return "", invalid("%s is %d bytes, limit %d", settingFolder, len(f), maxFolderLen)
	}
	if !strings.HasPrefix(f, "/") || f == "/" {
		return "", invalid("%s must be a folder path starting with / and below the root, got %q", settingFolder, f)
	}
	for _, c := range strings.Split(f[1:], "/") {
		if c == "" || c == "." || c == ".." || strings.ContainsAny(c, "\\\x00") || strings.TrimSpace(c) != c {
			return "", invalid("%s %q has an empty, dot, padded or backslashed component", settingFolder, f)
		}
	}
	return f, nil
}

func parseDuration(m map[string]string, key string, def, lo, hi time.Duration) (time.Duration, error) {
	v, ok := m[key]
	if !ok || v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < lo || d > hi {
		return 0, invalid("%s must be a duration from %s to %s, got %q", key, lo, hi, v)
	}
	return d, nil
}

func parseInt(m map[string]string, key string, def, lo, hi int) (int, error) {
	v, ok := m[key]
	if !ok || v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, invalid("%s must be an integer from %d to %d, got %q", key, lo, hi, v)
	}
	return n, nil
}

// parseBaseURL checks an endpoint override. Plain http is allowed only to
// loopback addresses, so a typo cannot send bearer tokens across a network
// in clear text; withPath says whether the URL names an endpoint (token_url)
// rather than a host to put /2/<route> under.
func parseBaseURL(m map[string]string, key, def string, withPath bool) (string, error) {
	raw := m[key]
	if raw == "" {
		raw = def
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", invalid("%s must be an absolute http(s) URL without credentials, query or fragment, got %q", key, raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", invalid("%s may use http only for a loopback host, got %q", key, raw)
		}
	default:
		return "", invalid("%s must use https, got %q", key, raw)
	}
	if withPath {
		if u.Path == "" || u.Path == "/" {
			return "", invalid("%s must include the endpoint's path, got %q", key, raw)
		}
		return u.String(), nil
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("dropbox: configure: %w: %s", driver.ErrInvalidArgument, fmt.Sprintf(format, args...))
}
