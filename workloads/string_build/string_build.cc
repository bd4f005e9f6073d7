// string-build: strings built by repeated concatenation (every += copies the whole
// string so far: quadratic garbage) next to the same strings built with a builder
// (one buffer, grown by doubling), plus short lookup keys that stay on the stack.
//
// The Go program it corresponds to:
//
//   var recent [K]string                         // a global ring
//
//   func concat(vs []uint64) string {
//     s := ""
//     for _, v := range vs {
//       var buf [24]byte                         // does not escape
//       s += string(strconv.AppendUint(buf[:0], v, 10))
//     }                                          // "string(...) escapes to heap", and
//     return s                                   // concatstrings makes a new string
//   }                                            // each time; escapes (returned)
//   func build(vs []uint64) string {
//     var b strings.Builder                      // its buffer escapes (returned)
//     for _, v := range vs { var buf [24]byte; b.Write(strconv.AppendUint(buf[:0], v, 10)) }
//     return b.String()
//   }
//   for op := 0; op < N; op++ {
//     vs := randomValues(rand(4, 48))
//     recent[2*op%K], recent[(2*op+1)%K] = concat(vs), build(vs)
//     key := "op:" + strconv.Itoa(op)            // short, does not escape: Go's
//     sum += hash(key)                           // concatstrings uses a stack buffer
//   }
//
// The digits are formatted into a stack buffer (the frame arena of `piece`). In concat
// Go's compiler sends the converted digits to the heap ("string(...) escapes to
// heap": they flow into s, which is returned), so each part is a small heap string
// before concatstrings copies it; in build they go straight into the buffer. A
// []string is an array of (pointer, length) pairs: here a
// pointer array plus a length array. One op is one pair of strings built; a latency
// batch is 100 ops.
//
// Checked by: the hash of every built string (read back from the heap) against the
// hash of its digits, and every string in the ring against a replay.
// Checksum: Mix(Mix(0, the sum of the concatenated strings' FNV-1a hashes), the sum
// of the keys' hashes).
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "runtime/mutator.h"
#include "workloads/common/bytes.h"
#include "workloads/common/random.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

constexpr uint64_t kOpsPerBatch = 100;
constexpr uint64_t kMinParts = 4, kMaxParts = 48;
constexpr uint64_t kMaxDigits = kMaxDecimalDigits;

struct Shape {
  uint64_t ops;
  uint64_t keep;  // K strings in the ring
};

// The values of one op: `parts` numbers of 1 to 18 digits.
uint64_t NextValue(XorShift64& rng) {
  static constexpr uint64_t kPowers[] = {10ULL, 100ULL, 10'000ULL, 1'000'000ULL,
                                         100'000'000ULL, 1'000'000'000'000ULL,
                                         1'000'000'000'000'000'000ULL};
  const uint64_t value = rng.Next();  // sequenced: the operands of % are not
  return value % kPowers[rng.Index(7)];
}

class StringBuild final : public PresetWorkload<Shape> {
 public:
  static constexpr WorkloadText kText{
      .name = "string-build",
      .description = "strings built by repeated += (quadratic garbage) and by a "
                     "strings.Builder (one doubling buffer); short keys on the stack",
      .parameters = "size: small = 10,000 ops, ring 128; default = 600,000 ops, ring "
                    "4,096; large = 3,000,000 ops, ring 16,384 (4..48 numbers a string). "
                    "threads: single goroutine (extra threads idle)",
      .units = "op = one string built both ways; latency batch = 100 ops"};

