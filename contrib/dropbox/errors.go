package main

import (
	"errors"
	"fmt"

	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/auth"
	"github.com/dropbox/dropbox-sdk-go-unofficial/v6/dropbox/files"
	"golang.org/x/oauth2"

	"github.com/atlasd/atlasd/plugin/driver"
)

// lookupTag returns the LookupError tag of a get_metadata, download,
// list_folder or list_folder/continue error, or "".
func lookupTag(err error) string {
	var (
		meta files.GetMetadataAPIError
		down files.DownloadAPIError
		list files.ListFolderAPIError
		cont files.ListFolderContinueAPIError
	)
	switch {
	case errors.As(err, &meta) && meta.EndpointError != nil && meta.EndpointError.Path != nil:
		return meta.EndpointError.Path.Tag
	case errors.As(err, &down) && down.EndpointError != nil && down.EndpointError.Path != nil:
		return down.EndpointError.Path.Tag
	case errors.As(err, &list) && list.EndpointError != nil && list.EndpointError.Path != nil:
		return list.EndpointError.Path.Tag
	case errors.As(err, &cont) && cont.EndpointError != nil && cont.EndpointError.Path != nil:
		return cont.EndpointError.Path.Tag
	}
	return ""
}

// isAbsent reports whether err says nothing is stored at a blob's path. A
// folder there (not_file) is no blob either.
func isAbsent(err error) bool {
	tag := lookupTag(err)
	return tag == files.LookupErrorNotFound || tag == files.LookupErrorNotFile
}

// isCursorReset reports list_folder/continue's reset error: the cursor is
// no longer valid and the listing must start over.
func isCursorReset(err error) bool {
	var cont files.ListFolderContinueAPIError
	return errors.As(err, &cont) && cont.EndpointError != nil && cont.EndpointError.Tag == files.ListFolderContinueErrorReset
}

// writeReason returns the WriteError of a failed upload and, for conflicts,
// what is in the way.
func writeReason(err error) (reason, conflict string) {
	var up files.UploadAPIError
	if !errors.As(err, &up) || up.EndpointError == nil || up.EndpointError.Path == nil || up.EndpointError.Path.Reason == nil {
		return "", ""
	}
	r := up.EndpointError.Path.Reason
	if r.Conflict != nil {
		conflict = r.Conflict.Tag
	}
	return r.Tag, conflict
}

// authTag returns the AuthError tag of a 401 answer, or "".
func authTag(err error) string {
	var a auth.AuthAPIError
	if errors.As(err, &a) && a.AuthError != nil {
		return a.AuthError.Tag
	}
	return ""
}

// explain turns an SDK or transport error into one with a useful message,
// keeping the original in the chain. Route errors print as their
// error_summary already; the cases here would print as little.
func explain(err error, s settings) error {
	var limited auth.RateLimitAPIError
	if errors.As(err, &limited) && limited.RateLimitError != nil {
		reason := "too_many_requests"
		if limited.RateLimitError.Reason != nil {
			reason = limited.RateLimitError.Reason.Tag
		}
		return fmt.Errorf("rate limited by Dropbox (%s), which asks to wait %ds; %s allows %d retries and %s waits at most %s: %w",
			reason, limited.RateLimitError.RetryAfter, settingMaxRetries, s.maxRetries, settingMaxRetryWait, s.maxRetryWait, err)
	}
	switch tag := authTag(err); tag {
	case "":
	case auth.AuthErrorExpiredAccessToken:
		if s.refreshToken == "" {
			return fmt.Errorf("the access token has expired (%s); Dropbox's tokens are short-lived now, configure %s and %s instead: %w", tag, settingRefreshToken, settingAppKey, err)
		}
		return fmt.Errorf("a freshly refreshed access token was rejected as expired (%s): %w", tag, err)
	default:
		return fmt.Errorf("credentials refused by Dropbox (%s): %w", tag, err)
	}
	var retrieve *oauth2.RetrieveError
	if errors.As(err, &retrieve) {
		return fmt.Errorf("token endpoint refused the refresh (%s): %w", retrieve.ErrorCode, err)
	}
	return err
}

// classifyConfig marks errors from Configure's folder check that mean the
// settings are wrong, which the host does not retry. Network trouble stays
// a plain error so the host tries again.
func classifyConfig(err error, s settings) error {
	var retrieve *oauth2.RetrieveError
	if errors.As(err, &retrieve) {
		switch retrieve.ErrorCode {
		case "invalid_client", "unauthorized_client":
			return fmt.Errorf("%w: %s or %s: %w", driver.ErrInvalidArgument, settingAppKey, settingAppSecret, explain(err, s))
		case "invalid_grant":
			return fmt.Errorf("%w: %s: %w", driver.ErrInvalidArgument, settingRefreshToken, explain(err, s))
		}
	}
	if tag := authTag(err); tag != "" {
		key := settingAccessToken
		if s.refreshToken != "" {
			key = settingRefreshToken
		}
		return fmt.Errorf("%w: %s: %w", driver.ErrInvalidArgument, key, explain(err, s))
	}
	return explain(err, s)
}
