package v1rpc

// Python27 lets the external tests find the v1 interpreter the same way.
var Python27 = python27
