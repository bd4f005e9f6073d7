// libFuzzer target: the results reader that `gclab merge` (and resuming) trusts
// nothing to: a manifest and the four CSV files of one run folder, cut from the
// input. Also CSV round trips: a table that parses, written back field by field
// with CsvField, parses to the same table.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "absl/strings/str_join.h"
#include "harness/results/csv.h"
#include "harness/results/results.h"
#include "harness/results/results_reader.h"

namespace {

bool HasLineBreak(const std::string& field) {
  return field.find_first_of("\r\n") != std::string::npos;
}

void CheckRoundTrip(const std::string& text) {
  absl::StatusOr<gclab::CsvTable> table = gclab::ParseCsv(text);
  if (!table.ok()) return;
  std::string written;
  auto write_record = [&](const std::vector<std::string>& record) {
    std::vector<std::string> fields;
    for (const std::string& field : record) fields.push_back(gclab::CsvField(field));
    written += absl::StrJoin(fields, ",") + "\n";
  };
  for (const std::string& field : table->header) {
    if (HasLineBreak(field)) return;  // CsvField turns line breaks into spaces
  }
  for (const auto& row : table->rows) {
    for (const std::string& field : row) {
      if (HasLineBreak(field)) return;
    }
  }
  write_record(table->header);
  for (const auto& row : table->rows) write_record(row);
  absl::StatusOr<gclab::CsvTable> again = gclab::ParseCsv(written);
  // An empty header field and a row of one empty field are the same line: skip those.
  if (table->header.size() == 1 && table->header[0].empty()) return;
  if (!again.ok() || again->header != table->header || again->rows != table->rows) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);
  const std::string manifest = input.ConsumeRandomLengthString(4096);
  const std::string key = input.ConsumeBool() ? "c0000-r1" : input.ConsumeRandomLengthString(16);
  std::map<std::string, std::string> files;
  for (const std::string& name : gclab::ResultFileNames()) {
    if (input.ConsumeIntegralInRange(0, 15) == 0) continue;  // sometimes a file is missing
    files[name] = input.ConsumeRandomLengthString(8192);
  }
  absl::StatusOr<gclab::ResultsManifest> parsed = gclab::ParseResultsManifest(manifest, "fuzz");
  if (parsed.ok() && (parsed->reps < 1 || parsed->reps > 10000)) std::abort();
  const absl::Status run = gclab::CheckRunFiles(key, files);
  if (!run.ok() && run.message().empty()) std::abort();
  for (const auto& [name, text] : files) CheckRoundTrip(text);
  return 0;
}
