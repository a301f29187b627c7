// Package fakedropbox is a local stand-in for the parts of the Dropbox API v2
// that the dropbox backup driver uses, for tests: Dropbox's servers cannot be
// reached from the test machines.
//
// It serves two listeners on 127.0.0.1, one for the RPC host
// (api.dropboxapi.com: files/get_metadata, files/list_folder,
// files/list_folder/continue, oauth2/token) and one for the content host
// (content.dropboxapi.com: files/upload, files/download), so a client that
// sends a route to the wrong host fails as it would against Dropbox.
//
// Requests and answers follow Dropbox's documented formats: JSON arguments
// in the body (RPC) or in the Dropbox-API-Arg header (content), results in
// the body or, for downloads, in the Dropbox-API-Result header; unions
// carry ".tag"; times are "2006-01-02T15:04:05Z" in UTC; files carry
// Dropbox's content_hash. Errors use the documented statuses and bodies:
// 400 with a plain-text message for malformed requests, 401 with an
// AuthError, 409 with the route's error union under "error" next to an
// "error_summary", 429 with a RateLimitError and a Retry-After header.
//
// The state is an in-memory tree of folders and files. Methods on Server
// inject faults (expired tokens, rate limits, failed or corrupted transfers,
// a full account, cursors reset by list_folder/continue, an unreachable
// server) and report what the clients did, so tests can check a driver's
// behaviour from the server's side.
package fakedropbox
