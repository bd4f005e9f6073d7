// The results schema has one definition (harness/results/results_schema.h); the Python loader
// (scripts/gclabplot/results.py) keeps its own lists of the columns it reads. This
// test holds the two together: every column the loader requires is one the writer
// writes, in the file the loader reads it from, and both know the same version.
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "absl/algorithm/container.h"
#include "gtest/gtest.h"
#include "harness/results/results_schema.h"

namespace gclab {
namespace {

std::string LoaderSource() {
  std::ifstream in(std::filesystem::path(GCLAB_SOURCE_DIR) / "scripts" / "gclabplot" / "results.py");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The strings of the Python tuple `NAME = (...)`.
std::vector<std::string> PythonTuple(const std::string& source, const std::string& name) {
  std::smatch tuple;
  if (!std::regex_search(source, tuple, std::regex("\\n" + name + " = \\(([^)]*)\\)"))) return {};
  std::vector<std::string> items;
  const std::string body = tuple[1];
  const std::regex item("\"([a-z0-9_]+)\"");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), item); it != std::sregex_iterator();
       ++it) {
    items.push_back((*it)[1]);
  }
  return items;
}

TEST(ResultsSchemaTest, ThePythonLoaderReadsOnlyColumnsTheWriterWrites) {
  const std::string source = LoaderSource();
  ASSERT_FALSE(source.empty()) << "cannot read scripts/gclabplot/results.py";
  const std::map<std::string, std::string> file_of_tuple = {{"RUN_COLUMNS", kRunsFile},
                                                            {"PAUSE_COLUMNS", kPausesFile},
                                                            {"PHASE_COLUMNS", kPhasesFile},
                                                            {"LATENCY_COLUMNS", kLatencyFile}};
  for (const auto& [tuple, file] : file_of_tuple) {
    const std::vector<std::string> read = PythonTuple(source, tuple);
    ASSERT_FALSE(read.empty()) << "no " << tuple << " in results.py";
    const std::vector<std::string>& written = *ColumnsOfResultFile(file);
    for (const std::string& column : read) {
      EXPECT_TRUE(absl::c_linear_search(written, column))
          << "results.py's " << tuple << " reads " << column << ", which " << file
          << " does not have (harness/results/results_schema.h)";
    }
  }
  std::smatch version;
  ASSERT_TRUE(std::regex_search(source, version, std::regex("\\nSCHEMA_VERSION = ([0-9]+)")));
  EXPECT_EQ(std::stoi(version[1]), kSchemaVersion);
}

TEST(ResultsSchemaTest, EveryRunColumnHasOneRoleAndTheFilesAreDistinct) {
  std::vector<std::string> columns = RunColumns();
  absl::c_sort(columns);
  EXPECT_EQ(std::adjacent_find(columns.begin(), columns.end()), columns.end());
  EXPECT_TRUE(IsRunMetric("wall_s"));
  EXPECT_FALSE(IsRunMetric("collector"));
  EXPECT_FALSE(IsRunMetric("checksum"));  // a hash, not a measurement
  EXPECT_EQ(RoleOfRunColumn("run_key"), ColumnRole::kIdentity);
  EXPECT_EQ(ColumnsOfResultFile("trace.json"), nullptr);
  for (const std::string& file : ResultFileNames()) {
    ASSERT_NE(ColumnsOfResultFile(file), nullptr) << file;
    EXPECT_EQ(ColumnsOfResultFile(file)->front(), "run_key") << file;
  }
}

}  // namespace
}  // namespace gclab
