// Package peertest provides what tests of the Atlas peer code need to talk
// to real peers over real sockets: Peer, a v1-shaped Atlas node built on
// xmlrpc.Server that serves real zonefiles (and can be told to lie), a
// launcher for the shared Python v1 peer (../shared/tools/v1peer), and a
// loader for the shared zonefile exports.
//
// Peer answers with v1's reply shapes (JSON inside XML-RPC strings, the
// success_response envelope, v1's argument limits and error objects), keeps
// a log of what it was asked, and binds 127.0.0.1 only.
package peertest
