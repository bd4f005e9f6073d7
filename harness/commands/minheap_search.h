// File: harness/commands/minheap_search.h
//
// Minimum heaps: measured by bisection (each probe a run in a child process), cached
// per build in the minimum-heap cache, and turned into the heap sizes of cells given
// as multiples (--heap-x). Also the `gclab minheap` command's work.
#ifndef GCLAB_HARNESS_MINHEAP_SEARCH_H_
#define GCLAB_HARNESS_MINHEAP_SEARCH_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "harness/matrix/matrix.h"
#include "harness/results/minheap.h"

namespace gclab {

MinHeapKey MinHeapKeyOf(const MatrixSpec& spec, const std::string& collector,
                        const std::string& workload, int threads, bool escape);

// Loads the cache at `path`, noting on stderr the rows no build claims.
absl::StatusOr<MinHeapCache> LoadMinHeapCache(const std::string& path);

// Finds the minimum heap by bisection, each probe a child process.
absl::StatusOr<size_t> MeasureMinHeap(const MatrixSpec& spec, const MinHeapKey& key);

// The heap of every cell in bytes, by cell index: absolute sizes as given, multiples
// of the cached minimum heap (measured now, and cached, when it is not there).
absl::StatusOr<std::vector<size_t>> ResolveHeapBytes(const MatrixSpec& spec,
                                                     const std::vector<Cell>& cells,
                                                     const std::string& minheap_cache);

}  // namespace gclab

#endif  // GCLAB_HARNESS_MINHEAP_SEARCH_H_
