// closures: the Go program that workloads/closures/closures.cc mimics. Lines marked
// "gclab:site NAME" are the allocation sites of the C++ workload; the escape test
// (tests/workloads/go_escape_test.cc) checks each against `go build -gcflags=-m`.
package main

import "flag"

var registry []func() int64 // the global; its array is made at set-up

func makeCounter(start, step int64) func() int64 {
	n := start                                  // gclab:site closures.makeCounter.n var=n
	return func() int64 { n += step; return n } // gclab:site closures.makeCounter.func1
}

func apply(xs []int64, f func(int64) int64) (s uint64) {
	for _, x := range xs {
		s += uint64(f(x))
	}
	return
}

func element(op, i uint64) int64 { return int64((op*8 + i) % 1000) }

func inPlace(op uint64) uint64 {
	var xs [8]int64 // gclab:site closures.xs var=xs
	for i := range xs {
		xs[i] = element(op, uint64(i))
	}
	local := int64(0) // gclab:site closures.local var=local
	k := int64(op%5 + 1)
	return apply(xs[:], func(x int64) int64 { local += x * k; return local }) // gclab:site closures.apply.func1
}

func main() {
	flag.Parse()
	shape := [...][2]uint64{{1_000_000, 4_096}, {30_000_000, 65_536}, {200_000_000, 262_144}}[sizeIndex()]
	ops, k := shape[0], shape[1]
	registry = make([]func() int64, k) // gclab:site closures.registry

	m := beginMeasure()
	rng := newRandom(*seedFlag)
	var total, inplace uint64
	for op := uint64(0); op < ops; op++ {
		if op%4 == 0 {
			registry[(op/4)%k] = makeCounter(int64(op), int64(op%7+1))
		}
		if c := registry[rng.index(k)]; c != nil {
			total += uint64(c())
		}
		inplace += inPlace(op)
	}
	m.end("closures", ops, mix(mix(0, total), inplace))
}
