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

namespace {

// What the input folders hold, checked: one matrix, each run in one folder only.
struct MergeInputs {
  std::vector<ResultsManifest> manifests;
  // Where each shard ran: a merged input brings its own list.
  nlohmann::json shard_hosts = nlohmann::json::array();
  std::map<std::string, std::string> source_of;  // run key -> input folder
};

absl::Status ReadMergeInputs(const std::vector<std::string>& inputs, MergeInputs* inputs_read) {
  for (const std::string& input : inputs) {
    absl::StatusOr<ResultsManifest> manifest = ReadResultsManifest(input);
    if (!manifest.ok()) return absl::InvalidArgumentError(absl::StrCat(manifest.status().message()));
    if (!inputs_read->manifests.empty() && manifest->json["matrix"] != inputs_read->manifests[0].json["matrix"]) {
      return absl::InvalidArgumentError(absl::StrCat(input, " holds a different matrix from ", inputs[0],
                                "; only shards or resumptions of one matrix can be merged"));
    }
    if (manifest->json.contains("shard_hosts")) {
      for (const nlohmann::json& entry : manifest->json["shard_hosts"]) inputs_read->shard_hosts.push_back(entry);
    } else {
      inputs_read->shard_hosts.push_back({{"folder", input},
                             {"shard", manifest->json.value("shard", "?")},
                             {"host", manifest->json.value("host", nlohmann::json::object())}});
    }
    inputs_read->manifests.push_back(*std::move(manifest));
    const std::vector<std::string> keys =
        KeysInFileOrder(inputs_read->manifests.back().num_cells, inputs_read->manifests.back().reps);
    const std::set<std::string> matrix_keys(keys.begin(), keys.end());
    std::error_code ec;
    RunFiles runs(input);
    for (const auto& entry : fs::directory_iterator(fs::path(input) / "runs", ec)) {
      const std::string key = entry.path().filename().string();
      if (absl::StartsWith(key, ".")) continue;  // a run killed while writing
      if (!matrix_keys.contains(key)) {
        return absl::InvalidArgumentError(absl::StrCat(input, "/runs/", key, " is not a run of its matrix"));
      }
      if (absl::Status s = CheckRunFolder(runs, key); !s.ok()) {
        return absl::InvalidArgumentError(absl::StrCat(input, "/runs/", s.message()));
      }
      auto [it, added] = inputs_read->source_of.emplace(key, input);
      if (!added) {
        return absl::InvalidArgumentError(absl::StrCat("run ", key, " is in both ", it->second, " and ", input));
      }
    }
  }
  return absl::OkStatus();
}

// Each run's folder copied into `temporary`/runs (a trace, say) with its rows,
// wherever they are.
absl::Status CopyRuns(const MergeInputs& in, const fs::path& temporary) {
  std::error_code ec;
  std::map<std::string, RunFiles> inputs_runs;
  for (const auto& [key, input] : in.source_of) {
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
      return absl::UnavailableError(
          absl::StrCat("cannot copy ", key, " from ", input, ": ", copied.message()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

int Merge(const std::string& out_dir, const std::vector<std::string>& inputs) {
  if (inputs.empty()) return CommandError("merge: name the result folders to merge; valid: gclab merge --out=DIR A B ...");
  if (fs::exists(out_dir)) {
    return CommandError(absl::StrCat("merge: --out ", out_dir, " already exists; choose a new folder"));
  }
  MergeInputs in;
  if (absl::Status s = ReadMergeInputs(inputs, &in); !s.ok()) {
    return CommandError(absl::StrCat("merge: ", s.message()));
  }
  // Write everything into a temporary folder, then rename it into place.
  const fs::path temporary = fs::path(out_dir).string() + absl::StrCat(kTemporaryFolderPrefix, getpid());
  std::error_code ec;
  fs::create_directories(temporary / "runs", ec);
  if (ec) return CommandError(absl::StrCat("merge: cannot create ", temporary.string(), ": ", ec.message()));
  if (absl::Status s = CopyRuns(in, temporary); !s.ok()) {
    fs::remove_all(temporary, ec);
    return CommandError(absl::StrCat("merge: ", s.message()), kExitFailed);
  }
  nlohmann::json manifest = in.manifests[0].json;
  manifest["shard"] = "merged";
  manifest["merged_from"] = inputs;
  manifest["shard_hosts"] = in.shard_hosts;
  manifest["date_utc"] = UtcNow();
  absl::Status s = WriteFileAtomically((temporary / "manifest.json").string(), manifest.dump(2) + "\n");
  if (s.ok()) {
    s = AssembleResults(temporary.string(),
                        KeysInFileOrder(in.manifests[0].num_cells, in.manifests[0].reps));
  }
  if (s.ok()) {
    fs::rename(temporary, out_dir, ec);
    if (ec) s = absl::UnavailableError(absl::StrCat("cannot rename into ", out_dir));
  }
  if (!s.ok()) {
    fs::remove_all(temporary, ec);
    return CommandError(absl::StrCat("merge: ", s.message()), kExitFailed);
  }
  if (std::optional<std::string> differ = HostDifference(in.shard_hosts)) {
    std::fprintf(stderr, "gclab: warning: %s; their runs are not comparable with each other\n",
                 differ->c_str());
  }
  std::vector<std::string> labels;
  for (const nlohmann::json& cell_json : manifest["cells"]) {
    absl::StatusOr<Cell> cell = CellFromJson(cell_json);
    labels.push_back(cell.ok() ? cell->Label() : absl::StrCat("cell ", labels.size()));
  }
  PrintSummary(out_dir, labels);
  std::printf("merged %zu runs from %zu folders into %s\n", in.source_of.size(), inputs.size(),
              out_dir.c_str());
  return kExitOk;
}

}  // namespace gclab
