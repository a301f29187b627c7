// Package api is atlasd's operator REST API: read-mostly JSON over HTTP
// about the replayed name system, the consensus hashes and the Atlas
// peer, plus one write, POST /v1/zonefile, which stores a zonefile only if
// its hash was announced on chain.
//
//	GET  /v1/info                      indexed height, node tip, consensus hash, atlas summary
//	GET  /v1/names/{name}              the name's current record
//	GET  /v1/names/{name}/zonefile     the zonefile its value hash points at (raw bytes)
//	GET  /v1/names/{name}/history      every operation on the name, oldest first
//	GET  /v1/namespaces                namespace IDs
//	GET  /v1/namespaces/{id}           a namespace's record
//	GET  /v1/zonefiles/{hash}          a zonefile by hash (raw bytes)
//	GET  /v1/blocks/{height}/consensus the consensus hash of a height
//	GET  /v1/atlas/peers               the Atlas peer table
//	GET  /v1/atlas/inventory           inventory counts and the bit vector (base64)
//	POST /v1/zonefile                  store a zonefile (raw body, or v1's JSON {"zonefile": "..."})
//
// Errors, for any path and method, are JSON objects {"error": "...",
// "http_status": N} with that status, the shape v1's REST API used. The
// API reads no query parameters (nothing is paged, so no parameter can
// size a reply), and reads a POST body up to MaxBody bytes. The API binds
// to 127.0.0.1 unless the operator configures otherwise; it has no
// authentication and exposes nothing secret.
package api
