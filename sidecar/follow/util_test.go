package follow_test

import hexpkg "encoding/hex"

func hex(b []byte) string { return hexpkg.EncodeToString(b) }
