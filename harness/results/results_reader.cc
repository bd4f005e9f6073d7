#include "harness/results/results_reader.h"

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "harness/results/csv.h"
#include "harness/matrix/matrix.h"
#include "harness/results/results.h"

namespace gclab {
namespace {

// The number in column `column` of runs.csv's row; an empty cell (a failed run has
// no metrics) counts as zero.
absl::StatusOr<size_t> CountColumn(const CsvTable& runs, const std::string& column,
                                   const std::string& where) {
  const std::string& text = runs.rows[0][runs.Column(column)];
  size_t count = 0;
  if (!text.empty() && !absl::SimpleAtoi(text, &count)) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": column ", column, " is '", text, "', not a count"));
  }
  return count;
}

}  // namespace

absl::StatusOr<ResultsManifest> ParseResultsManifest(const std::string& text,
                                                     const std::string& dir) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("schema_version")) {
    return absl::InvalidArgumentError(absl::StrCat(dir, "/manifest.json is malformed"));
  }
  if (json["schema_version"] != kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        dir, " has results schema version ", json["schema_version"].dump(),
        "; this gclab reads version ", kSchemaVersion));
  }
  const nlohmann::json& matrix = json.contains("matrix") ? json["matrix"] : nlohmann::json();
  const nlohmann::json& cells = json.contains("cells") ? json["cells"] : nlohmann::json();
  if (!matrix.is_object() || !matrix.contains("reps") || !matrix["reps"].is_number_integer() ||
      !cells.is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(dir, "/manifest.json is malformed: no matrix with reps, or no cells"));
  }
  const int64_t reps = matrix["reps"].get<int64_t>();
  if (reps < 1 || reps > kMaxReps || cells.size() > 1'000'000) {
    return absl::InvalidArgumentError(absl::StrCat(
        dir, "/manifest.json is malformed: ", reps, " reps of ", cells.size(), " cells"));
  }
  return ResultsManifest{std::move(json), cells.size(), static_cast<int>(reps)};
}

absl::StatusOr<ResultsManifest> ReadResultsManifest(const std::string& dir) {
  absl::StatusOr<std::string> text = ReadFile((std::filesystem::path(dir) / "manifest.json").string());
  if (!text.ok()) {
    return absl::NotFoundError(
        absl::StrCat(dir, " is not a gclab results folder (no readable manifest.json)"));
  }
  return ParseResultsManifest(*text, dir);
}

absl::Status CheckRunFiles(const std::string& key,
                           const std::map<std::string, std::string>& files) {
  std::map<std::string, CsvTable> tables;
  for (const std::string& name : ResultFileNames()) {
    const std::string where = absl::StrCat(key, "/", name);
    auto file = files.find(name);
    if (file == files.end()) return absl::NotFoundError(absl::StrCat(where, " is missing"));
    absl::StatusOr<CsvTable> table = ParseCsv(file->second);
    if (!table.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(where, " is malformed: ", table.status().message()));
    }
    if (table->header != *ColumnsOfResultFile(name)) {
      return absl::InvalidArgumentError(absl::StrCat(where, " does not have gclab's columns"));
    }
    for (const auto& row : table->rows) {
      if (row[0] != key) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, " has a row of run '", row[0], "'"));
      }
    }
    tables[name] = *std::move(table);
  }
  const CsvTable& runs = tables["runs.csv"];
  if (runs.rows.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat(key, "/runs.csv has ", runs.rows.size(), " rows; a run has one"));
  }
  absl::StatusOr<size_t> pauses = CountColumn(runs, "pauses", key + "/runs.csv");
  if (!pauses.ok()) return pauses.status();
  if (tables["pauses.csv"].rows.size() != *pauses) {
    return absl::DataLossError(absl::StrCat(key, "/pauses.csv has ", tables["pauses.csv"].rows.size(),
                                            " rows; runs.csv counts ", *pauses));
  }
  absl::StatusOr<size_t> batches = CountColumn(runs, "latency_batches", key + "/runs.csv");
  if (!batches.ok()) return batches.status();
  // Each histogram (simple and metered) counts every batch once.
  const CsvTable& latency = tables["latency.csv"];
  std::map<std::string, size_t> counted = {{"simple", 0}, {"metered", 0}};
  for (const auto& row : latency.rows) {
    const std::string& kind = row[latency.Column("kind")];
    int64_t lower = 0, upper = 0;
    size_t count = 0;
    if (!counted.contains(kind) || !absl::SimpleAtoi(row[latency.Column("lower_ns")], &lower) ||
        !absl::SimpleAtoi(row[latency.Column("upper_ns")], &upper) ||
        !absl::SimpleAtoi(row[latency.Column("count")], &count) || lower < 0 || upper <= lower) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, "/latency.csv has a malformed bucket: ", absl::StrJoin(row, ",")));
    }
    counted[kind] += count;
  }
  for (const auto& [kind, count] : counted) {
    if (count != *batches) {
      return absl::DataLossError(absl::StrCat(key, "/latency.csv counts ", count, " ", kind,
                                              " batches; runs.csv counts ", *batches));
    }
  }
  const size_t raw = tables["batches.csv"].rows.size();
  if (raw != 0 && raw != *batches) {
    return absl::DataLossError(absl::StrCat(key, "/batches.csv has ", raw,
                                            " rows; runs.csv counts ", *batches));
  }
  return absl::OkStatus();
}

absl::Status CheckRunFolder(RunFiles& runs, const std::string& key) {
  std::map<std::string, std::string> files;
  for (const std::string& name : ResultFileNames()) {
    absl::StatusOr<std::string> text = runs.Read(key, name);
    if (!text.ok()) return text.status();
    files[name] = *std::move(text);
  }
  return CheckRunFiles(key, files);
}

}  // namespace gclab