  static constexpr SizePresets<Shape> kPresets{
      .small = {10'000, 128},
      .default_size = {600'000, 4'096},
      .large = {3'000'000, 16'384}};

  explicit StringBuild(const WorkloadParams& params)
      : PresetWorkload(params, kPresets) {}

  void Declare(CodeSegment& code, DataSegment& data) override {
    const TypeInfo& bytes = code.DefineByteArray("string");
    const TypeInfo& pointers = code.DefineRefArray("[K]string.ptr");
    sites_[kNewDigits] = &code.DefineSite("string-build.piece.buf", bytes, Escape::kNoEscape);
    sites_[kPieceString] = &code.DefineSite("string-build.piece.string", bytes, Escape::kEscapes);
    sites_[kConcatSite] = &code.DefineSite("string-build.concatstrings", bytes, Escape::kEscapes);
    sites_[kGrowSite] = &code.DefineSite("string-build.Builder.grow", bytes, Escape::kEscapes);
    sites_[kKeySite] = &code.DefineSite("string-build.key", bytes, Escape::kNoEscape);
    sites_[kNewPointers] = &code.DefineSite("string-build.recent.ptr", pointers, Escape::kEscapes);
    sites_[kNewLengths] = &code.DefineSite("string-build.recent.len", bytes, Escape::kEscapes);
    functions_[kOp] = &code.DefineFunction("op", 1, {0}, 16 + 32);
    functions_[kConcat] = &code.DefineFunction("concat", 1, {0});
    functions_[kBuild] = &code.DefineFunction("build", 2, {0, 1});
    functions_[kPiece] = &code.DefineFunction("piece", 1, {0}, 16 + 24);
    recent_ = data.DefineRef("string-build.recent");
    recent_lengths_ = data.DefineRef("string-build.recent.len");
    data_ = &data;
  }

  size_t LiveBytesEstimate() const override {
    // Strings average ~26 parts of ~8 digits; builder buffers up to twice that.
    return shape_.keep * (16 + 320 + 8 + 8) + 32;
  }

  void Setup(Mutator& m) override {
    m.StoreGlobal(recent_, m.AllocateArray(*sites_[kNewPointers], shape_.keep));
    m.StoreGlobal(recent_lengths_, m.AllocateArray(*sites_[kNewLengths], 8 * shape_.keep));
  }

  void Run(Mutator& m, RunContext& context) override {
    if (context.thread != 0) return;
    XorShift64 rng(seed_);
    key_hash_sum_ = 0;
    string_hash_sum_ = 0;
    uint64_t values[kMaxParts];
    for (uint64_t op = 0; op < shape_.ops; ++op) {
      const uint64_t parts = rng.Range(kMinParts, kMaxParts);
      uint64_t expected = kFnvBasis;
      for (uint64_t i = 0; i < parts; ++i) {
        values[i] = NextValue(rng);
        uint8_t digits[kMaxDigits];
        expected = Fnv1a(digits, FormatDecimal(values[i], digits), expected);
      }
      string_hash_sum_ += expected;
      FrameScope f(m, *functions_[kOp]);  // 0: the string just built; the arena holds the key
      Keep(m, 2 * op, f[0], Concat(m, values, parts, f[0]), expected);
      Keep(m, 2 * op + 1, f[0], Build(m, values, parts, f[0]), expected);
      Ref key = m.AllocateArray(*sites_[kKeySite], 3 + kMaxDigits);
      std::memcpy(key->bytes(), "op:", 3);
      const size_t n = 3 + FormatDecimal(op, key->bytes() + 3);
      key_hash_sum_ += Fnv1a(key->bytes(), n);
      if ((op + 1) % kOpsPerBatch == 0) context.timer->BatchDone();
    }
    ops_ = shape_.ops;
  }

  absl::Status Verify(Mutator& m) override {
    OffHeapReplay replaying(m);
    if (bad_strings_ != 0) {
      return absl::DataLossError(
          absl::StrCat("string-build: ", bad_strings_, " strings have the wrong contents"));
    }
    uint64_t key_hash_sum = 0;
    for (uint64_t op = 0; op < shape_.ops; ++op) {
      uint8_t key[3 + kMaxDigits] = {'o', 'p', ':'};
      key_hash_sum += Fnv1a(key, 3 + FormatDecimal(op, key + 3));
    }
    if (key_hash_sum != key_hash_sum_) {
      return absl::DataLossError("string-build: the stack-allocated keys were damaged");
    }
    // Replay the last run: the ring holds its last K strings.
    XorShift64 rng(seed_);
    std::vector<uint64_t> hashes(shape_.keep, 0);
    std::vector<uint64_t> lengths(shape_.keep, 0);
    for (uint64_t op = 0; op < shape_.ops; ++op) {
      const uint64_t parts = rng.Range(kMinParts, kMaxParts);
      uint64_t hash = kFnvBasis, length = 0;
      for (uint64_t i = 0; i < parts; ++i) {
        uint8_t digits[kMaxDigits];
        const size_t n = FormatDecimal(NextValue(rng), digits);
        hash = Fnv1a(digits, n, hash);
        length += n;
      }
      for (uint64_t k : {2 * op, 2 * op + 1}) {
        hashes[k % shape_.keep] = hash;
        lengths[k % shape_.keep] = length;
      }
    }
    replaying.Done();
    Ref recent = data_->LoadRef(recent_);
    auto* recent_lengths = reinterpret_cast<uint64_t*>(data_->LoadRef(recent_lengths_)->bytes());
    for (uint64_t j = 0; j < std::min<uint64_t>(shape_.keep, 2 * shape_.ops); ++j) {
      Ref s = recent->element(j);
      if (s == nullptr || recent_lengths[j] != lengths[j] || s->length() < lengths[j] ||
          Fnv1a(s->bytes(), lengths[j]) != hashes[j]) {
        return absl::DataLossError(absl::StrCat("string-build: recent[", j, "] is damaged"));
      }
    }
    return absl::OkStatus();
  }

  uint64_t Checksum() const override { return Mix(Mix(0, string_hash_sum_), key_hash_sum_); }

  size_t BatchesPerThread() const override { return shape_.ops / kOpsPerBatch + 1; }

 private:
  // recent[k % K] = the string (s, length); checks its contents on the way.
  void Keep(Mutator& m, uint64_t k, Ref s, uint64_t length, uint64_t expected) {
    if (Fnv1a(s->bytes(), length) != expected) ++bad_strings_;
    const uint64_t j = k % shape_.keep;
    m.StoreElement(data_->LoadRef(recent_), j, s);
    reinterpret_cast<uint64_t*>(data_->LoadRef(recent_lengths_)->bytes())[j] = length;
  }

  // s := ""; for each value { s += string(its digits) }. The digits are formatted in
  // piece's frame arena (its stack buffer), then converted to a heap string. Leaves s
  // in `out` (a root slot) and returns its length.
  uint64_t Concat(Mutator& m, const uint64_t* values, uint64_t parts, Ref& out) {
    FrameScope f(m, *functions_[kConcat]);  // 0: s
    uint64_t length = 0;
    for (uint64_t i = 0; i < parts; ++i) {
      FrameScope p(m, *functions_[kPiece]);  // 0: the digits (in the heap with escape analysis off)
      p[0] = m.AllocateArray(*sites_[kNewDigits], kMaxDigits);
      const size_t n = FormatDecimal(values[i], p[0]->bytes());
      Ref converted = m.AllocateArray(*sites_[kPieceString], n);  // p[0] is a root meanwhile
      std::memcpy(converted->bytes(), p[0]->bytes(), n);
      p[0] = converted;
      Ref s = m.AllocateArray(*sites_[kConcatSite], length + n);
      if (length > 0) std::memcpy(s->bytes(), f[0]->bytes(), length);
      std::memcpy(s->bytes() + length, p[0]->bytes(), n);
      f[0] = s;
      length += n;
    }
    out = f[0];
    return length;
  }

  // The same string through a strings.Builder: one buffer, grown by doubling.
  uint64_t Build(Mutator& m, const uint64_t* values, uint64_t parts, Ref& out) {
    FrameScope f(m, *functions_[kBuild]);  // 0: the buffer, 1: the grown buffer
    uint64_t length = 0, capacity = 0;
    for (uint64_t i = 0; i < parts; ++i) {
      FrameScope p(m, *functions_[kPiece]);
      p[0] = m.AllocateArray(*sites_[kNewDigits], kMaxDigits);
      const size_t n = FormatDecimal(values[i], p[0]->bytes());
      if (length + n > capacity) {
        capacity = std::max(2 * capacity, length + n);
        f[1] = m.AllocateArray(*sites_[kGrowSite], capacity);
        if (length > 0) std::memcpy(f[1]->bytes(), f[0]->bytes(), length);
        f[0] = f[1];
      }
      std::memcpy(f[0]->bytes() + length, p[0]->bytes(), n);
      length += n;
    }
    out = f[0];
    return length;
  }

  enum Site : uint8_t { kNewDigits, kPieceString, kConcatSite, kGrowSite, kKeySite, kNewPointers,
                        kNewLengths, kNumSites };
  std::array<const SiteInfo*, kNumSites> sites_{};
  enum Function : uint8_t { kOp, kConcat, kBuild, kPiece, kNumFunctions };
  std::array<const FunctionInfo*, kNumFunctions> functions_{};
  Global recent_{};
  Global recent_lengths_{};
  uint64_t bad_strings_ = 0;
  uint64_t key_hash_sum_ = 0;
  uint64_t string_hash_sum_ = 0;
};

}  // namespace

GCLAB_REGISTER_WORKLOAD_CLASS(StringBuild);

}  // namespace gclab
