package consensus

import "testing"

// BenchmarkBlockHash measures the per-block hashing work of a replay (the ops
// hash, then the consensus hash) averaged over every logged block.
func BenchmarkBlockHash(b *testing.B) {
	vecs := loadBlockVectors(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		v := vecs[i%len(vecs)]
		if _, err := ConsensusHash(OpsHash(v.Ops), v.Prior); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBlockHashBusiest is the same for the block with the most ops.
func BenchmarkBlockHashBusiest(b *testing.B) {
	vecs := loadBlockVectors(b)
	busiest := vecs[0]
	for _, v := range vecs {
		if len(v.Ops) > len(busiest.Ops) {
			busiest = v
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ConsensusHash(OpsHash(busiest.Ops), busiest.Prior); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSerializeOp measures serializing one name-record op.
func BenchmarkSerializeOp(b *testing.B) {
	fields := SerializeFields("NAME_TRANSFER")
	rec := Record{}
	for i, f := range fields {
		rec[f] = Str("0123456789abcdef0123456789abcdef")
		if i%3 == 0 {
			rec[f] = Int(int64(i) * 1000003)
		}
	}
	rec["op_fee"] = Float(6400000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := SerializeOp('>', rec, fields); err != nil {
			b.Fatal(err)
		}
	}
}
