// churn: the Go program that workloads/churn/churn.cc mimics. Lines marked
// "gclab:site NAME" are the allocation sites of the C++ workload;
// tests/workloads/go_escape_test.cc checks each against the compiler.
package main

import "flag"

type Obj struct {
	link    *Obj
	id      int64
	a, b    int32
	payload [4]int64
}

var slots []*Obj // the global; its array is made at set-up

func newObj(id int64) *Obj {
	x := &Obj{id: id, a: int32(id), b: int32(id >> 32)} // gclab:site churn.Obj
	for w := range x.payload {
		x.payload[w] = id*0x9E3779B1 + int64(w)
	}
	return x
}

func main() {
	flag.Parse()
	shape := [...][2]uint64{{100_000, 2_000_000}, {1_000_000, 20_000_000}, {2_000_000, 100_000_000}}[sizeIndex()]
	n, ops := shape[0], shape[1]
	rng := newRandom(0)     // the default seed, as the C++ workload
	slots = make([]*Obj, n) // gclab:site churn.slots
	for i := uint64(0); i < n; i++ {
		var target uint64
		if i > 0 {
			target = rng.index(i)
		}
		x := newObj(int64(i))
		if i > 0 {
			x.link = slots[target]
		}
		slots[i] = x
	}

	m := beginMeasure()
	nextID := int64(n)
	for k := uint64(0); k < ops; k++ {
		a, b := rng.index(n), rng.index(n)
		x := newObj(nextID)
		nextID++
		x.link = slots[b]
		slots[a].link = nil
		slots[a] = x
	}
	var ids, links int64
	for _, x := range slots {
		ids += x.id
		if x.link != nil {
			links += x.link.id
		}
	}
	m.end("churn", ops, mix(mix(0, uint64(ids)), uint64(links)))
}
