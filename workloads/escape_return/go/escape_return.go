// escape-return: the Go program that workloads/escape_return/escape_return.cc
// mimics. Lines marked "gclab:site NAME" are the allocation sites of the C++
// workload; tests/workloads/go_escape_test.cc checks each against the compiler.
package main

import "flag"

type Point struct{ x, y, z, w int64 }

var keep []*Point // the global ring; its array is made at set-up

func NewPoint(i int64) *Point {
	return &Point{i, 2 * i, 3 * i, 4 * i} // gclab:site escape-return.NewPoint
}

func MakePoint(i int64) Point { return Point{i, i + 1, i + 2, i + 3} }

func dot(p, r *Point) uint64 {
	return uint64(p.x)*uint64(r.x) + uint64(p.y)*uint64(r.y) + uint64(p.z)*uint64(r.z) +
		uint64(p.w)*uint64(r.w)
}

func step(i int64, k uint64) uint64 {
	p := NewPoint(i)
	q := MakePoint(i) // gclab:site escape-return.MakePoint var=q
	r := &q
	if i%16 == 0 {
		keep[(uint64(i)/16)%k] = p
	}
	return dot(p, r)
}

func main() {
	flag.Parse()
	shape := [...][2]uint64{{1_000_000, 8_192}, {100_000_000, 65_536}, {500_000_000, 262_144}}[sizeIndex()]
	steps, k := shape[0], shape[1]
	keep = make([]*Point, k) // gclab:site escape-return.keep

	m := beginMeasure()
	var sum uint64
	for i := uint64(0); i < steps; i++ {
		sum += step(int64(i), k)
	}
	m.end("escape-return", steps, mix(0, sum))
}
