#include "harness/commands/minheap_search.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/commands/commands.h"
#include "harness/results/manifest.h"
#include "harness/run/run_in_child.h"
#include "harness/stats/units.h"
#include "workloads/workload.h"

namespace gclab {
namespace fs = std::filesystem;

MinHeapKey MinHeapKeyOf(const MatrixSpec& spec, const std::string& collector,
                 const std::string& workload, int threads, bool escape) {
  absl::StatusOr<CollectorSpec> parsed = ParseCollectorSpec(collector);
  return MinHeapKey{collector, workload, std::string(WorkloadSizeName(spec.size)), threads,
                    escape, CollectorBuildId(parsed.ok() ? parsed->name : collector)};
}

absl::StatusOr<MinHeapCache> LoadMinHeapCache(const std::string& path) {
  absl::StatusOr<MinHeapCache> cache = MinHeapCache::Load(path);
  if (cache.ok() && cache->stale_rows() > 0) {
    std::fprintf(stderr,
                 "gclab: note: %d rows of the minimum-heap cache %s do not say which build "
                 "measured them; those minimum heaps will be measured again\n",
                 cache->stale_rows(), path.c_str());
  }
  return cache;
}

absl::StatusOr<size_t> MeasureMinHeap(const MatrixSpec& spec, const MinHeapKey& key) {
  const fs::path scratch = fs::temp_directory_path() / absl::StrCat("gclab-minheap-", getpid());
  std::error_code ec;
  fs::create_directories(scratch / "runs", ec);
  absl::StatusOr<std::unique_ptr<Workload>> workload = WorkloadRegistry::Global().Create(
      key.workload, WorkloadParams{.size = spec.size, .threads = key.threads});
  if (!workload.ok()) return workload.status();
  Cell cell{0, key.collector, key.workload, {}, key.threads, key.escape_analysis};
  MatrixSpec probe_spec = spec;
  probe_spec.warmup = 0;
  probe_spec.verify = false;
  probe_spec.trace = false;
  // A probe asks only whether the run fits: no pause, phase or latency records, no
  // hiccup meter (server alone records millions of batches).
  probe_spec.instrument = false;
  probe_spec.hiccup_meter = false;
  probe_spec.raw_latency = false;
  int probes = 0;
  auto probe = [&](size_t bytes) -> absl::StatusOr<bool> {
    if (Interrupted()) return absl::CancelledError("interrupted");
    const std::string probe_key = absl::StrCat("probe-", ++probes);
    std::string write_error;
    std::optional<ChildRun> run = RunInChild(
        RunSpecJson(probe_spec, cell, 1, probe_key, bytes, std::nullopt,
                 (scratch / "runs").string()),
        spec.probe_timeout_seconds, scratch.string(), &write_error);
    if (!write_error.empty()) return absl::UnavailableError(write_error);
    if (!run) return absl::CancelledError("interrupted");
    const RunStatus status = run->status;
    std::fprintf(stderr, "gclab: minheap %s %s: %.2f MiB %s\n", key.collector.c_str(),
                 key.workload.c_str(), bytes / double(MiB),
                 std::string(RunStatusName(status)).c_str());
    if (!run->started) return absl::FailedPreconditionError(run->error);
    if (status == RunStatus::kOk) return true;
    if (status == RunStatus::kOutOfMemory) return false;
    if (status == RunStatus::kTimeout) {
      return absl::DeadlineExceededError(absl::StrFormat(
          "the minimum-heap probe of %s on %s at %.2f MiB got no result within "
          "--probe-timeout=%gs; the search stops rather than count it as too small a heap "
          "(that would depend on how busy the machine is). Searches finished so far are "
          "cached: raise --probe-timeout, or run again on a quieter machine",
          key.collector, key.workload, bytes / double(MiB), spec.probe_timeout_seconds));
    }
    return absl::InternalError(absl::StrCat(
        "minheap probe of ", key.collector, " on ", key.workload, " at ", bytes,
        " bytes ended with status ", RunStatusName(status), "; see ", scratch.string()));
  };
  absl::StatusOr<size_t> result =
      BisectMinHeap(std::max<size_t>(4 * MiB, (*workload)->LiveBytesEstimate()), probe);
  if (result.ok()) fs::remove_all(scratch, ec);
  return result;
}

absl::StatusOr<std::vector<size_t>> ResolveHeapBytes(const MatrixSpec& spec,
                                                     const std::vector<Cell>& cells,
                                                     const std::string& minheap_cache) {
  absl::StatusOr<MinHeapCache> cache = LoadMinHeapCache(minheap_cache);
  if (!cache.ok()) return absl::InvalidArgumentError(cache.status().message());
  std::vector<size_t> heap_bytes(cells.size());
  for (const Cell& cell : cells) {
    if (!cell.heap.relative) {
      heap_bytes[cell.index] = static_cast<size_t>(cell.heap.value * MiB);
      continue;
    }
    const MinHeapKey key = MinHeapKeyOf(spec, cell.collector, cell.workload, cell.threads,
                                        cell.escape_analysis);
    std::optional<size_t> min = cache->Find(key);
    if (!min) {
      std::fprintf(stderr, "gclab: measuring the minimum heap of %s on %s (not cached in %s)\n",
                   key.collector.c_str(), key.workload.c_str(), minheap_cache.c_str());
      absl::StatusOr<size_t> measured = MeasureMinHeap(spec, key);
      if (!measured.ok()) return measured.status();
      cache->Put(key, *measured);
      if (absl::Status s = cache->Save(); !s.ok()) return s;
      min = *measured;
    }
    heap_bytes[cell.index] = AlignUp(static_cast<size_t>(cell.heap.value * *min), 4 * KiB);
  }
  return heap_bytes;
}

int MinHeap(const MinHeapOptions& options) {
  absl::StatusOr<MinHeapCache> cache = LoadMinHeapCache(options.minheap_cache);
  if (!cache.ok()) return CommandError(cache.status().message());
  InstallInterruptHandlers();
  std::printf("%-20s %-16s %-8s %7s %6s %14s\n", "collector", "workload", "size", "threads",
              "escape", "min_heap_MiB");
  for (const std::string& collector : options.spec.collectors) {
    for (const std::string& workload : options.spec.workloads) {
      for (int threads : options.spec.threads) {
        for (bool escape : options.spec.escape_analysis) {
          const MinHeapKey key = MinHeapKeyOf(options.spec, collector, workload, threads, escape);
          std::optional<size_t> bytes = options.refresh ? std::nullopt : cache->Find(key);
          if (!bytes) {
            absl::StatusOr<size_t> measured = MeasureMinHeap(options.spec, key);
            if (!measured.ok()) {
              return CommandError(measured.status().message(),
                           Interrupted() ? kExitInterrupted : kExitFailed);
            }
            cache->Put(key, *measured);
            if (absl::Status s = cache->Save(); !s.ok()) return CommandError(s.message(), kExitFailed);
            bytes = *measured;
          }
          std::printf("%-20s %-16s %-8s %7d %6s %14.2f\n", collector.c_str(), workload.c_str(),
                      key.size.c_str(), threads, escape ? "on" : "off", *bytes / double(MiB));
        }
      }
    }
  }
  std::printf("cache: %s\n", options.minheap_cache.c_str());
  return kExitOk;
}

}  // namespace gclab
