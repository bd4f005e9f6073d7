#include "harness/results_reader.h"

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "harness/csv.h"
#include "harness/matrix.h"
#include "harness/results.h"

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
  for (const auto& [file, column] : {std::pair<std::string, std::string>{"pauses.csv", "pauses"},
                                     {"latency.csv", "latency_batches"}}) {
    const std::string where = absl::StrCat(key, "/", file);
    absl::StatusOr<size_t> expected = CountColumn(runs, column, key + "/runs.csv");
    if (!expected.ok()) return expected.status();
    if (tables[file].rows.size() != *expected) {
      return absl::DataLossError(absl::StrCat(where, " has ", tables[file].rows.size(),
                                              " rows; runs.csv counts ", *expected));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckRunFolder(const std::string& runs_dir, const std::string& key) {
  std::map<std::string, std::string> files;
  for (const std::string& name : ResultFileNames()) {
    absl::StatusOr<std::string> text =
        ReadFile((std::filesystem::path(runs_dir) / key / name).string());
    if (!text.ok()) return absl::NotFoundError(absl::StrCat(key, "/", name, " is missing"));
    files[name] = *std::move(text);
  }
  return CheckRunFiles(key, files);
}

}  // namespace gclab
