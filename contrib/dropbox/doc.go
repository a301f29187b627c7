// Command dropbox is a backup-driver plugin that stores blobs as files in a
// Dropbox folder through the Dropbox Go SDK (dropbox-sdk-go-unofficial v6).
// The host launches it; it is not run by hand.
//
// Settings arrive through Configure (the host sends them after every start):
//
//	folder          Dropbox folder holding the blobs, e.g. /atlasd/zonefiles
//	                (required; relative to the app folder for app-folder apps;
//	                created by the first upload)
//	refresh_token   OAuth2 refresh token from the "offline" authorization
//	app_key         flow, the app key it was issued to, and the app secret
//	app_secret      (left out for PKCE apps). Short-lived access tokens are
//	                fetched from the token endpoint as needed.
//	access_token    instead of the three above: a long-lived access token, as
//	                Dropbox issued before 2021; it cannot be refreshed
//	timeout         limit per HTTP request, default 1m (1s to 1h)
//	max_retries     retries of answers 429 and 503, default 5 (0 to 20)
//	max_retry_wait  longest Retry-After honoured, default 1m (1s to 1h); a
//	                longer wait fails the call at once
//	list_page_size  list_folder page size, default and maximum 2000
//	api_url         https://api.dropboxapi.com, content.dropboxapi.com and
//	content_url     Dropbox's token endpoint by default; overrides may use
//	token_url       plain http only for loopback hosts (tests, local proxies)
//
// A blob with key k is the file <folder>/k[0:2]/k[2:4]/k.txt holding the
// bytes unchanged: the layout of a Blockstack v1 node's zonefile directory,
// so a synced copy of the folder can serve as one. Uploads carry Dropbox's
// content hash; downloads are checked against it and, for 40-digit keys,
// against the key as RIPEMD160(SHA256(bytes)).
//
// Dropbox errors map onto the contract: path/not_found (and not_file) is
// ErrNotFound; expired_access_token makes the driver refresh the token and
// retry once; 429 too_many_requests and too_many_write_operations are
// retried by the SDK after Retry-After; at Configure time, credentials the
// token endpoint or the API refuse, and a folder path naming a file, are
// ErrInvalidArgument, which the host does not retry. Everything else,
// insufficient_space included, stays a plain error: the call may succeed
// later.
package main
