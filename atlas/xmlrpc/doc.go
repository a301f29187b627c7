// Package xmlrpc is the XML-RPC transport of the Atlas peer protocol: a codec,
// an http.Handler and a client that talk to Blockstack Core v1 nodes, which
// serve and call XML-RPC through Python's stdlib (SimpleXMLRPCServer,
// xmlrpclib/xmlrpc.client with allow_none=True).
//
// The wire format follows Python rather than the XML-RPC spec where the two
// differ: a <value> with bare text is a string, <nil/> is accepted, doubles
// are written as repr() writes them (1e+16, inf, nan), base64 is wrapped at
// 76 columns, and faults carry Python's "<class 'X'>:message" text. Encoded
// messages are byte-for-byte what Python 3's xmlrpc.client.dumps produces
// (tests check this), except that carriage returns are escaped so they
// survive.
//
// Everything a peer sends is bounded: request bodies over 512 KiB are refused
// with HTTP 400 before they are read (the v1 limit), replies are capped at the
// v1 client's 6,144,000 bytes after decompression, and the decoder counts
// <value> elements and array/struct nesting as it goes (Limits). DTDs are
// refused and only the predefined entities are expanded, so there is no
// entity expansion to abuse. Scalars parse as Python's int(), float() and
// boolean rules do, except that Python's leniencies which hide corruption
// (stray characters in base64, text mixed around type tags, unknown tags,
// missing <data>) are errors here.
//
// Why not a library: the maintained Go XML-RPC packages (kolo/xmlrpc,
// alexejk.io/go-xmlrpc) map values onto Go types by reflection and read
// bodies without any size, count or depth limits, and none reproduces
// Python's nil, bare-string, double and fault conventions. The codec here is
// a few hundred lines over encoding/xml, which does the XML tokenizing.
//
// Method results in the Atlas protocol are JSON documents inside XML-RPC
// strings; that layer belongs to the caller, as do per-method timeouts
// (pass a context deadline to Client.Call).
package xmlrpc
