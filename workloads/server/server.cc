// server: request handlers on several goroutines. Each request makes garbage
// (a parsed request, a response built in a growing buffer) and updates long-lived
// per-user state shared through a global table. Request latency is what a user of
// the server sees, so each request is one latency batch: the harness reports it as
// simple latency (each request's own time) and metered latency (as if requests had
// arrived at a steady rate, so that a pause delays every request queued behind it;
// see results/README.md), both as p50/p99/p99.9/max.
//
// The Go program it corresponds to:
//
//   type User struct{ history *[16]*Summary; session []byte; id, requests, total int64 }
//   type Request struct{ path []byte; user, item int64 }
//   type Summary struct{ request, length, digest int64 }
//   var users []*User                            // a global: shared per-user state
//
//   func handle(w int, user, item int64, parts int) {
//     var hdr [128]byte                          // does not escape: request line
//     n := formatRequestLine(hdr[:], user, item)
//     ctx := &reqCtx{user, item, deadline}       // "&reqCtx{...} does not escape"
//     req := &Request{path: append([]byte(nil), hdr[:n]...), user: user, item: item}
//                                                // escapes: handed to handlers as an
//                                                // interface; path escapes with it
//     var body []byte                            // escapes: written out, kept by the
//     for k := 0; k < parts; k++ {               // response
//       body = strconv.AppendInt(body, item*1000+k*user, 10); body = append(body, ',')
//     }
//     s := &Summary{id, len(body), hash(body)}   // escapes: stored in the user's history
//     u := users[user]; u.history[u.requests%16] = s; u.requests++; u.total += s.digest
//   }
//
// Threads: --threads=T workers share R requests; worker t serves the users u with
// u % T == t (session affinity, as a sharded server does), so per-user state is
// shared across requests but never written by two threads at once. The user table
// and every user's history are old objects that requests keep storing into. One op
// is one request; a latency batch is one request.
//
// Checked by: replaying every worker's requests outside the heap; each user's
// request count and latest summary, and the digest total of every eighth user (the
// digests of all two million requests would take two seconds, as long as the
// measured run on marksweep, and every run pays for its check). Checksum: Mix, over the users in
// order, of each one's request count and then its digest total, read from the heap.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/mutator.h"
#include "workloads/common/bytes.h"
#include "workloads/common/random.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

// User.
constexpr size_t kHistory = 0, kSession = 1, kUserId = 2, kRequests = 3, kTotal = 4;
// Request.
constexpr size_t kPath = 0, kRequestUser = 1, kItem = 2;
// Summary.
constexpr size_t kRequestId = 0, kLength = 1, kDigest = 2;
// reqCtx.
constexpr size_t kCtxUser = 0, kCtxItem = 1, kDeadline = 2;
constexpr uint64_t kHistoryLength = 16;
constexpr uint64_t kHeaderBytes = 128;

struct Shape {
  uint64_t users;
  uint64_t requests;
};

struct RequestPlan {
  int64_t user;
  int64_t item;
  uint64_t parts;
};

