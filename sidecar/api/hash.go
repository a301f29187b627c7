package api

import (
	"crypto/sha256"
	"encoding/hex"

	"golang.org/x/crypto/ripemd160" //nolint:staticcheck // the zonefile hash is defined on RIPEMD-160
)

func hash160Hex(b []byte) string {
	s := sha256.Sum256(b)
	r := ripemd160.New()
	r.Write(s[:])
	return hex.EncodeToString(r.Sum(nil))
}
