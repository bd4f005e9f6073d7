// lru-cache: the Go program that workloads/lru_cache/lru_cache.cc mimics. Lines
// marked "gclab:site NAME" are the allocation sites of the C++ workload;
// tests/workloads/go_escape_test.cc checks each against the compiler.
package main

import "flag"

type entry struct {
	prev, next, hnext *entry
	key               int64
	value             []byte
	version           int64
}

type LRU struct {
	table []*entry
	head  *entry // the list's sentinel
	count int64
}

var (
	cache    *LRU // the global
	capacity uint64
	buckets  uint64
	version  int64
)

func valueBytes(key int64) uint64 { return 16 + uint64(key)%241 }
func valueByte(key, version int64, i uint64) byte {
	return byte(key*13 + version*7 + int64(i))
}
func bucketOf(key int64) uint64 { return mix(0x1B873593, uint64(key)) & (buckets - 1) }

func (c *LRU) find(key int64) *entry {
	e := c.table[bucketOf(key)]
	for e != nil && e.key != key {
		e = e.hnext
	}
	return e
}

func unlink(e *entry) {
	e.prev.next = e.next
	e.next.prev = e.prev
}

func (c *LRU) linkFront(e *entry) {
	e.next = c.head.next
	e.prev = c.head
	c.head.next.prev = e
	c.head.next = e
}

func (c *LRU) evict() {
	victim := c.head.prev
	unlink(victim)
	bucket := bucketOf(victim.key)
	if c.table[bucket] == victim {
		c.table[bucket] = victim.hnext
	} else {
		e := c.table[bucket]
		for e.hnext != victim {
			e = e.hnext
		}
		e.hnext = victim.hnext
	}
	c.count--
}

// Get returns the first byte of key's value, loading it on a miss.
func (c *LRU) Get(key int64, hits *uint64) byte {
	if e := c.find(key); e != nil {
		*hits++
		if c.head.next != e {
			unlink(e)
			c.linkFront(e)
		}
		return e.value[0]
	}
	v := version
	version++
	e := &entry{key: key, version: v} // gclab:site lru-cache.entry
	n := valueBytes(key)
	value := make([]byte, n) // gclab:site lru-cache.load
	for i := range value {
		value[i] = valueByte(key, v, uint64(i))
	}
	e.value = value
	bucket := bucketOf(key)
	e.hnext = c.table[bucket]
	c.table[bucket] = e
	c.linkFront(e)
	c.count++
	if uint64(c.count) > capacity {
		c.evict()
	}
	return value[0]
}

func main() {
	flag.Parse()
	shape := [...][2]uint64{{10_000, 1_000_000}, {200_000, 12_000_000}, {1_000_000, 60_000_000}}[sizeIndex()]
	ops := shape[1]
	capacity = shape[0]
	for buckets = 1; buckets < capacity; buckets *= 2 {
	}
	cache = &LRU{}                        // gclab:site lru-cache.LRU
	cache.table = make([]*entry, buckets) // gclab:site lru-cache.table
	head := &entry{}                      // gclab:site lru-cache.entry
	head.prev, head.next = head, head
	cache.head = head

	m := beginMeasure()
	rng := newRandom(*seedFlag)
	var hits, read uint64
	for op := uint64(0); op < ops; op++ {
		var key int64
		if rng.percent(80) {
			key = int64(rng.index(capacity / 2))
		} else {
			key = int64(rng.index(4 * capacity))
		}
		read += uint64(cache.Get(key, &hits))
	}
	m.end("lru-cache", ops, mix(mix(0, hits), read))
}
