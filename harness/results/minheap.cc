#include "harness/results/minheap.h"

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "harness/results/csv.h"
#include "harness/results/results.h"
#include "runtime/base.h"

namespace gclab {
namespace {

constexpr size_t kQuantum = 64 * KiB;
constexpr size_t kLargestHeap = 64 * GiB;

size_t Quantise(size_t bytes) { return std::max(kQuantum, AlignUp(bytes, kQuantum)); }

const char* const kColumns[] = {"collector", "workload", "size", "threads", "escape_analysis",
                                "min_heap_bytes", "build"};
constexpr int kRequiredColumns = 6;  // "build" came later: without it, rows are stale

}  // namespace

absl::StatusOr<size_t> BisectMinHeap(size_t start_bytes, const HeapProbe& probe,
                                     double tolerance) {
  size_t fail = 0;  // largest size known to fail (0: none yet)
  size_t pass = Quantise(start_bytes);
  for (;;) {
    absl::StatusOr<bool> ok = probe(pass);
    if (!ok.ok()) return ok.status();
    if (*ok) break;
    fail = pass;
    if (pass >= kLargestHeap) {
      return absl::ResourceExhaustedError(
          absl::StrCat("no heap up to ", kLargestHeap, " bytes is enough"));
    }
    pass = Quantise(pass * 2);
  }
  while (pass - fail > std::max<size_t>(kQuantum, static_cast<size_t>(tolerance * pass))) {
    const size_t middle = Quantise(fail + (pass - fail) / 2);
    if (middle >= pass) break;
    absl::StatusOr<bool> ok = probe(middle);
    if (!ok.ok()) return ok.status();
    (*ok ? pass : fail) = middle;
  }
  return pass;
}

absl::StatusOr<MinHeapCache> MinHeapCache::Load(const std::string& path) {
  if (!std::filesystem::exists(path)) {
    MinHeapCache cache;
    cache.path_ = path;
    return cache;
  }
  absl::StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

absl::StatusOr<MinHeapCache> MinHeapCache::Parse(const std::string& text, const std::string& path) {
  MinHeapCache cache;
  cache.path_ = path;
  absl::StatusOr<CsvTable> table = ParseCsv(text);
  if (!table.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("minimum-heap cache ", path, " is malformed: ", table.status().message()));
  }
  int index[7];
  for (int i = 0; i < 7; ++i) {
    index[i] = table->Column(kColumns[i]);
    if (index[i] < 0 && i < kRequiredColumns) {
      return absl::InvalidArgumentError(absl::StrCat(
          "minimum-heap cache ", path, " has no column '", kColumns[i], "'"));
    }
  }
  for (const auto& row : table->rows) {
    for (const std::string& field : row) {
      if (field.find_first_of("\r\n") != std::string::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("minimum-heap cache ", path, " has a malformed row"));
      }
    }
    MinHeapKey key{row[index[0]], row[index[1]], row[index[2]], 0, row[index[4]] == "on",
                   index[6] < 0 ? "" : row[index[6]]};
    size_t bytes = 0;
    if (!absl::SimpleAtoi(row[index[3]], &key.threads) ||
        !absl::SimpleAtoi(row[index[5]], &bytes) || key.threads < 1 || bytes == 0 ||
        bytes > kLargestHeap ||
        (row[index[4]] != "on" && row[index[4]] != "off")) {
      return absl::InvalidArgumentError(
          absl::StrCat("minimum-heap cache ", path, " has a malformed row"));
    }
    if (key.build.empty()) {
      ++cache.stale_rows_;  // measured by a build nobody recorded: measure again
      continue;
    }
    cache.entries_[key] = bytes;
  }
  return cache;
}

std::optional<size_t> MinHeapCache::Find(const MinHeapKey& key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::string MinHeapCache::Text() const {
  std::string text = "collector,workload,size,threads,escape_analysis,build,min_heap_bytes\n";
  for (const auto& [key, bytes] : entries_) {
    absl::StrAppend(&text, CsvField(key.collector), ",", CsvField(key.workload), ",",
                    CsvField(key.size), ",", key.threads, ",", key.escape_analysis ? "on" : "off",
                    ",", CsvField(key.build), ",", bytes, "\n");
  }
  return text;
}

absl::Status MinHeapCache::Save() const {
  const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  std::error_code ec;
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  return WriteFileAtomically(path_, Text());
}

}  // namespace gclab
