// slice-append: the Go program that workloads/slice_append/slice_append.cc mimics.
// Lines marked "gclab:site NAME" are the allocation sites of the C++ workload;
// tests/workloads/go_escape_test.cc checks each against the compiler.
package main

import "flag"

type Item struct{ id, val int64 }

// The global ring of recent slices; its array is made at set-up.
// gclab:site slice-append.keep[i] go=none gclab's arrays hold one word an element, so a slice kept in the ring is a boxed header (array, len, cap); Go's [][]*Item holds the three words inline
var keep [][]*Item

var items uint64

func valueOf(id int64) int64 { return int64(mix(0, uint64(id)) >> 16) }

func collect(n uint64) []*Item {
	var s []*Item
	for i := uint64(0); i < n; i++ {
		id := int64(items)
		items++
		// gclab:site slice-append.growslice go=none runtime-internal: append's new backing arrays are made inside runtime.growslice
		s = append(s, &Item{id, valueOf(id)}) // gclab:site slice-append.Item
	}
	return s
}

func summarize(s []*Item) uint64 {
	window := make([]uint64, 16) // gclab:site slice-append.window
	for i, it := range s {
		window[i%16] += uint64(it.val)
	}
	var sum uint64
	for _, w := range window {
		sum += w
	}
	return sum
}

func main() {
	flag.Parse()
	shape := [...][2]uint64{{4_000, 64}, {500_000, 512}, {1_000_000, 2_048}}[sizeIndex()]
	slices, k := shape[0], shape[1]
	keep = make([][]*Item, k) // gclab:site slice-append.keep

	m := beginMeasure()
	rng := newRandom(*seedFlag)
	var total uint64
	for op := uint64(0); op < slices; op++ {
		s := collect(rng.rangeIn(1, 512))
		keep[op%k] = s
		total += summarize(s)
	}
	m.end("slice-append", items, mix(mix(0, items), total))
}
