// interface-boxing: small values converted to interfaces in a hot loop. Converting
// a non-pointer value to an interface boxes it: the interface holds a type word and
// a pointer to a copy of the value.
//
// The Go program it corresponds to:
//
//   type Pair struct{ a, b int64 }
//   var sink [K]any                              // a global
//
//   func describe(x any) int64 {                 // "x does not escape"
//     switch v := x.(type) {
//     case int64: return v
//     case float64: return int64(v)
//     case Pair: return v.a - v.b
//     }
//     return 0
//   }
//   for op := 0; op < N; op++ {
//     v := nextValue()                           // an int64, float64 or Pair
//     sum += describe(v)                         // the box does not escape: on the stack
//     if op%4 == 0 { sink[(op/4)%K] = v }        // this box escapes to the heap
//   }
//
// As in Go's runtime.convT64, an int64 below 256 needs no box: it points into a
// static table (runtime.staticuint64s), here an array built at set-up. A []any is
// an array of (type, pointer) pairs: here a pointer array plus a type array. One op
// is one value; a latency batch is 1000 ops.
//
// Checked by: the sum of everything describe() read back from the boxes, against the
// same sum computed from the values, and every boxed value left in the sink.
// Checksum: Mix(0, the sum describe() read).
#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "runtime/mutator.h"
#include "workloads/common/random.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

enum Tag : uint8_t { kNil = 0, kInt = 1, kFloat = 2, kPair = 3 };
constexpr uint64_t kStaticInts = 256;
constexpr uint64_t kOpsPerBatch = 1000;

struct Shape {
  uint64_t ops;
  uint64_t sink;
};

struct Value {
  Tag tag;
  int64_t a, b;  // kInt: a; kFloat: a holds the bits; kPair: a, b
};

