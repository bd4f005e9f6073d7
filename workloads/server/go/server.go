// server: the Go program that workloads/server/server.cc mimics: request handlers
// on -threads worker goroutines sharing per-user state. Lines marked
// "gclab:site NAME" are the allocation sites of the C++ workload;
// tests/workloads/go_escape_test.cc checks each against the compiler.
package main

import (
	"flag"
	"strconv"
	"sync"
)

type User struct {
	history             []*Summary
	session             []byte
	id, requests, total int64
}

type Request struct {
	path       []byte
	user, item int64
}

type Summary struct{ request, length, digest int64 }

type reqCtx struct{ user, item, deadline int64 }

// Requests reach their handler through an interface, as http.Handler: the compiler
// cannot see where they go, so a request (and its path) escapes.
type handler interface{ Serve(*Request) int64 }

type itemHandler struct{}

func (itemHandler) Serve(r *Request) int64 { return r.item }

var (
	users  []*User // the global: shared per-user state
	router handler = itemHandler{}
	wg     sync.WaitGroup
)

var threadsFlag = flag.Int("threads", 1, "worker goroutines (as gclab's --threads)")

func handle(user, item int64, parts, requestID uint64) {
	var hdr [128]byte // gclab:site server.handle.hdr var=hdr
	n := copy(hdr[:], "GET /u/")
	n += len(strconv.AppendUint(hdr[n:n], uint64(user), 10))
	n += copy(hdr[n:], "/i/")
	n += len(strconv.AppendUint(hdr[n:n], uint64(item), 10))
	ctx := &reqCtx{user, item, int64(requestID) + 1000} // gclab:site server.handle.ctx
	req := &Request{user: ctx.user, item: ctx.item}     // gclab:site server.Request
	// gclab:site server.Request.path go=none runtime-internal: append to a nil slice allocates inside runtime.growslice
	req.path = append([]byte(nil), hdr[:n]...)
	item = router.Serve(req)
	// gclab:site server.body.growslice go=none runtime-internal: append's new backing arrays are made inside runtime.growslice
	var body []byte
	for k := uint64(0); k < parts; k++ {
		body = strconv.AppendUint(body, uint64(item*1000)+k*uint64(user), 10)
		body = append(body, ',')
	}
	s := &Summary{int64(requestID), int64(len(body)), int64(fnv1a(body, fnvBasis))} // gclab:site server.Summary
	u := users[user]
	u.history[u.requests%16] = s
	u.requests++
	u.total += s.digest
}

func worker(t, threads int, requests uint64) {
	defer wg.Done()
	rng := newRandom(*seedFlag*0x9E3779B97F4A7C15 + uint64(t) + 1)
	n, ut := uint64(threads), uint64(t)
	mine := requests / n
	if ut < requests%n {
		mine++
	}
	shard := (uint64(len(users)) - ut + n - 1) / n
	for i := uint64(0); i < mine; i++ {
		user := int64(ut + n*rng.index(shard))
		item := int64(rng.index(100_000))
		handle(user, item, rng.rangeIn(4, 64), i)
	}
}

func main() {
	flag.Parse()
	shape := [...][2]uint64{{1_000, 40_000}, {20_000, 2_000_000}, {100_000, 10_000_000}}[sizeIndex()]
	userCount, requests := shape[0], shape[1]
	users = make([]*User, userCount) // gclab:site server.users
	for u := range users {
		usr := &User{id: int64(u)}         // gclab:site server.User
		usr.history = make([]*Summary, 16) // gclab:site server.User.history
		usr.session = make([]byte, 64)     // gclab:site server.User.session
		for i := range usr.session {
			usr.session[i] = byte(u)
		}
		users[u] = usr
	}

	m := beginMeasure()
	for t := 0; t < *threadsFlag; t++ {
		wg.Add(1)
		go worker(t, *threadsFlag, requests)
	}
	wg.Wait()
	var checksum uint64
	for _, u := range users {
		checksum = mix(mix(checksum, uint64(u.requests)), uint64(u.total))
	}
	m.end("server", requests, checksum)
}
