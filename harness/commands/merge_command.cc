// `gclab merge`: result folders of one matrix (shards, resumed runs) joined into a
// new folder, written whole in a temporary folder and renamed into place.
#include <unistd.h>

#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "harness/commands/commands.h"
#include "harness/results/manifest.h"
#include "harness/results/results.h"
#include "harness/results/results_reader.h"
#include "harness/commands/summary.h"

namespace gclab {
namespace fs = std::filesystem;

int Merge(const std::string& out_dir, const std::vector<std::string>& inputs) {
  if (inputs.empty()) return CommandError("merge: name the result folders to merge; valid: gclab merge --out=DIR A B ...");
  if (fs::exists(out_dir)) {
    return CommandError(absl::StrCat("merge: --out ", out_dir, " already exists; choose a new folder"));
  }
  std::vector<ResultsManifest> manifests;
  // Where each shard ran: a merged input brings its own list.
  nlohmann::json shard_hosts = nlohmann::json::array();
  std::map<std::string, std::string> source_of;  // run key -> input folder
  for (const std::string& input : inputs) {
    absl::StatusOr<ResultsManifest> manifest = ReadResultsManifest(input);
    if (!manifest.ok()) return CommandError(absl::StrCat("merge: ", manifest.status().message()));
    if (!manifests.empty() && manifest->json["matrix"] != manifests[0].json["matrix"]) {
      return CommandError(absl::StrCat("merge: ", input, " holds a different matrix from ", inputs[0],
                                "; only shards or resumptions of one matrix can be merged"));
    }
    if (manifest->json.contains("shard_hosts")) {
      for (const nlohmann::json& entry : manifest->json["shard_hosts"]) shard_hosts.push_back(entry);
    } else {
      shard_hosts.push_back({{"folder", input},
                             {"shard", manifest->json.value("shard", "?")},
                             {"host", manifest->json.value("host", nlohmann::json::object())}});
    }
    manifests.push_back(*std::move(manifest));
    const std::vector<std::string> keys =
        KeysInFileOrder(manifests.back().num_cells, manifests.back().reps);
    const std::set<std::string> matrix_keys(keys.begin(), keys.end());
    std::error_code ec;
    RunFiles runs(input);
    for (const auto& entry : fs::directory_iterator(fs::path(input) / "runs", ec)) {
      const std::string key = entry.path().filename().string();
      if (absl::StartsWith(key, ".")) continue;  // a run killed while writing
      if (!matrix_keys.contains(key)) {
        return CommandError(absl::StrCat("merge: ", input, "/runs/", key, " is not a run of its matrix"));
      }
      if (absl::Status s = CheckRunFolder(runs, key); !s.ok()) {
        return CommandError(absl::StrCat("merge: ", input, "/runs/", s.message()));
      }
      auto [it, added] = source_of.emplace(key, input);
      if (!added) {
        return CommandError(absl::StrCat("merge: run ", key, " is in both ", it->second, " and ", input));
      }
    }
  }
  // Write everything into a temporary folder, then rename it into place.
  const fs::path temporary = fs::path(out_dir).string() + absl::StrCat(kTemporaryFolderPrefix, getpid());
  std::error_code ec;
  fs::create_directories(temporary / "runs", ec);
  if (ec) return CommandError(absl::StrCat("merge: cannot create ", temporary.string(), ": ", ec.message()));
  // Each run's folder is copied (a trace, say) with its rows, wherever they are.
  std::map<std::string, RunFiles> inputs_runs;
  for (const auto& [key, input] : source_of) {
    RunFiles& runs = inputs_runs.try_emplace(input, input).first->second;
    fs::copy(fs::path(input) / "runs" / key, temporary / "runs" / key, fs::copy_options::recursive, ec);
    absl::Status copied = ec ? absl::UnavailableError(ec.message()) : absl::OkStatus();
    for (const std::string& name : ResultFileNames()) {
      if (!copied.ok()) break;
      absl::StatusOr<std::string> text = runs.Read(key, name);
      copied = text.ok() ? WriteFileAtomically((temporary / "runs" / key / name).string(), *text)
                         : text.status();
    }
    if (!copied.ok()) {
      fs::remove_all(temporary, ec);
      return CommandError(absl::StrCat("merge: cannot copy ", key, " from ", input, ": ",
                                       copied.message()), kExitFailed);
    }
  }
  nlohmann::json manifest = manifests[0].json;
  manifest["shard"] = "merged";
  manifest["merged_from"] = inputs;
  manifest["shard_hosts"] = shard_hosts;
  manifest["date_utc"] = UtcNow();
  absl::Status s = WriteFileAtomically((temporary / "manifest.json").string(), manifest.dump(2) + "\n");
  if (s.ok()) {
    s = AssembleResults(temporary.string(),
                        KeysInFileOrder(manifests[0].num_cells, manifests[0].reps));
  }
  if (s.ok()) {
    fs::rename(temporary, out_dir, ec);
    if (ec) s = absl::UnavailableError(absl::StrCat("cannot rename into ", out_dir));
  }
  if (!s.ok()) {
    fs::remove_all(temporary, ec);
    return CommandError(absl::StrCat("merge: ", s.message()), kExitFailed);
  }
  if (std::optional<std::string> differ = HostDifference(shard_hosts)) {
    std::fprintf(stderr, "gclab: warning: %s; their runs are not comparable with each other\n",
                 differ->c_str());
  }
  std::vector<std::string> labels;
  for (const nlohmann::json& cell_json : manifest["cells"]) {
    absl::StatusOr<Cell> cell = CellFromJson(cell_json);
    labels.push_back(cell.ok() ? cell->Label() : absl::StrCat("cell ", labels.size()));
  }
  PrintSummary(out_dir, labels);
  std::printf("merged %zu runs from %zu folders into %s\n", source_of.size(), inputs.size(),
              out_dir.c_str());
  return kExitOk;
}

}  // namespace gclab
