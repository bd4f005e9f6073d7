// File: tests/testing/test_program.h
//
// A small program for runtime and collector tests: a few types, allocation sites,
// a frame layout and globals, declared into a fresh runtime with a chosen collector.
#ifndef GCLAB_TESTS_TESTING_TEST_PROGRAM_H_
#define GCLAB_TESTS_TESTING_TEST_PROGRAM_H_

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "runtime/channel.h"
#include "runtime/runtime.h"

namespace gclab::testing {

struct TestProgram {
  // Node { next *Node; value int64 }
  const TypeInfo* node = nullptr;
  // Pair { left, right *Pair-or-Node; value int64 }
  const TypeInfo* pair = nullptr;
  // Wide: 64 pointer fields.
  const TypeInfo* wide = nullptr;
  const TypeInfo* ref_array = nullptr;
  const TypeInfo* byte_array = nullptr;

  const SiteInfo* new_node = nullptr;
  const SiteInfo* new_pair = nullptr;
  const SiteInfo* new_wide = nullptr;
  const SiteInfo* new_ref_array = nullptr;
  const SiteInfo* new_byte_array = nullptr;
  const SiteInfo* local_node = nullptr;  // does not escape
  const SiteInfo* local_pair = nullptr;  // does not escape

  // A frame with 8 pointer slots (0-7), 2 scalar slots (8-9) and a 1 KiB arena.
  const FunctionInfo* frame = nullptr;

  Global roots[4] = {};
  Global counter = {};

  ChannelTypes channels;

  void Declare(CodeSegment& code, DataSegment& data);
};

struct TestRuntimeOptions {
  size_t heap_bytes = 16 * MiB;
  bool escape_analysis = true;
  size_t max_mutators = 8;
  // Run the heap verifier (fatally) after every collection.
  bool verify_heap = true;
};

// A started runtime running the test program, with `collector` (a spec such as
// "marksweep"), or why it could not be made (the collector's factory or Init failed).
absl::StatusOr<std::unique_ptr<Runtime>> TryMakeTestRuntime(const std::string& collector,
                                                             TestProgram& program,
                                                             const TestRuntimeOptions& options = {});
// The same; on error, fails the test and returns null.
std::unique_ptr<Runtime> MakeTestRuntime(const std::string& collector, TestProgram& program,
                                         const TestRuntimeOptions& options = {});

// Allocates a list of `length` nodes with values first..first+length-1 and returns
// it through `slot` (a root). Nodes are built back to front.
void BuildList(Mutator& m, const TestProgram& p, Ref* slot, int64_t length, int64_t first = 0);

// Sums a list's values, counting its nodes into *count.
int64_t SumList(Ref head, int64_t* count);

// `text` (a collector spec, a workload name...) as a GoogleTest parameter name:
// every character but letters and digits becomes '_'.
std::string TestNameOf(std::string text);

}  // namespace gclab::testing

#endif  // GCLAB_TESTS_TESTING_TEST_PROGRAM_H_
