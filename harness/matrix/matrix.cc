#include "harness/matrix/matrix.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "runtime/collector.h"

namespace gclab {

std::string HeapSetting::Label() const {
  return relative ? absl::StrFormat("%gx", value) : absl::StrFormat("%gMiB", value);
}

nlohmann::json MatrixSpec::ToJson() const {
  nlohmann::json heaps_json = nlohmann::json::array();
  for (const HeapSetting& heap : heaps) heaps_json.push_back(heap.Label());
  nlohmann::json escape = nlohmann::json::array();
  for (bool on : escape_analysis) escape.push_back(on ? "on" : "off");
  nlohmann::json json = {{"collectors", collectors},
          {"workloads", workloads},
          {"heaps", heaps_json},
          {"threads", threads},
          {"escape_analysis", escape},
          {"size", std::string(WorkloadSizeName(size))},
          {"reps", reps},
          {"warmup", warmup},
          {"seed", seed},
          {"timeout_seconds", timeout_seconds},
          {"probe_timeout_seconds", probe_timeout_seconds},
          {"verify", verify},
          {"trace", trace},
          {"instrument", instrument},
          {"hiccup_meter", hiccup_meter},
          {"latency", raw_latency ? "raw" : "histogram"}};
  if (auto_reps_ci_percent > 0) json["reps_auto_until_ci_percent"] = auto_reps_ci_percent;
  return json;
}

std::string Cell::Label() const {
  return absl::StrCat(collector, " ", workload, " heap=", heap.Label(), " t=", threads,
                      " ea=", escape_analysis ? "on" : "off");
}

nlohmann::json Cell::ToJson() const {
  return {{"cell", index},
          {"collector", collector},
          {"workload", workload},
          {"heap", heap.Label()},
          {"threads", threads},
          {"escape_analysis", escape_analysis ? "on" : "off"}};
}

absl::StatusOr<Cell> CellFromJson(const nlohmann::json& json) {
  auto malformed = [&] {
    return absl::InvalidArgumentError(absl::StrCat("malformed cell in the manifest: ", json.dump()));
  };
  if (!json.is_object()) return malformed();
  try {
    Cell cell;
    cell.index = json.at("cell").get<int>();
    cell.collector = json.at("collector").get<std::string>();
    cell.workload = json.at("workload").get<std::string>();
    cell.threads = json.at("threads").get<int>();
    const std::string escape = json.at("escape_analysis").get<std::string>();
    if (escape != "on" && escape != "off") return malformed();
    cell.escape_analysis = escape == "on";
    std::string heap = json.at("heap").get<std::string>();
    absl::string_view number = heap;
    cell.heap.relative = absl::ConsumeSuffix(&number, "x");
    if (!cell.heap.relative && !absl::ConsumeSuffix(&number, "MiB")) return malformed();
    if (!absl::SimpleAtod(number, &cell.heap.value)) return malformed();
    return cell;
  } catch (const nlohmann::json::exception&) {
    return malformed();
  }
}

std::string PlannedRun::Key() const { return absl::StrFormat("c%04d-r%d", cell, rep); }

namespace {

// The heaps `collector` runs at: all of them, or for one that never frees the
// smallest multiple (and every absolute heap).
std::vector<HeapSetting> HeapsOf(const MatrixSpec& spec, const std::string& collector) {
  const CollectorRegistration* registration = CollectorRegistry::Global().FindSpec(collector);
  if (registration == nullptr || registration->traits.reclaims) return spec.heaps;
  std::vector<HeapSetting> heaps;
  const HeapSetting* smallest = nullptr;
  for (const HeapSetting& heap : spec.heaps) {
    if (!heap.relative) {
      heaps.push_back(heap);
    } else if (smallest == nullptr || heap.value < smallest->value) {
      smallest = &heap;
    }
  }
  if (smallest != nullptr) heaps.push_back(*smallest);
  return heaps;
}

}  // namespace

std::vector<Cell> ExpandCells(const MatrixSpec& spec) {
  std::vector<Cell> cells;
  for (const std::string& collector : spec.collectors) {
    const std::vector<HeapSetting> heaps = HeapsOf(spec, collector);
    for (const std::string& workload : spec.workloads) {
      for (const HeapSetting& heap : heaps) {
        for (int threads : spec.threads) {
          for (bool escape : spec.escape_analysis) {
            cells.push_back(Cell{static_cast<int>(cells.size()), collector, workload, heap,
                                 threads, escape});
          }
        }
      }
    }
  }
  return cells;
}

std::vector<PlannedRun> InterleavedOrder(size_t num_cells, int reps, uint64_t seed) {
  std::vector<PlannedRun> order;
  SplitMix64 random(seed);
  for (int rep = 1; rep <= reps; ++rep) {
    std::vector<int> cells(num_cells);
    for (size_t i = 0; i < num_cells; ++i) cells[i] = static_cast<int>(i);
    for (size_t i = num_cells; i > 1; --i) std::swap(cells[i - 1], cells[random.Below(i)]);
    for (int cell : cells) order.push_back(PlannedRun{cell, rep});
  }
  return order;
}

absl::StatusOr<Shard> ParseShard(const std::string& text) {
  std::vector<std::string> parts = absl::StrSplit(text, '/');
  Shard shard;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &shard.index) ||
      !absl::SimpleAtoi(parts[1], &shard.count) || shard.count < 1 || shard.index < 1 ||
      shard.index > shard.count) {
    return absl::InvalidArgumentError(
        absl::StrCat("--shard: '", text, "' is not a shard; valid: K/N with 1 <= K <= N"));
  }
  return shard;
}

std::vector<PlannedRun> RunsOfShard(const std::vector<PlannedRun>& order, Shard shard) {
  std::vector<PlannedRun> runs;
  for (size_t i = shard.index - 1; i < order.size(); i += shard.count) runs.push_back(order[i]);
  return runs;
}

std::vector<std::string> KeysInFileOrder(size_t num_cells, int reps) {
  std::vector<std::string> keys;
  for (size_t cell = 0; cell < num_cells; ++cell) {
    for (int rep = 1; rep <= reps; ++rep) keys.push_back(PlannedRun{int(cell), rep}.Key());
  }
  return keys;
}

}  // namespace gclab
