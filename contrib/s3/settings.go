package main

import (
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/atlasd/atlasd/plugin/driver"
)

// Setting names accepted by Configure.
const (
	settingEndpoint  = "endpoint"
	settingRegion    = "region"
	settingBucket    = "bucket"
	settingPrefix    = "prefix"
	settingPathStyle = "path_style"
	settingAccessKey = "access_key_id"
	settingSecretKey = "secret_access_key"
	settingToken     = "session_token"
)

const (
	defaultEndpoint = "https://s3.amazonaws.com"
	defaultRegion   = "us-east-1"
	// maxPrefixLen keeps prefix+key within S3's 1024-byte object names.
	maxPrefixLen = 1024 - driver.MaxKeyLen
)

// settings is a parsed, checked Configure request.
type settings struct {
	endpoint *url.URL
	region   string
	bucket   string
	prefix   string
	lookup   minio.BucketLookupType
	// static credentials; all empty means "use the standard chain"
	accessKey, secretKey, token string
}

func parseSettings(m map[string]string) (settings, error) {
	known := []string{settingEndpoint, settingRegion, settingBucket, settingPrefix, settingPathStyle, settingAccessKey, settingSecretKey, settingToken}
	var unknown []string
	for k := range m {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return settings{}, invalid("unknown settings %q (known: %s)", unknown, strings.Join(known, ", "))
	}

	s := settings{
		region:    valueOr(m[settingRegion], defaultRegion),
		bucket:    m[settingBucket],
		prefix:    m[settingPrefix],
		accessKey: m[settingAccessKey],
		secretKey: m[settingSecretKey],
		token:     m[settingToken],
	}
	u, err := url.Parse(valueOr(m[settingEndpoint], defaultEndpoint))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return settings{}, invalid("%s must be an http(s) URL with a host and nothing else, got %q", settingEndpoint, m[settingEndpoint])
	}
	s.endpoint = u
	if err := s3utils.CheckValidBucketNameStrict(s.bucket); err != nil {
		return settings{}, invalid("%s %q: %v", settingBucket, s.bucket, err)
	}
	if len(s.prefix) > maxPrefixLen {
		return settings{}, invalid("%s is %d bytes, limit %d", settingPrefix, len(s.prefix), maxPrefixLen)
	}
	switch v := m[settingPathStyle]; v {
	case "":
		s.lookup = minio.BucketLookupAuto
	default:
		pathStyle, err := strconv.ParseBool(v)
		if err != nil {
			return settings{}, invalid("%s must be true or false, got %q", settingPathStyle, v)
		}
		s.lookup = minio.BucketLookupDNS
		if pathStyle {
			s.lookup = minio.BucketLookupPath
		}
	}
	if (s.accessKey == "") != (s.secretKey == "") {
		return settings{}, invalid("set both %s and %s, or neither to use the environment", settingAccessKey, settingSecretKey)
	}
	if s.token != "" && s.accessKey == "" {
		return settings{}, invalid("%s needs %s and %s", settingToken, settingAccessKey, settingSecretKey)
	}
	return s, nil
}

// credentials returns static credentials when configured, else the chain
// the AWS SDKs and the minio client use, and a name for logs.
func (s settings) credentials() (*credentials.Credentials, string) {
	if s.accessKey != "" {
		return credentials.NewStaticV4(s.accessKey, s.secretKey, s.token), "settings"
	}
	return credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.EnvMinio{},
		&credentials.FileAWSCredentials{},
		&credentials.IAM{},
	}), "environment chain"
}

func invalid(format string, args ...interface{}) error {
	return fmt.Errorf("s3: configure: %w: %s", driver.ErrInvalidArgument, fmt.Sprintf(format, args...))
}

func valueOr(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
