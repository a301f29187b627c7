// Command s3 is a backup-driver plugin that stores blobs as objects in an
// S3-compatible bucket (AWS S3, MinIO, versitygw, Ceph RGW, …) through
// minio-go. The host launches it; it is not run by hand.
//
// Settings arrive through Configure (the host sends them after every start):
//
//	endpoint           URL of the S3 API, default https://s3.amazonaws.com;
//	                   http:// turns TLS off
//	region             bucket region, default us-east-1
//	bucket             bucket name (required; must exist)
//	prefix             string put in front of every key, e.g. "zonefiles/"
//	path_style         "true" for path-style requests (most self-hosted
//	                   servers), "false" for virtual-host style; unset lets
//	                   minio-go decide from the endpoint
//	access_key_id      static credentials; when both this and the secret
//	secret_access_key  are empty, the standard chain is used instead:
//	session_token      AWS_* then MINIO_* environment variables, the shared
//	                   credentials file (~/.aws/credentials), then EC2/ECS
//	                   instance roles
//
// Objects are named prefix+key and hold the blob bytes unchanged, so a
// bucket can be inspected or restored with any S3 tool.
package main
