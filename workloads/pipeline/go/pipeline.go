// pipeline: the Go program that workloads/pipeline/pipeline.cc mimics: a producer,
// a transformer and a consumer goroutine joined by channels. Lines marked
// "gclab:site NAME" are the allocation sites of the C++ workload;
// tests/workloads/go_escape_test.cc checks each against the compiler.
package main

import "flag"

type Msg struct {
	payload []byte
	seq     int64
}

type Result struct{ seq, digest int64 }

const capacity = 64

// Go's makechan allocates the channel and its buffer inside the runtime; the
// compiler prints no verdict for make(chan):
// gclab:site runtime.makechan go=none runtime-internal: made inside runtime.makechan
// gclab:site runtime.makechan.buf go=none likewise
var (
	msgs    chan *Msg
	results chan *Result
)

func payloadBytes(seq uint64) uint64 { return 64 + seq%193 }
func payloadByte(seq, i uint64) byte { return byte(seq*31 + i*7) }
func digest(bytes []byte, lanes []uint64) uint64 {
	for i, b := range bytes {
		lanes[i%8] = lanes[i%8]*131 + uint64(b)
	}
	var d uint64
	for _, lane := range lanes {
		d = mix(d, lane)
	}
	return d
}

func produce(messages uint64) {
	for seq := uint64(0); seq < messages; seq++ {
		payload := make([]byte, payloadBytes(seq)) // gclab:site pipeline.makePayload
		for i := range payload {
			payload[i] = payloadByte(seq, uint64(i))
		}
		msgs <- &Msg{payload, int64(seq)} // gclab:site pipeline.Msg
	}
	close(msgs)
}

func transform() {
	for m := range msgs {
		var lanes [8]uint64 // gclab:site pipeline.lanes var=lanes
		d := digest(m.payload, lanes[:])
		results <- &Result{m.seq, int64(d)} // gclab:site pipeline.Result
	}
	close(results)
}

func main() {
	flag.Parse()
	messages := [...]uint64{60_000, 3_000_000, 15_000_000}[sizeIndex()]
	msgs, results = make(chan *Msg, capacity), make(chan *Result, capacity)

	m := beginMeasure()
	go produce(messages)
	go transform()
	var count, seqSum, digestSum uint64
	for r := range results {
		count++
		seqSum += uint64(r.seq)
		digestSum += uint64(r.digest)
	}
	m.end("pipeline", count, mix(mix(mix(0, count), seqSum), digestSum))
}