// Worker t's next request: a user of its shard, an item, a response size.
RequestPlan NextRequest(XorShift64& rng, int t, int threads, uint64_t users) {
  const uint64_t shard = (users - static_cast<uint64_t>(t) + threads - 1) / threads;
  return {static_cast<int64_t>(static_cast<uint64_t>(t) + threads * rng.Index(shard)),
          static_cast<int64_t>(rng.Index(100'000)), rng.Range(4, 64)};
}

struct BodySummary {
  uint64_t digest;
  int64_t length;
};

// The digest and length of a request's response body, hashed part by part as it
// would be built, outside the heap (for checking). Streaming, with no buffer: the
// replay of default size's two million requests is part of every run's wall time.
BodySummary ExpectedBody(const RequestPlan& plan) {
  BodySummary body{.digest = kFnvBasis, .length = 0};
  for (uint64_t k = 0; k < plan.parts; ++k) {
    uint8_t digits[21];
    size_t n = FormatDecimal(static_cast<uint64_t>(plan.item * 1000) + k * plan.user, digits);
    digits[n++] = ',';
    body.digest = Fnv1a(digits, n, body.digest);
    body.length += static_cast<int64_t>(n);
  }
  return body;
}

class Server final : public PresetWorkload<Shape> {
 public:
  static constexpr WorkloadText kText{
      .name = "server",
      .description = "request handlers on --threads workers: per-request garbage plus "
                     "shared per-user state; request latency simple and metered",
      .parameters = "size: small = 1,000 users, 40,000 requests; default = 20,000 users, "
                    "2,000,000 requests; large = 100,000 users, 10,000,000 requests. "
                    "threads: the requests are shared among T workers, each serving "
                    "its own shard of users",
      .units = "op = one request; latency batch = one request"};

  static constexpr SizePresets<Shape> kPresets{
      .small = {1'000, 40'000},
      .default_size = {20'000, 2'000'000},
      .large = {100'000, 10'000'000}};

  explicit Server(const WorkloadParams& params)
      : PresetWorkload(params, kPresets),
        threads_(params.threads),
        runs_per_worker_(static_cast<size_t>(params.threads), 0),
        served_(static_cast<size_t>(params.threads), 0) {}

  void Declare(CodeSegment& code, DataSegment& data) override {
    const TypeInfo& user = code.DefineStruct("User", 5, {kHistory, kSession});
    const TypeInfo& request = code.DefineStruct("Request", 3, {kPath});
    const TypeInfo& summary = code.DefineStruct("Summary", 3, {});
    const TypeInfo& ctx = code.DefineStruct("reqCtx", 3, {});
    const TypeInfo& bytes = code.DefineByteArray("[]byte");
    const TypeInfo& refs = code.DefineRefArray("[]*T");
    sites_[kNewUser] = &code.DefineSite("server.User", user, Escape::kEscapes);
    sites_[kNewHistory] = &code.DefineSite("server.User.history", refs, Escape::kEscapes);
    sites_[kNewSession] = &code.DefineSite("server.User.session", bytes, Escape::kEscapes);
    sites_[kNewUsers] = &code.DefineSite("server.users", refs, Escape::kEscapes);
    sites_[kNewHeader] = &code.DefineSite("server.handle.hdr", bytes, Escape::kNoEscape);
    sites_[kNewCtx] = &code.DefineSite("server.handle.ctx", ctx, Escape::kNoEscape);
    sites_[kNewRequest] = &code.DefineSite("server.Request", request, Escape::kEscapes);
    sites_[kNewPath] = &code.DefineSite("server.Request.path", bytes, Escape::kEscapes);
    sites_[kGrowBody] = &code.DefineSite("server.body.growslice", bytes, Escape::kEscapes);
    sites_[kNewSummary] = &code.DefineSite("server.Summary", summary, Escape::kEscapes);
    functions_[kSetup] = &code.DefineFunction("setup", 1, {0});
    // 0: hdr, 1: ctx, 2: request, 3: body, 4: grown body, 5: summary.
    functions_[kHandle] = &code.DefineFunction("handle", 6, {0, 1, 2, 3, 4, 5},
                                               16 + kHeaderBytes + 8 * 4);
    users_ = data.DefineRef("server.users");
    data_ = &data;
  }

  size_t LiveBytesEstimate() const override {
    const size_t per_user = 48 + (16 + 8 * kHistoryLength) + (16 + 64) +
                            kHistoryLength * 32 + 8;
    return shape_.users * per_user + 16;
  }

  void Setup(Mutator& m) override {
    FrameScope f(m, *functions_[kSetup]);
    m.StoreGlobal(users_, m.AllocateArray(*sites_[kNewUsers], shape_.users));
    for (uint64_t u = 0; u < shape_.users; ++u) {
      f[0] = m.Allocate(*sites_[kNewUser]);
      f[0]->i64(kUserId) = static_cast<int64_t>(u);
      Ref history = m.AllocateArray(*sites_[kNewHistory], kHistoryLength);
      m.Store(f[0], kHistory, history);
      Ref session = m.AllocateArray(*sites_[kNewSession], 64);
      std::memset(session->bytes(), static_cast<int>(u & 0xFF), 64);
      m.Store(f[0], kSession, session);
      m.StoreElement(data_->LoadRef(users_), u, f[0]);
    }
  }

  void Run(Mutator& m, RunContext& context) override {
    const int t = context.thread;
    XorShift64 rng(SeedFor(t, runs_per_worker_[t]++));
    const uint64_t mine = RequestsFor(t);
    for (uint64_t i = 0; i < mine; ++i) {
      Handle(m, NextRequest(rng, t, threads_, shape_.users), i);
      context.timer->BatchDone();
    }
    served_[t] = mine;
  }

  absl::Status Verify(Mutator& m) override {
    OffHeapReplay replaying(m);
    struct Expected {
      int64_t requests = 0;
      uint64_t total = 0;
      RequestPlan last{};
    };
    std::vector<Expected> expected(shape_.users);
    for (int t = 0; t < threads_; ++t) {
      for (uint64_t run = 0; run < runs_per_worker_[t]; ++run) {
        XorShift64 rng(SeedFor(t, run));
        for (uint64_t i = 0; i < RequestsFor(t); ++i) {
          const RequestPlan plan = NextRequest(rng, t, threads_, shape_.users);
          Expected& e = expected[static_cast<size_t>(plan.user)];
          ++e.requests;
          e.last = plan;
          if (TotalIsChecked(plan.user)) e.total += ExpectedBody(plan).digest;
        }
      }
    }
    replaying.Done();
    Ref users = data_->LoadRef(users_);
    uint64_t checksum = 0;
    for (uint64_t u = 0; u < shape_.users; ++u) {
      Ref user = users->element(u);
      const Expected& e = expected[u];
      if (user == nullptr || user->i64(kUserId) != static_cast<int64_t>(u) ||
          user->i64(kRequests) != e.requests ||
          (TotalIsChecked(static_cast<int64_t>(u)) &&
           static_cast<uint64_t>(user->i64(kTotal)) != e.total) ||
          user->ref(kSession)->bytes()[63] != (u & 0xFF)) {
        return absl::DataLossError(absl::StrCat("server: user ", u, " has the wrong state"));
      }
      checksum = Mix(Mix(checksum, static_cast<uint64_t>(user->i64(kRequests))),
                     static_cast<uint64_t>(user->i64(kTotal)));
      if (e.requests == 0) continue;
      Ref last = user->ref(kHistory)->element(static_cast<uint64_t>(e.requests - 1) %
                                              kHistoryLength);
      const BodySummary body = ExpectedBody(e.last);
      if (last == nullptr || static_cast<uint64_t>(last->i64(kDigest)) != body.digest ||
          last->i64(kLength) != body.length) {
        return absl::DataLossError(
            absl::StrCat("server: user ", u, " lost its latest request summary"));
      }
    }
    checksum_ = checksum;
    return absl::OkStatus();
  }

  uint64_t ops() const override {
    uint64_t total = 0;
    for (uint64_t served : served_) total += served;
    return total;
  }

  uint64_t Checksum() const override { return checksum_; }

  size_t BatchesPerThread() const override { return shape_.requests / threads_ + 1; }

 private:
  static bool TotalIsChecked(int64_t user) { return user % 8 == 0; }

  uint64_t SeedFor(int t, uint64_t run) const {
    return seed_ * 0x9E3779B97F4A7C15 + run * 1000 + static_cast<uint64_t>(t) + 1;
  }
  uint64_t RequestsFor(int t) const {
    const uint64_t n = static_cast<uint64_t>(threads_);
    return shape_.requests / n + (static_cast<uint64_t>(t) < shape_.requests % n ? 1 : 0);
  }

  void Handle(Mutator& m, const RequestPlan& plan, uint64_t request_id) {
    FrameScope f(m, *functions_[kHandle]);
    // The request line, parsed into a stack buffer.
    f[0] = m.AllocateArray(*sites_[kNewHeader], kHeaderBytes);
    uint8_t* hdr = f[0]->bytes();
    std::memcpy(hdr, "GET /u/", 7);
    size_t n = 7 + FormatDecimal(static_cast<uint64_t>(plan.user), hdr + 7);
    std::memcpy(hdr + n, "/i/", 3);
    n += 3;
    n += FormatDecimal(static_cast<uint64_t>(plan.item), hdr + n);
    f[1] = m.Allocate(*sites_[kNewCtx]);
    f[1]->i64(kCtxUser) = plan.user;
    f[1]->i64(kCtxItem) = plan.item;
    f[1]->i64(kDeadline) = static_cast<int64_t>(request_id) + 1000;
    f[2] = m.Allocate(*sites_[kNewRequest]);
    f[2]->i64(kRequestUser) = f[1]->i64(kCtxUser);
    f[2]->i64(kItem) = f[1]->i64(kCtxItem);
    Ref path = m.AllocateArray(*sites_[kNewPath], n);
    std::memcpy(path->bytes(), f[0]->bytes(), n);
    m.Store(f[2], kPath, path);
    // The response body: appended to, doubling when full.
    uint64_t length = 0, capacity = 0;
    for (uint64_t k = 0; k < plan.parts; ++k) {
      uint8_t digits[21];
      size_t d = FormatDecimal(
          static_cast<uint64_t>(f[2]->i64(kItem) * 1000) + k * static_cast<uint64_t>(plan.user),
          digits);
      digits[d++] = ',';
      if (length + d > capacity) {
        capacity = std::max<uint64_t>(2 * capacity, 64);
        f[4] = m.AllocateArray(*sites_[kGrowBody], capacity);
        if (length > 0) std::memcpy(f[4]->bytes(), f[3]->bytes(), length);
        f[3] = f[4];
      }
      std::memcpy(f[3]->bytes() + length, digits, d);
      length += d;
    }
    f[5] = m.Allocate(*sites_[kNewSummary]);
    Ref summary = f[5];
    summary->i64(kRequestId) = static_cast<int64_t>(request_id);
    summary->i64(kLength) = static_cast<int64_t>(length);
    summary->i64(kDigest) = static_cast<int64_t>(Fnv1a(f[3]->bytes(), length));
    // The shared per-user state: old objects, stored into.
    Ref user = data_->LoadRef(users_)->element(static_cast<uint64_t>(plan.user));
    const int64_t requests = user->i64(kRequests);
    m.StoreElement(user->ref(kHistory), static_cast<uint64_t>(requests) % kHistoryLength,
                   summary);
    user->i64(kRequests) = requests + 1;
    user->i64(kTotal) = static_cast<int64_t>(static_cast<uint64_t>(user->i64(kTotal)) +
                                             static_cast<uint64_t>(summary->i64(kDigest)));
  }

  int threads_;
  std::vector<uint64_t> runs_per_worker_;  // per worker; each touches only its own
  std::vector<uint64_t> served_;  // requests served in the last run, per worker
  enum Site : uint8_t { kNewUser, kNewHistory, kNewSession, kNewUsers, kNewHeader, kNewCtx,
                        kNewRequest, kNewPath, kGrowBody, kNewSummary, kNumSites };
  std::array<const SiteInfo*, kNumSites> sites_{};
  enum Function : uint8_t { kSetup, kHandle, kNumFunctions };
  std::array<const FunctionInfo*, kNumFunctions> functions_{};
  Global users_{};
  uint64_t checksum_ = 0;
};

}  // namespace

GCLAB_REGISTER_WORKLOAD_CLASS(Server);

}  // namespace gclab
