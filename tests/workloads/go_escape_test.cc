// Every workload against Go's own escape analysis. Each workload's Go program
// (workloads/<name>/go/<name>.go) marks the line of each of the C++ workload's
// allocation sites with a comment:
//
//   gclab:site NAME [NAME...]               the compiler's verdicts at this line
//   gclab:site NAME var=x                   a declared variable: on the heap iff
//                                           "moved to heap: x", on the stack if silent
//   gclab:site NAME go=heap|stack|none WHY  where gclab deliberately differs (or Go's
//                                           runtime allocates where -m cannot see):
//                                           the verdict Go must give instead, and why
//
// This test declares the workload (its code segment lists the sites and their escape
// classes), runs `go build -gcflags=-m` on the program, and checks, by name: every
// site has a marker and every marker a site; each marked line's verdicts agree with
// its sites' classes ("escapes to heap" / "moved to heap" against escaping sites,
// "does not escape" or silence against frame-arena ones); and no verdict in the
// program is left without a site. Where Go inlines a function, its verdicts are
// printed at the call ("inlining call to F" at the same position): they are checked
// against the sites marked in F's body. Parameters' verdicts ("leaking param", "p
// does not escape" in a signature) and those of library code inlined into the
// program are not allocations and are skipped.
//
// Skipped, with a message, where the Go toolchain is not installed
// (scripts/install-deps.sh test installs golang-go).
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "runtime/collector.h"
#include "runtime/runtime.h"
#include "tests/testing/test_program.h"
#include "workloads/workload.h"

namespace gclab {
namespace {

namespace fs = std::filesystem;

enum class Where { kHeap, kStack, kNone };

const char* WhereName(Where where) {
  return where == Where::kHeap ? "heap" : where == Where::kStack ? "stack" : "none";
}

struct Verdict {
  int line = 0;
  int column = 0;
  std::string subject;  // "&Point{...}", or the variable of "moved to heap: x"
  bool moved = false;   // "moved to heap: x"
  Where where = Where::kHeap;
  std::string text;     // as printed
};

struct Marker {
  std::string site;
  int line = 0;
  std::optional<std::string> var;
  std::optional<Where> go;  // an exception: what Go says instead
  std::string reason;
};

// Runs a shell command; its standard output and error, and whether it exited 0.
std::pair<std::string, bool> RunShell(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {"popen failed", false};
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  return {output, WIFEXITED(status) && WEXITSTATUS(status) == 0};
}

std::vector<std::string> ReadLines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The markers of a Go file (lines are 1-based).
std::vector<Marker> ParseMarkers(const std::vector<std::string>& lines, std::string& error) {
  std::vector<Marker> markers;
  for (size_t i = 0; i < lines.size(); ++i) {
    static const std::string kMark = "// gclab:site ";
    const size_t at = lines[i].find(kMark);
    if (at == std::string::npos) continue;
    std::vector<std::string> words =
        absl::StrSplit(lines[i].substr(at + kMark.size()), ' ', absl::SkipEmpty());
    std::vector<Marker> on_line;
    std::optional<std::string> var;
    std::optional<Where> go;
    std::string reason;
    for (size_t w = 0; w < words.size(); ++w) {
      if (words[w].rfind("var=", 0) == 0) {
        var = words[w].substr(4);
      } else if (words[w].rfind("go=", 0) == 0) {
        const std::string value = words[w].substr(3);
        go = value == "heap" ? Where::kHeap : value == "stack" ? Where::kStack : Where::kNone;
        if (value != "heap" && value != "stack" && value != "none") {
          error += absl::StrCat("line ", i + 1, ": go=", value, " (valid: heap, stack, none)\n");
        }
        reason = absl::StrJoin(words.begin() + w + 1, words.end(), " ");
        if (reason.empty()) error += absl::StrCat("line ", i + 1, ": go= without a reason\n");
        break;
      } else {
        on_line.push_back({.site = words[w], .line = static_cast<int>(i + 1)});
      }
    }
    for (Marker& marker : on_line) {
      marker.var = var;
      marker.go = go;
      marker.reason = reason;
      markers.push_back(marker);
    }
  }
  return markers;
}

// True if `column` (1-based) falls in a parameter list (or a receiver) of a function
// declared or written as a literal on this line: verdicts there are about parameters.
bool InSignature(const std::string& text, int column) {
  static const std::regex kSignature(R"(func\s*(\([^)]*\))?\s*\w*\s*(\([^)]*\)))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kSignature);
       it != std::sregex_iterator(); ++it) {
    for (int group : {1, 2}) {
      if (!(*it)[group].matched) continue;
      const int begin = static_cast<int>(it->position(group)) + 1;
      if (column >= begin && column < begin + static_cast<int>(it->length(group))) return true;
    }
  }
  return false;
}

// The 1-based line range of the body of local function `name` ("f", "(*T).m",
// "f.func1"); nullopt if the file declares no such function.
std::optional<std::pair<int, int>> FunctionRange(const std::vector<std::string>& lines,
                                                 std::string name) {
  if (name.front() == '(') name = name.substr(name.find(").") + 2);  // a method
  name = name.substr(0, name.find('.'));                              // a closure's parent
  const std::regex declaration("^func (\\([^)]*\\) )?" + name + "[\\[(]");
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!std::regex_search(lines[i], declaration)) continue;
    for (size_t j = i; j < lines.size(); ++j) {
      if (lines[j] == "}" || (j == i && !lines[j].empty() && lines[j].back() == '}')) {
        return std::pair{static_cast<int>(i + 1), static_cast<int>(j + 1)};
      }
    }
  }
  return std::nullopt;
}

