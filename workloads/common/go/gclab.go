// The part every workload's Go program shares: its flags, the random sequence and
// checksum mixing the C++ workloads use (workloads/common/random.h, bytes.h), and
// the report of what Go's runtime measured over the workload's measured loop.
//
// Each workloads/<name>/go/ folder links this file in (a symbolic link), so that
// `go build` in that folder, in GOPATH mode, builds a standalone program:
//
//	cd workloads/closures/go && GO111MODULE=off go build -o /tmp/closures . && /tmp/closures -size=small
//
// The program prints one JSON line: the workload, its size, ops, checksum (as gclab's
// runs.csv prints it), heap bytes and objects allocated in the measured loop
// (runtime/metrics /gc/heap/allocs:bytes and :objects), and Go's own collector
// figures over that loop (cycles, pauses, wall time), under whatever GOGC is set.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"time"
)

var (
	sizeFlag = flag.String("size", "small", "size preset: small, default or large (as gclab's --size)")
	seedFlag = flag.Uint64("seed", 1, "workload seed (as gclab's --seed)")
)

// sizeIndex parses -size: 0 small, 1 default, 2 large.
func sizeIndex() int {
	switch *sizeFlag {
	case "small":
		return 0
	case "default":
		return 1
	case "large":
		return 2
	}
	fmt.Fprintf(os.Stderr, "unknown -size=%s; valid: small, default, large\n", *sizeFlag)
	os.Exit(2)
	return 0
}

// xorshift64 (Marsaglia; shifts 13, 7, 17), as workloads/common/random.h.
type xorshift64 struct{ state uint64 }

const defaultSeed = 0x9E3779B97F4A7C15

func newRandom(seed uint64) xorshift64 {
	if seed == 0 {
		seed = defaultSeed
	}
	return xorshift64{seed}
}

func (r *xorshift64) next() uint64 {
	r.state ^= r.state << 13
	r.state ^= r.state >> 7
	r.state ^= r.state << 17
	return r.state
}
func (r *xorshift64) index(n uint64) uint64        { return (r.next() >> 32) % n }
func (r *xorshift64) rangeIn(lo, hi uint64) uint64 { return lo + r.index(hi-lo+1) }
func (r *xorshift64) percent(p uint64) bool        { return r.index(100) < p }

// mix folds value into a running checksum (order-sensitive), as random.h's Mix.
func mix(checksum, value uint64) uint64 {
	return checksum ^ (value + 0x9E3779B97F4A7C15 + (checksum << 6) + (checksum >> 2))
}

const fnvBasis = 0xcbf29ce484222325

// fnv1a continues an FNV-1a hash over bytes (a string or a []byte: no conversion,
// which would add an escape verdict to the caller's file).
func fnv1a[T string | []byte](bytes T, hash uint64) uint64 {
	for i := 0; i < len(bytes); i++ {
		hash = (hash ^ uint64(bytes[i])) * 0x100000001b3
	}
	return hash
}

// The runtime's counters read around the measured loop.
var sampleNames = []string{
	"/gc/heap/allocs:bytes",
	"/gc/heap/allocs:objects",
	"/gc/heap/tiny/allocs:objects",
	"/gc/cycles/total:gc-cycles",
	"/gc/pauses:seconds",
}

func readSamples() []metrics.Sample {
	samples := make([]metrics.Sample, len(sampleNames))
	for i, name := range sampleNames {
		samples[i].Name = name
	}
	metrics.Read(samples)
	return samples
}

// pauseFigures gives the count, an estimate of the total, and the p50, p99 and max
// (bucket upper bounds, seconds) of the pauses recorded between two histograms.
func pauseFigures(before, after *metrics.Float64Histogram) (count uint64, total, p50, p99, max float64) {
	counts := make([]uint64, len(after.Counts))
	for i := range counts {
		counts[i] = after.Counts[i] - before.Counts[i]
		count += counts[i]
	}
	// A bucket's bounds, with the open ends closed at the finite neighbour.
	lower := func(i int) float64 {
		if b := after.Buckets[i]; !math.IsInf(b, -1) {
			return b
		}
		return after.Buckets[i+1]
	}
	upper := func(i int) float64 {
		if b := after.Buckets[i+1]; !math.IsInf(b, 1) {
			return b
		}
		return after.Buckets[i]
	}
	rank := func(q float64) float64 {
		need := uint64(math.Ceil(q * float64(count)))
		var seen uint64
		for i, c := range counts {
			seen += c
			if c > 0 && seen >= need {
				return upper(i)
			}
		}
		return 0
	}
	for i, c := range counts {
		if c > 0 {
			total += float64(c) * (lower(i) + upper(i)) / 2
		}
	}
	if count > 0 {
		p50, p99, max = rank(0.5), rank(0.99), rank(1)
	}
	return
}

// A measurement of the workload's measured loop: begin it once set-up is done,
// end it with the loop's ops and checksum to print the report line. (Not a function
// taking the loop as a closure: that closure would add an escape verdict of its own
// to the workload's file.)
type measurement struct {
	before []metrics.Sample
	start  time.Time
}

func beginMeasure() measurement {
	runtime.GC() // as gclab's harness: a full collection before the measured region
	return measurement{readSamples(), time.Now()}
}

func (m measurement) end(workload string, ops, checksum uint64) {
	wall := time.Since(m.start).Seconds()
	after := readSamples()
	delta := func(i int) uint64 { return after[i].Value.Uint64() - m.before[i].Value.Uint64() }
	pauses, total, p50, p99, max := pauseFigures(m.before[4].Value.Float64Histogram(),
		after[4].Value.Float64Histogram())
	gogc := os.Getenv("GOGC")
	if gogc == "" {
		gogc = "100"
	}
	line, err := json.Marshal(map[string]any{
		"workload":           workload,
		"size":               *sizeFlag,
		"seed":               *seedFlag,
		"ops":                ops,
		"checksum":           fmt.Sprintf("%016x", checksum),
		"heap_alloc_bytes":   delta(0),
		"heap_alloc_objects": delta(1),
		"heap_tiny_objects":  delta(2),
		"wall_s":             wall,
		"ops_per_s":          float64(ops) / wall,
		"gc_cycles":          delta(3),
		"gogc":               gogc,
		"pauses":             pauses,
		"pause_total_ms_est": total * 1e3,
		"pause_p50_us_upper": p50 * 1e6,
		"pause_p99_us_upper": p99 * 1e6,
		"pause_max_us_upper": max * 1e6,
		"go_version":         runtime.Version(),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "cannot write the report:", err)
		os.Exit(1)
	}
	fmt.Println(string(line))
}

// fail stops the program when its result check fails. (A panic with a string in
// the workload's own file would add an escape verdict there: the interface box.)
func fail(what string) {
	fmt.Fprintln(os.Stderr, what)
	os.Exit(1)
}
