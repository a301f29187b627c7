package main

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/minio/minio-go/v7"

	"github.com/atlasd/atlasd/plugin/driver"
)

// configCodes are the S3 error codes that mean the settings are wrong. At
// Configure time they become ErrInvalidArgument, which the host does not
// retry. On data calls the same codes stay plain errors: a permission
// revoked for a while must not make a caller drop blobs as invalid.
var configCodes = map[string]bool{
	"NoSuchBucket":                 true,
	"InvalidAccessKeyId":           true,
	"SignatureDoesNotMatch":        true,
	"AccessDenied":                 true,
	"InvalidBucketName":            true,
	"AuthorizationHeaderMalformed": true,
}

// classifyConfig marks errors from the Configure-time bucket check.
func classifyConfig(err error) error {
	var resp minio.ErrorResponse
	if !errors.As(err, &resp) {
		return err
	}
	if configCodes[resp.Code] || resp.StatusCode == http.StatusForbidden {
		return fmt.Errorf("%w: %s: %s", driver.ErrInvalidArgument, resp.Code, resp.Message)
	}
	return err
}

// classify marks errors from data calls: only a missing object has a
// contract meaning.
func classify(err error) error {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) && resp.Code == "NoSuchKey" {
		return fmt.Errorf("%w: %s: %s", driver.ErrNotFound, resp.Code, resp.Message)
	}
	return err
}