std::string FolderOf(const std::string& workload) {
  std::string folder = workload;
  for (char& c : folder) c = c == '-' ? '_' : c;
  return folder;
}

class GoEscapeTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GoEscapeTest, SitesMatchTheCompilersVerdicts) {
  const std::string workload = GetParam();
  const std::string folder = FolderOf(workload);
  const fs::path dir = fs::path(GCLAB_SOURCE_DIR) / "workloads" / folder / "go";
  const fs::path source = dir / (folder + ".go");
  ASSERT_TRUE(fs::exists(source)) << workload << " has no Go program: " << source;
  if (!RunShell("command -v go").second) {
    GTEST_SKIP() << "the Go toolchain is not installed (Debian golang-go; "
                    "scripts/install-deps.sh test installs it)";
  }

  // The sites, as the workload declares them.
  absl::StatusOr<std::unique_ptr<Collector>> collector = CollectorRegistry::Global().Create("nogc");
  ASSERT_TRUE(collector.ok());
  RuntimeConfig config;
  config.heap_bytes = 4 * MiB;
  absl::StatusOr<std::unique_ptr<Runtime>> runtime = Runtime::Create(config, *std::move(collector));
  ASSERT_TRUE(runtime.ok()) << runtime.status();
  std::unique_ptr<Workload> program =
      *WorkloadRegistry::Global().Create(workload, WorkloadParams{.size = WorkloadSize::kSmall});
  program->Declare((*runtime)->code(), (*runtime)->data());
  std::map<std::string, Where> sites;
  for (size_t id = 0; id < (*runtime)->code().num_sites(); ++id) {
    const SiteInfo& site = (*runtime)->code().site(static_cast<SiteId>(id));
    sites[site.name] = site.escape == Escape::kEscapes ? Where::kHeap : Where::kStack;
  }

  const std::vector<std::string> lines = ReadLines(source);
  std::string errors;
  const std::vector<Marker> markers = ParseMarkers(lines, errors);
  std::map<int, std::vector<const Marker*>> markers_at;
  std::set<std::string> marked;
  for (const Marker& marker : markers) {
    markers_at[marker.line].push_back(&marker);
    marked.insert(marker.site);
    if (!sites.contains(marker.site)) {
      errors += absl::StrCat(folder, ".go:", marker.line, ": marks ", marker.site,
                             ", which ", workload, " does not declare\n");
    }
  }
  for (const auto& [name, where] : sites) {
    if (!marked.contains(name)) {
      errors += absl::StrCat("site ", name, " (", WhereName(where), ") marks no line of ",
                             folder, ".go\n");
    }
  }

  // The compiler's verdicts and inlining decisions in this file.
  const fs::path gopath = fs::temp_directory_path() / "gclab-go-path";
  const fs::path cache = fs::temp_directory_path() / "gclab-go-build-cache";
  const auto [output, built] =
      RunShell(absl::StrCat("cd '", dir.string(), "' && GO111MODULE=off GOFLAGS= GOPATH='",
                       gopath.string(), "' GOCACHE='", cache.string(),
                       "' go build -gcflags=-m -o /dev/null ."));
  ASSERT_TRUE(built) << "go build failed:\n" << output;
  static const std::regex kLine(R"(^\./([^:]+):(\d+):(\d+): (.*)$)");
  std::vector<Verdict> verdicts;
  std::map<std::pair<int, int>, std::vector<std::string>> inlined_at;
  for (const std::string& text : std::vector<std::string>(absl::StrSplit(output, '\n'))) {
    std::smatch m;
    if (!std::regex_match(text, m, kLine) || m[1] != folder + ".go") continue;
    Verdict v{.line = std::stoi(m[2]), .column = std::stoi(m[3]), .text = m[4]};
    const std::string message = m[4];
    if (message.rfind("inlining call to ", 0) == 0) {
      inlined_at[{v.line, v.column}].push_back(message.substr(17));
      continue;
    }
    if (message.rfind("moved to heap: ", 0) == 0) {
      v.subject = message.substr(15);
      v.moved = true;
    } else if (message.size() > 15 && message.ends_with(" escapes to heap")) {
      v.subject = message.substr(0, message.size() - 16);
    } else if (message.ends_with(" does not escape")) {
      v.subject = message.substr(0, message.size() - 16);
      v.where = Where::kStack;
    } else {
      continue;  // can inline, leaking param, ...
    }
    if (InSignature(lines[v.line - 1], v.column)) continue;
    verdicts.push_back(v);
  }

