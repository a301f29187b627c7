// Package driverpb holds the generated protobuf and gRPC code for the blob
// driver contract in driver.proto. Only plugin/driver imports it: hosts and
// plugin authors use the Go types of package driver and never see protobuf.
package driverpb
