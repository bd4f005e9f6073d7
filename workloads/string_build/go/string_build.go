// string-build: the Go program that workloads/string_build/string_build.cc mimics.
// Lines marked "gclab:site NAME" are the allocation sites of the C++ workload;
// tests/workloads/go_escape_test.cc checks each against the compiler.
package main

import (
	"flag"
	"strconv"
	"strings"
)

// The global ring; its array of (pointer, length) pairs is made at set-up.
// gclab:site string-build.recent.len go=none gclab keeps the lengths of a []string in an array of their own; Go's are in the same array as the pointers (the make line below)
var recent []string

var powers = [...]uint64{10, 100, 10_000, 1_000_000, 100_000_000, 1_000_000_000_000,
	1_000_000_000_000_000_000}

func nextValue(rng *xorshift64) uint64 {
	v := rng.next()
	return v % powers[rng.index(7)]
}

// s := ""; for each value { s += its digits }: a new string every time.
func concat(values []uint64) string {
	s := ""
	for _, v := range values {
		var buf [24]byte // gclab:site string-build.piece.buf var=buf
		// gclab:site string-build.concatstrings go=none runtime-internal: concatstrings makes the new string inside the runtime
		s += string(strconv.AppendUint(buf[:0], v, 10)) // gclab:site string-build.piece.string
	}
	return s
}

// The same string through a strings.Builder: one buffer, grown by append.
// gclab:site string-build.Builder.grow go=none runtime-internal: the Builder's buffer grows by append inside package strings
func build(values []uint64) string {
	var b strings.Builder
	for _, v := range values {
		var buf [24]byte // gclab:site string-build.piece.buf var=buf
		b.Write(strconv.AppendUint(buf[:0], v, 10))
	}
	return b.String()
}

func main() {
	flag.Parse()
	shape := [...][2]uint64{{10_000, 128}, {600_000, 4_096}, {3_000_000, 16_384}}[sizeIndex()]
	ops, k := shape[0], shape[1]
	recent = make([]string, k) // gclab:site string-build.recent.ptr

	m := beginMeasure()
	rng := newRandom(*seedFlag)
	var values [48]uint64
	var stringHashSum, keyHashSum uint64
	for op := uint64(0); op < ops; op++ {
		parts := rng.rangeIn(4, 48)
		for i := range values[:parts] {
			values[i] = nextValue(&rng)
		}
		s := concat(values[:parts])
		recent[(2*op)%k] = s
		recent[(2*op+1)%k] = build(values[:parts])
		stringHashSum += fnv1a(s, fnvBasis)
		var digits [20]byte
		key := "op:" + string(strconv.AppendUint(digits[:0], op, 10)) // gclab:site string-build.key
		keyHashSum += fnv1a(key, fnvBasis)
	}
	m.end("string-build", ops, mix(mix(0, stringHashSum), keyHashSum))
}