Value NextValue(XorShift64& rng) {
  const uint64_t r = rng.Next();
  switch (r % 3) {
    case 0:
      return {kInt, static_cast<int64_t>((r >> 8) % 1024), 0};  // a quarter need no box
    case 1:
      return {kFloat, std::bit_cast<int64_t>(static_cast<double>((r >> 8) % 100'000) / 8), 0};
    default:
      return {kPair, static_cast<int64_t>((r >> 8) & 0xFFFF), static_cast<int64_t>(r >> 48)};
  }
}

int64_t Describe(const Value& v) {
  switch (v.tag) {
    case kInt:
      return v.a;
    case kFloat:
      return static_cast<int64_t>(std::bit_cast<double>(v.a));
    case kPair:
      return v.a - v.b;
    case kNil:
      break;
  }
  return 0;
}

class InterfaceBoxing final : public PresetWorkload<Shape> {
 public:
  static constexpr WorkloadText kText{
      .name = "interface-boxing",
      .description = "int64, float64 and 2-word struct values converted to interfaces "
                     "in a hot loop: boxes on the stack (describe) and in the heap (sink)",
      .parameters = "size: small = 3,000,000 ops, sink 4,096; default = 60,000,000 ops, "
                    "sink 65,536; large = 300,000,000 ops, sink 262,144. threads: single "
                    "goroutine (extra threads idle)",
      .units = "op = one value boxed; latency batch = 1,000 ops"};

  static constexpr SizePresets<Shape> kPresets{
      .small = {3'000'000, 4'096},
      .default_size = {60'000'000, 65'536},
      .large = {300'000'000, 262'144}};

  explicit InterfaceBoxing(const WorkloadParams& params)
      : PresetWorkload(params, kPresets) {}

  void Declare(CodeSegment& code, DataSegment& data) override {
    const TypeInfo& word = code.DefineStruct("int64|float64", 1, {});
    const TypeInfo& pair = code.DefineStruct("Pair", 2, {});
    const TypeInfo& pointers = code.DefineRefArray("[K]any.data");
    const TypeInfo& tags = code.DefineByteArray("[K]any.type");
    for (Tag tag : {kInt, kFloat, kPair}) {
      const TypeInfo& type = tag == kPair ? pair : word;
      const char* name = tag == kInt ? "convT64" : tag == kFloat ? "convTfloat" : "convTPair";
      stack_box_[tag] =
          &code.DefineSite(absl::StrCat("interface-boxing.describe.", name), type,
                           Escape::kNoEscape);
      heap_box_[tag] = &code.DefineSite(absl::StrCat("interface-boxing.sink.", name), type,
                                        Escape::kEscapes);
    }
    sites_[kNewStatic] = &code.DefineSite("interface-boxing.staticuint64s", word, Escape::kEscapes);
    sites_[kNewPointers] =
        &code.DefineSite("interface-boxing.sink.data", pointers, Escape::kEscapes);
    sites_[kNewTags] = &code.DefineSite("interface-boxing.sink.type", tags, Escape::kEscapes);
    sites_[kNewStatics] = &code.DefineSite("interface-boxing.staticuint64s[]", pointers,
                                           Escape::kEscapes);
    functions_[kOp] = &code.DefineFunction("op", 1, {0}, 24);
    sink_ = data.DefineRef("interface-boxing.sink.data");
    sink_tags_ = data.DefineRef("interface-boxing.sink.type");
    statics_ = data.DefineRef("runtime.staticuint64s");
    data_ = &data;
  }

  size_t LiveBytesEstimate() const override {
    return shape_.sink * (8 + 1 + 20) + kStaticInts * 24 + 64;
  }

  void Setup(Mutator& m) override {
    m.StoreGlobal(sink_, m.AllocateArray(*sites_[kNewPointers], shape_.sink));
    m.StoreGlobal(sink_tags_, m.AllocateArray(*sites_[kNewTags], shape_.sink));
    m.StoreGlobal(statics_, m.AllocateArray(*sites_[kNewStatics], kStaticInts));
    for (uint64_t i = 0; i < kStaticInts; ++i) {
      Ref box = m.Allocate(*sites_[kNewStatic]);
      box->i64(0) = static_cast<int64_t>(i);
      m.StoreElement(data_->LoadRef(statics_), i, box);
    }
  }

  void Run(Mutator& m, RunContext& context) override {
    if (context.thread != 0) return;
    XorShift64 rng(seed_);
    uint64_t read = 0, expected = 0;
    for (uint64_t op = 0; op < shape_.ops; ++op) {
      const Value v = NextValue(rng);
      expected += static_cast<uint64_t>(Describe(v));
      FrameScope f(m, *functions_[kOp]);  // 0: the box; the arena holds describe's copy
      f[0] = Box(m, v, /*escapes=*/false);
      read += static_cast<uint64_t>(DescribeBox(v.tag, f[0]));
      if (op % 4 == 0) {
        f[0] = Box(m, v, /*escapes=*/true);
        const uint64_t j = (op / 4) % shape_.sink;
        m.StoreElement(data_->LoadRef(sink_), j, f[0]);
        data_->LoadRef(sink_tags_)->bytes()[j] = v.tag;
      }
      if ((op + 1) % kOpsPerBatch == 0) context.timer->BatchDone();
    }
    read_ = read;
    expected_ = expected;
    ops_ = shape_.ops;
  }

  absl::Status Verify(Mutator& m) override {
    OffHeapReplay replaying(m);
    if (read_ != expected_) {
      return absl::DataLossError(absl::StrCat("interface-boxing: describe() summed ", read_,
                                              ", expected ", expected_));
    }
    XorShift64 rng(seed_);
    std::vector<Value> sink(shape_.sink, Value{kNil, 0, 0});
    for (uint64_t op = 0; op < shape_.ops; ++op) {
      const Value v = NextValue(rng);
      if (op % 4 == 0) sink[(op / 4) % shape_.sink] = v;
    }
    replaying.Done();
    Ref pointers = data_->LoadRef(sink_);
    const uint8_t* tags = data_->LoadRef(sink_tags_)->bytes();
    for (uint64_t j = 0; j < shape_.sink; ++j) {
      if (sink[j].tag == kNil) continue;
      Ref box = pointers->element(j);
      if (tags[j] != sink[j].tag || box == nullptr || box->i64(0) != sink[j].a ||
          (sink[j].tag == kPair && box->i64(1) != sink[j].b)) {
        return absl::DataLossError(absl::StrCat("interface-boxing: sink[", j, "] is wrong"));
      }
    }
    return absl::OkStatus();
  }

  uint64_t Checksum() const override { return Mix(0, read_); }

  size_t BatchesPerThread() const override { return shape_.ops / kOpsPerBatch + 1; }

 private:
  // var x any = v
  Ref Box(Mutator& m, const Value& v, bool escapes) {
    if (v.tag == kInt && static_cast<uint64_t>(v.a) < kStaticInts) {
      return data_->LoadRef(statics_)->element(static_cast<uint64_t>(v.a));
    }
    Ref box = m.Allocate(escapes ? *heap_box_[v.tag] : *stack_box_[v.tag]);
    box->i64(0) = v.a;
    if (v.tag == kPair) box->i64(1) = v.b;
    return box;
  }

  static int64_t DescribeBox(Tag tag, Ref box) {
    return Describe(Value{tag, box->i64(0), tag == kPair ? box->i64(1) : 0});
  }

  const SiteInfo* stack_box_[4] = {};
  const SiteInfo* heap_box_[4] = {};
  enum Site : uint8_t { kNewStatic, kNewPointers, kNewTags, kNewStatics, kNumSites };
  std::array<const SiteInfo*, kNumSites> sites_{};
  enum Function : uint8_t { kOp, kNumFunctions };
  std::array<const FunctionInfo*, kNumFunctions> functions_{};
  Global sink_{};
  Global sink_tags_{};
  Global statics_{};
  uint64_t read_ = 0;
  uint64_t expected_ = 0;
};

}  // namespace

GCLAB_REGISTER_WORKLOAD_CLASS(InterfaceBoxing);

}  // namespace gclab
