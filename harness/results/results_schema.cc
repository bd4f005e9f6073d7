#include "harness/results/results_schema.h"

#include <map>
#include <utility>

namespace gclab {
namespace {

struct ResultFile {
  std::string name;
  std::vector<std::string> columns;
};

const std::vector<ResultFile>& ResultFiles() {
#define GCLAB_FILE_ENTRY(name, ...) ResultFile{name, __VA_ARGS__},
  static const auto* files = new std::vector<ResultFile>{GCLAB_RESULT_FILES(GCLAB_FILE_ENTRY)};
#undef GCLAB_FILE_ENTRY
  return *files;
}

const std::map<std::string, ColumnRole>& RunColumnRoles() {
#define GCLAB_ROLE_ENTRY(name, role) {#name, ColumnRole::role},
  static const auto* roles =
      new std::map<std::string, ColumnRole>{GCLAB_RUNS_CSV_COLUMNS(GCLAB_ROLE_ENTRY)};
#undef GCLAB_ROLE_ENTRY
  return *roles;
}

}  // namespace

const std::vector<std::string>& RunColumns() {
#define GCLAB_NAME_ENTRY(name, role) #name,
  static const auto* columns = new std::vector<std::string>{GCLAB_RUNS_CSV_COLUMNS(GCLAB_NAME_ENTRY)};
#undef GCLAB_NAME_ENTRY
  return *columns;
}

ColumnRole RoleOfRunColumn(const std::string& column) {
  auto it = RunColumnRoles().find(column);
  return it == RunColumnRoles().end() ? ColumnRole::kNote : it->second;
}

bool IsRunMetric(const std::string& column) { return RoleOfRunColumn(column) == ColumnRole::kMetric; }

const std::vector<std::string>& ResultFileNames() {
  static const auto* names = [] {
    auto* list = new std::vector<std::string>;
    for (const ResultFile& file : ResultFiles()) list->push_back(file.name);
    return list;
  }();
  return *names;
}

const std::vector<std::string>* ColumnsOfResultFile(const std::string& file_name) {
  for (const ResultFile& file : ResultFiles()) {
    if (file.name == file_name) return &file.columns;
  }
  return nullptr;
}

}  // namespace gclab
