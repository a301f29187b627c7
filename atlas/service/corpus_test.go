package service_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// base58 is the alphabet of Bitcoin addresses, for realistic hub paths.
const base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// corpus returns n zonefiles: the verified real ones of the final v1
// export first, then generated ones whose sizes are drawn from the real
// ones' sizes (p50 135 B, max 34,762 B), so that the whole has the real
// size distribution. Generation is deterministic, and every generated
// zonefile is distinct (its $ORIGIN names its index).
func corpus(tb testing.TB, n int) [][]byte {
	tb.Helper()
	real := realZonefiles(tb)
	sizes := make([]int, len(real))
	out := make([][]byte, 0, n)
	for i, z := range real {
		sizes[i] = len(z.Data)
		if len(out) < n {
			out = append(out, z.Data)
		}
	}
	rng := rand.New(rand.NewPCG(0x61746c6173, 0x7a6f6e6566696c65))
	for i := len(out); i < n; i++ {
		out = append(out, generated(rng, i, sizes[rng.IntN(len(sizes))]))
	}
	return out
}

// generated is a zonefile shaped like the common mainnet one (an $ORIGIN,
// a $TTL and a URI record pointing at a Gaia hub) cut or padded with a TXT
// record to size bytes.
func generated(rng *rand.Rand, i, size int) []byte {
	addr := make([]byte, 34)
	addr[0] = '1'
	for j := 1; j < len(addr); j++ {
		addr[j] = base58[rng.IntN(len(base58))]
	}
	z := fmt.Appendf(nil, "$ORIGIN gen%d.id\n$TTL 3600\n_http._tcp\tIN\tURI\t10\t1\t\"https://gaia.blockstack.org/hub/%s/profile.json\"\n", i, addr)
	header := len(fmt.Sprintf("$ORIGIN gen%d.id\n", i))
	switch {
	case len(z) >= size:
		// Never cut into the $ORIGIN line: it keeps the zonefile unique.
		return z[:max(size, header)]
	case size-len(z) < 16:
		for len(z) < size {
			z = append(z, '\n')
		}
		return z
	default:
		z = append(z, "_pad\tIN\tTXT\t\""...)
		for len(z) < size-2 {
			z = append(z, base58[rng.IntN(len(base58))])
		}
		return append(z, "\"\n"...)
	}
}

// TestCorpus checks the generator: the requested count, all distinct,
// every size within v1's limit, and sizes spread as the real ones are.
func TestCorpus(t *testing.T) {
	const n = 20000
	zs := corpus(t, n)
	real := realZonefiles(t)
	if len(zs) != n {
		t.Fatalf("%d zonefiles", len(zs))
	}
	seen := map[string]bool{}
	var total, realTotal int
	for _, z := range zs {
		if seen[string(z)] {
			t.Fatalf("duplicate zonefile %q", z[:min(len(z), 40)])
		}
		seen[string(z)] = true
		if len(z) > 40960 || len(z) == 0 {
			t.Fatalf("zonefile of %d bytes", len(z))
		}
		total += len(z)
	}
	for _, z := range real {
		realTotal += len(z.Data)
	}
	mean, realMean := float64(total)/n, float64(realTotal)/float64(len(real))
	// The real mean is 168 bytes; sampling 18,000 sizes keeps the mean
	// within a few per cent of it.
	if mean < 0.8*realMean || mean > 1.25*realMean {
		t.Errorf("mean size %.0f, real %.0f", mean, realMean)
	}
	again := corpus(t, n)
	for i := range zs {
		if string(zs[i]) != string(again[i]) {
			t.Fatalf("zonefile %d differs between runs", i)
		}
	}
}
