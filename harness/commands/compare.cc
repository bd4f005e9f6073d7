#include "harness/commands/compare.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/commands/commands.h"
#include "harness/results/csv.h"
#include "harness/results/results.h"
#include "harness/results/results_reader.h"
#include "harness/stats/significance.h"
#include "harness/stats/units.h"

namespace gclab {
namespace {
namespace fs = std::filesystem;

const std::vector<std::string>& DefaultMetrics() {
  static const auto* metrics = new std::vector<std::string>{
      "wall_s", "gc_cpu_s", "pause_max_us", "latency_p999_us"};
  return *metrics;
}

struct Runs {
  std::string folder;
  CsvTable table;
};

absl::StatusOr<Runs> ReadRuns(const std::string& folder) {
  absl::StatusOr<ResultsManifest> manifest = ReadResultsManifest(folder);
  if (!manifest.ok()) return manifest.status();
  absl::StatusOr<std::string> text = ReadFile((fs::path(folder) / "runs.csv").string());
  if (!text.ok()) return text.status();
  absl::StatusOr<CsvTable> table = ParseCsv(*text);
  if (!table.ok()) return absl::InvalidArgumentError(absl::StrCat(folder, "/runs.csv: ", table.status().message()));
  for (const std::string& column : RunColumns()) {
    if (table->Column(column) < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(folder, "/runs.csv has no column ", column));
    }
  }
  return Runs{folder, *std::move(table)};
}

// What a cell is, apart from the side it belongs to.
std::string CellLabel(const CsvTable& table, const std::vector<std::string>& row,
                      bool with_collector) {
  auto at = [&](const char* column) { return row[table.Column(column)]; };
  double heap = 0;
  const std::string heap_x = at("heap_x");
  const std::string heap_label =
      !heap_x.empty() && absl::SimpleAtod(heap_x, &heap)
          ? absl::StrFormat("%gx", heap)
          : (absl::SimpleAtod(at("heap_bytes"), &heap) ? absl::StrFormat("%gMiB", heap / (1 << 20))
                                                        : at("heap_bytes"));
  return absl::StrCat(with_collector ? at("collector") + " " : "", at("workload"), " ",
                      at("size"), " ", heap_label, " t=", at("threads"),
                      " ea=", at("escape_analysis"));
}

// One side of one cell: the metric values of its ok runs. Noisy runs count like the
// others, as they do in the report's findings, summary and LBO (one rule for both);
// how many there were is said under the table.
struct Side {
  std::map<std::string, std::vector<double>> values;  // metric -> values
  int noisy = 0;
  int failed = 0;
};

void Collect(const Runs& runs, const std::string& collector, bool with_collector,
             const std::vector<std::string>& metrics, std::map<std::string, Side>* cells) {
  const CsvTable& t = runs.table;
  for (const auto& row : t.rows) {
    if (!collector.empty() && row[t.Column("collector")] != collector) continue;
    Side& side = (*cells)[CellLabel(t, row, with_collector)];
    if (row[t.Column("status")] != "ok") {
      ++side.failed;
      continue;
    }
    if (row[t.Column("noisy")] == "1") ++side.noisy;
    for (const std::string& metric : metrics) {
      double value = 0;
      if (absl::SimpleAtod(row[t.Column(metric)], &value)) side.values[metric].push_back(value);
    }
  }
}

std::string Collectors(const Runs& runs) {
  std::set<std::string> names;
  for (const auto& row : runs.table.rows) names.insert(row[runs.table.Column("collector")]);
  return absl::StrJoin(names, ", ");
}

// The folders, the two sides and the metrics make sense together; `metrics` the
// ones to compare.
absl::Status CheckCompareOptions(const CompareOptions& options, std::vector<std::string>* metrics) {
  const bool one_folder = options.folders.size() == 1;
  if (options.folders.empty() || options.folders.size() > 2 ||
      (one_folder && (options.baseline.empty() || options.candidate.empty()))) {
    return absl::InvalidArgumentError(
        "compare: name one results folder with --baseline and --candidate collectors, or two "
        "folders; valid: gclab compare DIR --baseline=A --candidate=B, gclab compare DIR_A DIR_B");
  }
  if (!one_folder && (!options.baseline.empty() || !options.candidate.empty())) {
    return absl::InvalidArgumentError(
        "compare: --baseline and --candidate name two collectors of one folder; with two "
        "folders every cell they have in common is compared");
  }
  *metrics = options.metrics.empty() ? DefaultMetrics() : options.metrics;
  for (const std::string& metric : *metrics) {
    if (!IsRunMetric(metric)) {
      std::vector<std::string> valid;
      for (const std::string& column : RunColumns()) {
        if (IsRunMetric(column)) valid.push_back(column);
      }
      return absl::InvalidArgumentError(absl::StrCat("compare: --metrics: '", metric,
                                       "' is not a runs.csv metric; valid: ",
                                       absl::StrJoin(valid, ", ")));
    }
  }
  return absl::OkStatus();
}

// The runs of each side by cell label: two collectors of one folder, or two folders.
absl::Status CollectSides(const CompareOptions& options, const std::vector<Runs>& runs,
                          const std::vector<std::string>& metrics, std::map<std::string, Side>* a,
                          std::map<std::string, Side>* b) {
  const bool one_folder = runs.size() == 1;
  if (one_folder) {
    for (const std::string& collector : {options.baseline, options.candidate}) {
      const std::string present = Collectors(runs[0]);
      bool found = false;
      for (const auto& row : runs[0].table.rows) found |= row[runs[0].table.Column("collector")] == collector;
      if (!found) {
        return absl::InvalidArgumentError(absl::StrCat("compare: collector '", collector, "' has no runs in ",
                                         runs[0].folder, "; valid: ", present));
      }
    }
    Collect(runs[0], options.baseline, false, metrics, a);
    Collect(runs[0], options.candidate, false, metrics, b);
  } else {
    Collect(runs[0], "", true, metrics, a);
    Collect(runs[1], "", true, metrics, b);
  }
  return absl::OkStatus();
}

// The table: per metric, per common cell, each side's median, the ratio with its
// interval, p and the run counts; then what was left out.
void PrintComparison(const std::vector<Runs>& runs, const std::vector<std::string>& metrics,
                     const std::vector<std::string>& common, const std::string& name_a,
                     const std::string& name_b, std::map<std::string, Side>& a,
                     std::map<std::string, Side>& b) {
  const bool one_folder = runs.size() == 1;
  if (!one_folder) {
    std::printf("A: %s\nB: %s\n", runs[0].folder.c_str(), runs[1].folder.c_str());
  }
  size_t label_width = 4;
  for (const std::string& label : common) label_width = std::max(label_width, label.size());
  int noisy_a = 0, noisy_b = 0, failed = 0;
  for (const std::string& label : common) {
    noisy_a += a[label].noisy;
    noisy_b += b[label].noisy;
    failed += a[label].failed + b[label].failed;
  }
  std::set<std::string> unreachable;  // run counts with which p < alpha is impossible
  bool no_interval = false;
  for (const std::string& metric : metrics) {
    std::printf("\n%-*s  %14s  %14s  %-30s %8s  %s\n", int(label_width), metric.c_str(),
                name_a.c_str(), name_b.c_str(),
                absl::StrCat(name_b, "/", name_a, " [95% CI]").c_str(), "p", "n");
    for (const std::string& label : common) {
      const std::vector<double>& x = a[label].values[metric];
      const std::vector<double>& y = b[label].values[metric];
      auto median = [&](const std::vector<double>& v) {
        return v.empty() ? std::string("-") : HumanValue(metric, Median(v));
      };
      std::string ratio = "-", p_text = "-";
      if (!x.empty() && !y.empty()) {
        const RatioInterval r = MedianRatioInterval(x, y);
        const double p = MannWhitneyPValue(x, y);
        const double smallest = SmallestMannWhitneyPValue(x.size(), y.size());
        if (smallest >= kSignificanceLevel) {
          unreachable.insert(absl::StrFormat("%zu+%zu runs (smallest p %.3f)", x.size(), y.size(),
                                             smallest));
        }
        no_interval |= std::isnan(r.low);
        ratio = std::isnan(r.ratio) ? "- (baseline median 0)"
                : std::isnan(r.low)
                    ? absl::StrFormat("%s%.3fx [-]", p < kSignificanceLevel ? "" : "~ ", r.ratio)
                    : absl::StrFormat("%s%.3fx [%.3f, %.3f]", p < kSignificanceLevel ? "" : "~ ",
                                      r.ratio, r.low, r.high);
        p_text = p < 0.001 ? "<0.001" : absl::StrFormat("%.3f", p);
      }
      std::printf("%-*s  %14s  %14s  %-30s %8s  %zu+%zu\n", int(label_width), label.c_str(),
                  median(x).c_str(), median(y).c_str(), ratio.c_str(), p_text.c_str(), x.size(),
                  y.size());
    }
  }
  std::printf("\n~: not significant at alpha = %.2f (two-sided Mann-Whitney U); interval: "
              "bootstrap of the ratio of medians, both sides resampled\n",
              kSignificanceLevel);
  if (no_interval) {
    std::printf("[-]: no interval with fewer than %zu runs on a side (a bootstrap of so few "
                "cannot have 95%% coverage)\n",
                kMinRunsForRatioInterval);
  }
  if (!unreachable.empty()) {
    std::printf("note: no difference can reach p < %.2f with %s; run more repetitions "
                "(--reps, or --reps=auto)\n",
                kSignificanceLevel, absl::StrJoin(unreachable, ", ").c_str());
  }
  if (noisy_a + noisy_b > 0) {
    std::printf("noisy: %d runs of %s, %d of %s ran while the host was busy; they are counted, "
                "as in the report (gclab run --rerun-noisy repeats them)\n",
                noisy_a, name_a.c_str(), noisy_b, name_b.c_str());
  }
  if (failed > 0) std::printf("left out: %d runs whose status is not ok\n", failed);
}

}  // namespace

