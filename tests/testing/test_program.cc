#include "tests/testing/test_program.h"

#include <initializer_list>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace gclab::testing {

void TestProgram::Declare(CodeSegment& code, DataSegment& data) {
  node = &code.DefineStruct("Node", 2, {0});
  pair = &code.DefineStruct("Pair", 3, {0, 1});
  wide = &code.DefineStruct("Wide", 64,
                            {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                             16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
                             32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
                             48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63});
  ref_array = &code.DefineRefArray("[]*Node");
  byte_array = &code.DefineByteArray("[]byte");
  new_node = &code.DefineSite("test.Node", *node, Escape::kEscapes);
  new_pair = &code.DefineSite("test.Pair", *pair, Escape::kEscapes);
  new_wide = &code.DefineSite("test.Wide", *wide, Escape::kEscapes);
  new_ref_array = &code.DefineSite("test.RefArray", *ref_array, Escape::kEscapes);
  new_byte_array = &code.DefineSite("test.ByteArray", *byte_array, Escape::kEscapes);
  local_node = &code.DefineSite("test.localNode", *node, Escape::kNoEscape);
  local_pair = &code.DefineSite("test.localPair", *pair, Escape::kNoEscape);
  frame = &code.DefineFunction("test.frame", 10, {0, 1, 2, 3, 4, 5, 6, 7}, 1024);
  for (int i = 0; i < 4; ++i) roots[i] = data.DefineRef(absl::StrCat("root", i));
  counter = data.DefineWord("counter");
  channels = DeclareChannelTypes(code);
}

absl::StatusOr<std::unique_ptr<Runtime>> TryMakeTestRuntime(const std::string& collector,
                                                             TestProgram& program,
                                                             const TestRuntimeOptions& options) {
  absl::StatusOr<std::unique_ptr<Collector>> c = CollectorRegistry::Global().Create(collector);
  if (!c.ok()) return c.status();
  RuntimeConfig config;
  config.heap_bytes = options.heap_bytes;
  config.escape_analysis = options.escape_analysis;
  config.max_mutators = options.max_mutators;
  config.verify_heap = options.verify_heap;
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Create(config, *std::move(c));
  if (!runtime.ok()) return runtime.status();
  program.Declare((*runtime)->code(), (*runtime)->data());
  if (absl::Status started = (*runtime)->Start(); !started.ok()) return started;
  return runtime;
}

std::unique_ptr<Runtime> MakeTestRuntime(const std::string& collector, TestProgram& program,
                                         const TestRuntimeOptions& options) {
  absl::StatusOr<std::unique_ptr<Runtime>> runtime =
      TryMakeTestRuntime(collector, program, options);
  EXPECT_TRUE(runtime.ok()) << runtime.status();
  return runtime.ok() ? *std::move(runtime) : nullptr;
}

void BuildList(Mutator& m, const TestProgram& p, Ref* slot, int64_t length, int64_t first) {
  FrameScope f(m, *p.frame);
  for (int64_t i = length - 1; i >= 0; --i) {
    Ref node = m.Allocate(*p.new_node);
    node->i64(1) = first + i;
    m.Store(node, 0, f[0]);
    f[0] = node;
  }
  *slot = f[0];
}

int64_t SumList(Ref head, int64_t* count) {
  int64_t sum = 0;
  *count = 0;
  for (Ref node = head; node != nullptr; node = node->ref(0)) {
    sum += node->i64(1);
    ++*count;
  }
  return sum;
}

std::string TestNameOf(std::string text) {
  for (char& c : text) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return text;
}

}  // namespace gclab::testing
