// File: harness/results/csv.h
//
// Writing and reading the CSV files gclab writes (RFC 4180: quoted fields may hold commas and
// doubled quotes). A table is a header plus rows, looked up by column name.
#ifndef GCLAB_HARNESS_CSV_H_
#define GCLAB_HARNESS_CSV_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace gclab {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  // The index of `column`, or -1.
  int Column(const std::string& column) const;
};

// One field as written: quoted when it holds a comma, a quote or a line break (a
// line break becomes a space, so a row stays one line).
std::string CsvField(const std::string& value);

// Fails on unbalanced quotes or rows whose width differs from the header's.
absl::StatusOr<CsvTable> ParseCsv(const std::string& text);

}  // namespace gclab

#endif  // GCLAB_HARNESS_CSV_H_