int Compare(const CompareOptions& options) {
  std::vector<std::string> metrics;
  if (absl::Status s = CheckCompareOptions(options, &metrics); !s.ok()) {
    return CommandError(s.message());
  }
  const bool one_folder = options.folders.size() == 1;
  std::vector<Runs> runs;
  for (const std::string& folder : options.folders) {
    absl::StatusOr<Runs> read = ReadRuns(folder);
    if (!read.ok()) return CommandError(absl::StrCat("compare: ", read.status().message()));
    runs.push_back(*std::move(read));
  }
  std::map<std::string, Side> a, b;
  if (absl::Status s = CollectSides(options, runs, metrics, &a, &b); !s.ok()) {
    return CommandError(s.message());
  }
  std::vector<std::string> common;
  for (const auto& [label, side] : a) {
    if (b.contains(label)) common.push_back(label);
  }
  if (common.empty()) {
    return CommandError(absl::StrCat(
        "compare: ", one_folder ? absl::StrCat(options.baseline, " and ", options.candidate, " in ",
                                               runs[0].folder)
                                : absl::StrCat(runs[0].folder, " and ", runs[1].folder),
        " have no cell in common (same workload, size, heap, threads and escape analysis",
        one_folder ? "" : ", and collector", ")"));
  }
  // The two sides as the table names them: two collectors of one folder, or A and B.
  const std::string name_a = one_folder ? options.baseline : std::string("A");
  const std::string name_b = one_folder ? options.candidate : std::string("B");
  PrintComparison(runs, metrics, common, name_a, name_b, a, b);
  return kExitOk;
}

}  // namespace gclab
