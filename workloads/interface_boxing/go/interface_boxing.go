// interface-boxing: the Go program that workloads/interface_boxing/interface_boxing.cc
// mimics. Lines marked "gclab:site NAME" are the allocation sites of the C++
// workload; tests/workloads/go_escape_test.cc checks each against the compiler.
package main

import "flag"

type Pair struct{ a, b int64 }

// The global; its array of (type, data) words is made at set-up.
// gclab:site interface-boxing.sink.type go=none gclab keeps the type words of a []any in an array of their own; Go's are in the same array as the data words (the make line below)
var sink []any

// Go's runtime keeps the boxes of 0..255 in a static table, runtime.staticuint64s,
// which gclab builds at set-up:
// gclab:site interface-boxing.staticuint64s go=none the table is in Go's data segment, not made by the program
// gclab:site interface-boxing.staticuint64s[] go=none likewise

func describe(x any) int64 {
	switch v := x.(type) {
	case int64:
		return v
	case float64:
		return int64(v)
	case Pair:
		return v.a - v.b
	}
	return 0
}

func main() {
	flag.Parse()
	shape := [...][2]uint64{{3_000_000, 4_096}, {60_000_000, 65_536}, {300_000_000, 262_144}}[sizeIndex()]
	ops, k := shape[0], shape[1]
	sink = make([]any, k) // gclab:site interface-boxing.sink.data

	m := beginMeasure()
	rng := newRandom(*seedFlag)
	var read uint64
	for op := uint64(0); op < ops; op++ {
		r := rng.next()
		j := (op / 4) % k
		switch r % 3 {
		case 0:
			v := int64((r >> 8) % 1024)
			read += uint64(describe(v)) // gclab:site interface-boxing.describe.convT64
			if op%4 == 0 {
				sink[j] = v // gclab:site interface-boxing.sink.convT64
			}
		case 1:
			v := float64((r>>8)%100_000) / 8
			read += uint64(describe(v)) // gclab:site interface-boxing.describe.convTfloat
			if op%4 == 0 {
				sink[j] = v // gclab:site interface-boxing.sink.convTfloat
			}
		default:
			v := Pair{int64((r >> 8) & 0xFFFF), int64(r >> 48)}
			read += uint64(describe(v)) // gclab:site interface-boxing.describe.convTPair
			if op%4 == 0 {
				sink[j] = v // gclab:site interface-boxing.sink.convTPair
			}
		}
	}
	m.end("interface-boxing", ops, mix(0, read))
}
