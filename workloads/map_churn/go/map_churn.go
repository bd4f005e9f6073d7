// map-churn: the Go program that workloads/map_churn/map_churn.cc mimics, with Go's
// own map. Lines marked "gclab:site NAME" are the allocation sites of the C++
// workload; tests/workloads/go_escape_test.cc checks each against the compiler.
package main

import "flag"

type Value struct{ key, version, a, b int64 }

// The map's buckets and overflow buckets are made by Go's runtime (makeBucketArray,
// newoverflow), which the compiler's escape analysis never sees:
// gclab:site map-churn.makeBucketArray go=none runtime-internal: made inside mapassign and hashGrow
// gclab:site map-churn.newoverflow go=none runtime-internal: made inside mapassign
var m map[int64]*Value // the global; the map is made at set-up

func main() {
	flag.Parse()
	shape := [...][2]uint64{{20_000, 3_000_000}, {500_000, 20_000_000}, {2_000_000, 100_000_000}}[sizeIndex()]
	live, ops := shape[0], shape[1]
	m = make(map[int64]*Value) // gclab:site map-churn.makemap

	measured := beginMeasure()
	rng := newRandom(*seedFlag)
	var found uint64
	var version int64
	for op := uint64(0); op < ops; op++ {
		key := int64(rng.index(2 * live))
		switch r := rng.index(100); {
		case r < 50:
			if v, ok := m[key]; ok {
				found += uint64(v.version)
				if v.key != key || v.a != key*31+v.version {
					fail("map-churn: a damaged value")
				}
			}
		case r < 75:
			m[key] = &Value{key, version, key*31 + version, ^key} // gclab:site map-churn.Value
			version++
		default:
			delete(m, key)
		}
	}
	measured.end("map-churn", ops, mix(mix(0, found), uint64(len(m))))
}