  // Each verdict to the marked line it belongs to: its own, or (inlined) the line
  // in the inlined function's body with a verdict on the same subject.
  std::map<int, std::vector<const Verdict*>> verdicts_at;
  for (const Verdict& v : verdicts) {
    if (markers_at.contains(v.line)) {
      verdicts_at[v.line].push_back(&v);
      continue;
    }
    bool attributed = false, library_only = true;
    for (const std::string& callee : inlined_at[{v.line, v.column}]) {
      const std::optional<std::pair<int, int>> range = FunctionRange(lines, callee);
      if (!range) continue;  // another package's function
      library_only = false;
      for (const Verdict& own : verdicts) {
        if (own.line >= range->first && own.line <= range->second &&
            own.subject == v.subject && own.moved == v.moved && markers_at.contains(own.line)) {
          verdicts_at[own.line].push_back(&v);
          attributed = true;
          break;
        }
      }
      if (attributed) break;
    }
    if (!attributed && (library_only && !inlined_at[{v.line, v.column}].empty())) continue;
    if (!attributed) {
      errors += absl::StrCat(folder, ".go:", v.line, ":", v.column, ": \"", v.text,
                             "\" belongs to no site (mark the line with gclab:site)\n");
    }
  }

  // Each marked line against its sites.
  for (const auto& [line, here] : markers_at) {
    const std::vector<const Verdict*>& found = verdicts_at[line];
    for (const Marker* marker : here) {
      if (!sites.contains(marker->site)) continue;
      const Where gclab = sites[marker->site];
      const Where expected = marker->go.value_or(gclab);
      const std::string where = absl::StrCat(folder, ".go:", line, ": ", marker->site);
      if (marker->go && *marker->go == gclab) {
        errors += absl::StrCat(where, ": go=", WhereName(gclab),
                               " states no difference from gclab's class\n");
      }
      if (expected == Where::kNone) {
        for (const Verdict* v : found) {
          errors += absl::StrCat(where, ": expected no verdict (", marker->reason,
                                 "), the compiler says \"", v->text, "\"\n");
        }
        continue;
      }
      if (marker->var) {
        bool moved = false;
        for (const Verdict* v : found) moved |= v->moved && v->subject == *marker->var;
        const Where go = moved ? Where::kHeap : Where::kStack;
        if (go != expected) {
          errors += absl::StrCat(where, ": variable ", *marker->var, " is on the ",
                                 WhereName(go), " in Go, the site says ", WhereName(expected),
                                 "\n");
        }
        continue;
      }
      bool any = false, agree = false;
      for (const Verdict* v : found) {
        if (v->moved) continue;
        any = true;
        agree |= v->where == expected;
      }
      if (!any) {
        errors += absl::StrCat(where, ": the compiler gives this line no verdict\n");
      } else if (!agree) {
        errors += absl::StrCat(where, ": the compiler says ", found.front()->text,
                               ", the site says ", WhereName(expected), "\n");
      }
    }
    // A verdict of a class no site on its line has (variables' aside).
    for (const Verdict* v : found) {
      if (v->moved) continue;
      bool matched = false;
      for (const Marker* marker : here) {
        if (!marker->var && sites.contains(marker->site)) {
          matched |= marker->go.value_or(sites[marker->site]) == v->where;
        }
      }
      if (!matched) {
        errors += absl::StrCat(folder, ".go:", v->line, ":", v->column, ": \"", v->text,
                               "\" matches no site marked on line ", line, "\n");
      }
    }
  }
  if (!errors.empty()) ADD_FAILURE() << workload << " against go build -gcflags=-m:\n" << errors;
}

INSTANTIATE_TEST_SUITE_P(All, GoEscapeTest,
                         ::testing::ValuesIn(WorkloadRegistry::Global().Names()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return testing::TestNameOf(info.param);
                         });

}  // namespace
}  // namespace gclab
