// fragmentation: the Go program that workloads/fragmentation/fragmentation.cc
// mimics. Lines marked "gclab:site NAME" are the allocation sites of the C++
// workload; tests/workloads/go_escape_test.cc checks each against the compiler.
package main

import (
	"encoding/binary"
	"flag"
)

var slots [][]byte // the global; its array is made at set-up

const phases = 16

// The slot and size of op's object (see the C++ workload's NextChoice).
func nextChoice(rng *xorshift64, op, n, ops uint64) (slot, bytes uint64) {
	longLived := n / 10
	if rng.percent(1) {
		slot = rng.index(longLived)
	} else {
		slot = longLived + rng.index(n-longLived)
	}
	largePhase := (op/(ops/phases))%2 == 1
	r := rng.index(100)
	small, medium := uint64(95), uint64(100)
	if largePhase {
		small, medium = 60, 90
	}
	switch {
	case r < small:
		bytes = rng.rangeIn(16, 256)
	case r < medium:
		bytes = rng.rangeIn(1024, 4096)
	default:
		bytes = rng.rangeIn(8*1024, 32*1024)
	}
	return
}

func main() {
	flag.Parse()
	shape := [...][2]uint64{{2_000, 100_000}, {20_000, 8_000_000}, {80_000, 40_000_000}}[sizeIndex()]
	n, ops := shape[0], shape[1]
	slots = make([][]byte, n) // gclab:site fragmentation.slots

	m := beginMeasure()
	rng := newRandom(*seedFlag)
	for op := uint64(0); op < ops; op++ {
		slot, bytes := nextChoice(&rng, op, n, ops)
		object := make([]byte, bytes) // gclab:site fragmentation.make
		binary.LittleEndian.PutUint64(object, op)
		binary.LittleEndian.PutUint64(object[bytes-8:], ^op)
		slots[slot] = object
	}
	var checksum uint64
	for _, object := range slots {
		if object != nil {
			checksum = mix(mix(checksum, uint64(len(object))), binary.LittleEndian.Uint64(object))
		}
	}
	m.end("fragmentation", ops, checksum)
}
