#include "harness/commands/summary.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "harness/results/csv.h"
#include "harness/results/manifest.h"
#include "harness/results/results.h"
#include "harness/results/results_reader.h"
#include "harness/stats/stats.h"
#include "harness/stats/units.h"

namespace gclab {
namespace fs = std::filesystem;

namespace {

// "13.98 M ops/s [-2.1%, +3.0%]": the median in human units, the interval relative.
std::string MedianText(const std::string& column, const MedianInterval& m) {
  if (m.median == 0) return HumanValue(column, 0);
  return absl::StrFormat("%s [%+.1f%%, %+.1f%%]", HumanValue(column, m.median),
                         100 * (m.low / m.median - 1), 100 * (m.high / m.median - 1));
}

}  // namespace

std::vector<std::string> CellLabels(const std::vector<Cell>& cells) {
  std::vector<std::string> labels;
  for (const Cell& cell : cells) labels.push_back(cell.Label());
  return labels;
}

void PrintSummary(const std::string& out_dir, const std::vector<std::string>& cell_labels) {
  absl::StatusOr<std::string> text = ReadFile((fs::path(out_dir) / "runs.csv").string());
  if (!text.ok()) return;
  absl::StatusOr<CsvTable> table = ParseCsv(*text);
  if (!table.ok()) return;
  const int cell_col = table->Column("cell"), status_col = table->Column("status");
  const int noisy_col = table->Column("noisy");
  // Throughput and pauses, then the slowest batches next to the host's floor in the
  // same runs (the hiccup meter's worst lateness).
  const std::vector<std::string> metrics = {"ops_per_s", "pause_p99_us", "pause_max_us",
                                            "latency_p999_us", "hiccup_max_us"};
  std::printf("\n%-52s %6s %6s %32s %24s %24s %24s %24s\n", "cell (median [interval]; ok runs)",
              "ok", "noisy", "throughput", "pause p99", "pause max", "batch p99.9",
              "host floor (hiccup max)");
  double lowest_confidence = 1;
  int noisy_total = 0;
  for (size_t cell = 0; cell < cell_labels.size(); ++cell) {
    std::vector<std::vector<double>> values(metrics.size());
    int runs = 0, ok = 0, noisy = 0;
    for (const auto& row : table->rows) {
      if (row[cell_col] != absl::StrCat(cell)) continue;
      ++runs;
      if (row[status_col] != "ok") continue;
      ++ok;
      if (row[noisy_col] == "1") ++noisy;
      for (size_t m = 0; m < metrics.size(); ++m) {
        double value = 0;
        if (absl::SimpleAtod(row[table->Column(metrics[m])], &value)) values[m].push_back(value);
      }
    }
    if (runs == 0) continue;
    noisy_total += noisy;
    std::string columns;
    for (size_t m = 0; m < metrics.size(); ++m) {
      std::string value = "-";
      if (!values[m].empty()) {
        const MedianInterval interval = MedianWithInterval(values[m]);
        lowest_confidence = std::min(lowest_confidence, interval.confidence);
        value = MedianText(metrics[m], interval);
      }
      absl::StrAppend(&columns, absl::StrFormat(" %*s", m == 0 ? 32 : 24, value));
    }
    std::printf("%-52s %3d/%-2d %6s%s\n", cell_labels[cell].c_str(), ok, runs,
                noisy > 0 ? absl::StrCat(noisy, " !").c_str() : "0", columns.c_str());
  }
  std::printf("intervals: distribution-free confidence intervals of the median, relative to "
              "it; with few reps the interval is [min, max] (lowest coverage here: %.1f%%)\n",
              100 * lowest_confidence);
  if (noisy_total > 0) {
    std::printf("noisy: %d runs ran while the machine was busy with other work (runs.csv "
                "noisy_because says how); they are included above. gclab run --rerun-noisy "
                "with the same flags repeats them\n",
                noisy_total);
  }
  if (absl::StatusOr<ResultsManifest> manifest = ReadResultsManifest(out_dir);
      manifest.ok() && manifest->json.contains("shard_hosts")) {
    if (std::optional<std::string> differ = HostDifference(manifest->json["shard_hosts"])) {
      std::printf("hosts: %s; runs from different machines are not comparable\n",
                  differ->c_str());
    }
  }
}

}  // namespace gclab
