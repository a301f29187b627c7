package state

import "github.com/btcsuite/btcd/btcutil/base58"

func btcutilBase58(b []byte, v byte) string { return base58.CheckEncode(b, v) }

func base58CheckDecode(s string) ([]byte, byte, error) { return base58.CheckDecode(s) }
