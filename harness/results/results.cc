#include "harness/results/results.h"

#include <fcntl.h>  // AT_FDCWD
#include <stdio.h>  // renameat2, RENAME_EXCHANGE
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "absl/algorithm/container.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "harness/results/csv.h"
#include "harness/stats/latency_histogram.h"
#include "harness/stats/stats.h"
#include "nlohmann/json.hpp"

namespace gclab {
namespace fs = std::filesystem;

namespace {

constexpr char kTraceFile[] = "trace.json";

const std::vector<std::string>& ColumnsOf(const char* file_name) {
  return *ColumnsOfResultFile(file_name);
}

std::string Header(const std::vector<std::string>& columns) {
  return absl::StrCat(absl::StrJoin(columns, ","), "\n");
}

std::string Fixed(double value, int decimals) { return absl::StrFormat("%.*f", decimals, value); }
std::string Us(int64_t nanos) { return Fixed(nanos / 1e3, 3); }
std::string Ms(int64_t nanos) { return Fixed(nanos / 1e6, 6); }

// The pause columns of a runs.csv row: counts, percentiles, time to safepoint, MMU.
void AddPauseValues(const RunResult& run, std::map<std::string, std::string>& v) {
  const RunResult* r = &run;
  std::vector<int64_t> durations, ttsp;
  std::vector<Interval> intervals;
  for (const PauseRecord& pause : r->pauses) {
    durations.push_back(pause.duration());
    ttsp.push_back(pause.time_to_safepoint());
    intervals.push_back({pause.t_request, pause.t_resume});
  }
  const int64_t end = r->start_nanos + r->wall_nanos;
  v["pauses"] = absl::StrCat(r->pauses.size());
  v["pause_total_ms"] = Ms(r->total_pause_nanos());
  v["pause_p50_us"] = Us(Percentile(durations, 50));
  v["pause_p90_us"] = Us(Percentile(durations, 90));
  v["pause_p99_us"] = Us(Percentile(durations, 99));
  v["pause_p999_us"] = Us(Percentile(durations, 99.9));
  v["pause_max_us"] = Us(r->max_pause_nanos());
  v["ttsp_p99_us"] = Us(Percentile(ttsp, 99));
  v["ttsp_max_us"] = Us(Percentile(ttsp, 100));
  for (const auto& [name, window] : std::initializer_list<std::pair<const char*, int64_t>>{
           {"mmu_1ms", 1'000'000}, {"mmu_10ms", 10'000'000},
           {"mmu_100ms", 100'000'000}, {"mmu_1s", 1'000'000'000}}) {
    v[name] = Fixed(MinimumMutatorUtilisation(intervals, r->start_nanos, end, window), 4);
  }
}

// The batch-latency columns: as measured, and metered (coordinated omission undone).
void AddLatencyValues(const RunResult& run, std::map<std::string, std::string>& v) {
  const RunResult* r = &run;
  std::vector<int64_t> batches;
  for (const auto& thread : r->batch_nanos) batches.insert(batches.end(), thread.begin(), thread.end());
  v["latency_batches"] = absl::StrCat(batches.size());
  v["latency_p50_us"] = Us(Percentile(batches, 50));
  v["latency_p99_us"] = Us(Percentile(batches, 99));
  v["latency_p999_us"] = Us(Percentile(batches, 99.9));
  v["latency_max_us"] = Us(Percentile(batches, 100));
  const std::vector<int64_t> metered = MeteredLatencies(r->batch_nanos);
  v["latency_metered_p50_us"] = Us(Percentile(metered, 50));
  v["latency_metered_p99_us"] = Us(Percentile(metered, 99));
  v["latency_metered_p999_us"] = Us(Percentile(metered, 99.9));
  v["latency_metered_max_us"] = Us(Percentile(metered, 100));
}

// The host's columns: its noise over the run, the hiccup meter, and the noisy verdict.
void AddHostValues(const RunIdentity& run, const RunResult& result, double wall_s,
                   std::map<std::string, std::string>& v) {
  const RunResult* r = &result;
  const HostNoise& noise = r->host_noise;
  v["process_cpu_s"] = Fixed(noise.process_cpu_seconds, 6);
  v["cpu_per_wall"] = Fixed(wall_s > 0 ? noise.process_cpu_seconds / wall_s : 0, 4);
  v["voluntary_switches"] = absl::StrCat(noise.voluntary_switches);
  v["involuntary_switches"] = absl::StrCat(noise.involuntary_switches);
  v["page_faults"] = absl::StrCat(noise.page_faults);
  v["other_cpu_s"] = noise.other_cpu_seconds < 0 ? "" : Fixed(noise.other_cpu_seconds, 3);
  v["steal_s"] = noise.steal_seconds < 0 ? "" : Fixed(noise.steal_seconds, 3);
  v["loadavg_1m"] = noise.load_average_1m < 0 ? "" : Fixed(noise.load_average_1m, 2);
  if (!r->hiccup_nanos.empty()) {
    v["hiccup_p50_us"] = Us(Percentile(r->hiccup_nanos, 50));
    v["hiccup_p99_us"] = Us(Percentile(r->hiccup_nanos, 99));
    v["hiccup_p999_us"] = Us(Percentile(r->hiccup_nanos, 99.9));
    v["hiccup_max_us"] = Us(Percentile(r->hiccup_nanos, 100));
  }
  v["mutator_wait_s"] =
      noise.thread_wait_seconds < 0 ? "" : Fixed(noise.thread_wait_seconds, 6);
  const std::string noisy_because = NoisyBecause(noise, wall_s, run.threads);
  v["noisy"] = noisy_because.empty() ? "0" : "1";
  v["noisy_because"] = noisy_because;
}

// The values of one runs.csv row, by column name.
std::map<std::string, std::string> RunValues(const RunIdentity& run, const RunResult* r,
                                             RunStatus status, const std::string& error) {
  std::map<std::string, std::string> v;
  v["run_key"] = run.key;
  v["cell"] = absl::StrCat(run.cell);
  v["rep"] = absl::StrCat(run.rep);
  v["collector"] = run.collector;
  v["workload"] = run.workload;
  v["size"] = run.size;
  v["heap_bytes"] = absl::StrCat(run.heap_bytes);
  v["heap_x"] = run.heap_x ? Fixed(*run.heap_x, 3) : "";
  v["threads"] = absl::StrCat(run.threads);
  v["escape_analysis"] = run.escape_analysis ? "on" : "off";
  v["seed"] = absl::StrCat(run.seed);
  v["status"] = std::string(RunStatusName(status));
  v["error"] = error;
  if (r == nullptr) return v;  // the metric columns stay empty

  const double wall_s = r->wall_nanos / 1e9;
  // GC CPU is every phase's; only the part done on mutator threads (pauses they
  // requested, assists) comes out of the mutators' own CPU time.
  int64_t gc_cpu = 0;
  int64_t gc_cpu_on_mutators = 0;
  for (const PhaseRecord& phase : r->phases) {
    gc_cpu += phase.cpu_nanos;
    if (phase.on_mutator) gc_cpu_on_mutators += phase.cpu_nanos;
  }

  v["wall_s"] = Fixed(wall_s, 6);
  v["mutator_cpu_s"] = Fixed((r->mutator_thread_cpu_nanos - gc_cpu_on_mutators) / 1e9, 6);
  v["gc_cpu_s"] = Fixed(gc_cpu / 1e9, 6);
  v["ops"] = absl::StrCat(r->ops);
  v["ops_per_s"] = Fixed(wall_s > 0 ? r->ops / wall_s : 0, 1);
  v["heap_alloc_bytes"] = absl::StrCat(r->heap_bytes_allocated);
  v["heap_alloc_objects"] = absl::StrCat(r->heap_objects_allocated);
  if (status == RunStatus::kOk) v["checksum"] = absl::StrFormat("%016x", r->checksum);
  v["stack_alloc_bytes"] = absl::StrCat(r->stack_bytes_allocated);
  v["heap_alloc_mb_per_s"] = Fixed(wall_s > 0 ? r->heap_bytes_allocated / 1e6 / wall_s : 0, 3);
  v["stack_alloc_mb_per_s"] = Fixed(wall_s > 0 ? r->stack_bytes_allocated / 1e6 / wall_s : 0, 3);
  v["collections"] = absl::StrCat(r->collections);
  AddPauseValues(*r, v);
  AddLatencyValues(*r, v);
  v["peak_heap_in_use_bytes"] = absl::StrCat(r->peak_heap_in_use);
  v["peak_rss_bytes"] = absl::StrCat(r->peak_rss_bytes);
  AddHostValues(run, *r, wall_s, v);
  return v;
}

std::string PausesCsv(const RunIdentity& run, const RunResult& r) {
  std::string out = Header(ColumnsOf(kPausesFile));
  for (const PauseRecord& p : r.pauses) {
    absl::StrAppend(&out, run.key, ",", p.cycle, ",", PauseKindName(p.kind), ",",
                    GcCauseName(p.cause), ",", Ms(p.t_request - r.start_nanos), ",",
                    Us(p.duration()), ",", Us(p.time_to_safepoint()), ",", p.heap_before, ",",
                    p.heap_after, "\n");
  }
  return out;
}

std::string PhasesCsv(const RunIdentity& run, const RunResult& r) {
  std::string out = Header(ColumnsOf(kPhasesFile));
  for (const PhaseRecord& p : r.phases) {
    absl::StrAppend(&out, run.key, ",", p.cycle, ",", PhaseName(p.phase), ",",
                    p.in_pause ? 1 : 0, ",", p.thread, ",", Ms(p.t_begin - r.start_nanos), ",",
                    Us(p.t_end - p.t_begin), ",", Us(p.cpu_nanos), ",", p.bytes, ",", p.objects,
                    "\n");
  }
  return out;
}

std::string SiteDecisionsCsv(const RunIdentity& run, const RunResult& r) {
  std::string out = Header(ColumnsOf(kSiteDecisionsFile));
  for (const auto& [d, site] : r.site_decisions) {
    absl::StrAppend(&out, run.key, ",", d.cycle, ",", Ms(d.t - r.start_nanos), ",",
                    CsvField(site), ",", SitePlacementName(d.placement), ",",
                    Fixed(d.measured, 4), ",", d.basis_bytes, "\n");
  }
  return out;
}

// The batch latencies as histograms, simple and metered (harness/stats/latency_histogram.h).
std::string LatencyCsv(const RunIdentity& run, const RunResult& r) {
  std::string out = Header(ColumnsOf(kLatencyFile));
  LatencyHistogram simple;
  for (const auto& thread : r.batch_nanos) simple.RecordAll(thread);
  LatencyHistogram metered;
  metered.RecordAll(MeteredLatencies(r.batch_nanos));
  for (const auto& [kind, histogram] : {std::pair<const char*, const LatencyHistogram*>{
                                            "simple", &simple},
                                        {"metered", &metered}}) {
    for (const auto& [bucket, count] : histogram->counts()) {
      absl::StrAppend(&out, run.key, ",", kind, ",", LatencyHistogram::LowerBound(bucket), ",",
                      LatencyHistogram::UpperBound(bucket), ",", count, "\n");
    }
  }
  return out;
}

// Every batch time, as measured (--latency=raw).
std::string BatchesCsv(const RunIdentity& run, const RunResult& r) {
  std::string out = Header(ColumnsOf(kBatchesFile));
  for (size_t t = 0; t < r.batch_nanos.size(); ++t) {
    for (size_t i = 0; i < r.batch_nanos[t].size(); ++i) {
      absl::StrAppend(&out, run.key, ",", t, ",", i, ",", Us(r.batch_nanos[t][i]), "\n");
    }
  }
  return out;
}

// Chrome trace-event JSON (opens in Perfetto and chrome://tracing): pauses on one
// track, phases on the track of the thread that did them.
std::string TraceJson(const RunIdentity& run, const RunResult& r) {
  // Microseconds to the nanosecond, as the trace format counts them.
  auto us = [](int64_t nanos) { return std::round(static_cast<double>(nanos)) / 1e3; };
  nlohmann::json events = nlohmann::json::array();
  events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", 0}, {"name", "process_name"},
                    {"args", {{"name", absl::StrCat(run.key, " ", run.collector, " ", run.workload)}}}});
  events.push_back({{"ph", "M"}, {"pid", 1}, {"tid", 0}, {"name", "thread_name"},
                    {"args", {{"name", "stop-the-world pauses"}}}});
  for (const PauseRecord& p : r.pauses) {
    events.push_back({{"ph", "X"}, {"pid", 1}, {"tid", 0},
                      {"name", absl::StrCat("pause (", PauseKindName(p.kind), ")")},
                      {"ts", us(p.t_request - r.start_nanos)}, {"dur", us(p.duration())},
                      {"args", {{"cycle", p.cycle},
                                {"cause", std::string(GcCauseName(p.cause))},
                                {"ttsp_us", us(p.time_to_safepoint())}}}});
  }
  for (const PhaseRecord& p : r.phases) {
    events.push_back({{"ph", "X"}, {"pid", 1}, {"tid", p.thread},
                      {"name", std::string(PhaseName(p.phase))},
                      {"ts", us(p.t_begin - r.start_nanos)}, {"dur", us(p.t_end - p.t_begin)},
                      {"args", {{"cycle", p.cycle}}}});
  }
  return nlohmann::json{{"displayTimeUnit", "ms"}, {"traceEvents", events}}.dump() + "\n";
}

absl::Status ErrnoError(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// The data lines of a CSV file (everything after the header line).
std::string DataLines(const std::string& contents) {
  const size_t newline = contents.find('\n');
  return newline == std::string::npos ? "" : contents.substr(newline + 1);
}

}  // namespace

absl::Status WriteFileAtomically(const std::string& path, const std::string& contents) {
  const std::string temporary = absl::StrCat(path, kTemporaryFileInfix, getpid());
  FILE* file = std::fopen(temporary.c_str(), "w");
  if (file == nullptr) return ErrnoError("cannot create", temporary);
  const bool written = std::fwrite(contents.data(), 1, contents.size(), file) == contents.size();
  const bool flushed = std::fflush(file) == 0 && fsync(fileno(file)) == 0;
  const bool closed = std::fclose(file) == 0;
  if (!written || !flushed || !closed) {
    absl::Status status = ErrnoError("cannot write", temporary);
    std::remove(temporary.c_str());
    return status;
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    absl::Status status = ErrnoError("cannot rename into", path);
    std::remove(temporary.c_str());
    return status;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return absl::NotFoundError(absl::StrCat("cannot read ", path, ": a folder"));
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

absl::Status WriteRunFolder(const std::string& runs_dir, const RunIdentity& run,
                            const RunResult* result, RunStatus status,
                            const std::string& error, const RunFileOptions& options) {
  const fs::path final_dir = fs::path(runs_dir) / run.key;
  const fs::path temporary = fs::path(runs_dir) / absl::StrCat(kTemporaryFolderPrefix, run.key, "-", getpid());
  std::error_code ec;
  fs::remove_all(temporary, ec);
  fs::create_directories(temporary, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("cannot create ", temporary.string(), ": ", ec.message()));

  const std::map<std::string, std::string> values = RunValues(run, result, status, error);
  for (const auto& [column, value] : values) {
    // A value under a name the schema does not have would never reach the file.
    if (!absl::c_linear_search(RunColumns(), column)) {
      FatalError(absl::StrCat("runs.csv has no column ", column, " (harness/results/results_schema.h)"));
    }
  }
  std::vector<std::string> row;
  for (const std::string& column : RunColumns()) {
    auto it = values.find(column);
    row.push_back(it == values.end() ? "" : CsvField(it->second));
  }
  std::vector<std::pair<std::string, std::string>> files = {
      {kRunsFile, absl::StrCat(Header(RunColumns()), absl::StrJoin(row, ","), "\n")},
      {kPausesFile, result ? PausesCsv(run, *result) : Header(ColumnsOf(kPausesFile))},
      {kPhasesFile, result ? PhasesCsv(run, *result) : Header(ColumnsOf(kPhasesFile))},
      {kLatencyFile, result ? LatencyCsv(run, *result) : Header(ColumnsOf(kLatencyFile))},
      {kBatchesFile, result && options.raw_latency ? BatchesCsv(run, *result)
                                                   : Header(ColumnsOf(kBatchesFile))},
      {kSiteDecisionsFile,
       result ? SiteDecisionsCsv(run, *result) : Header(ColumnsOf(kSiteDecisionsFile))}};
  if (options.trace && result != nullptr) files.emplace_back(kTraceFile, TraceJson(run, *result));
  for (const auto& [name, contents] : files) {
    if (absl::Status s = WriteFileAtomically((temporary / name).string(), contents); !s.ok()) {
      fs::remove_all(temporary, ec);
      return s;
    }
  }
  // Into place in one step: a folder that is there already is exchanged with the
  // new one atomically (never deleted file by file where a reader could see it).
  const bool replacing = fs::exists(final_dir);
  const int moved = replacing ? renameat2(AT_FDCWD, temporary.c_str(), AT_FDCWD,
                                          final_dir.c_str(), RENAME_EXCHANGE)
                              : std::rename(temporary.c_str(), final_dir.c_str());
  if (moved != 0) {
    absl::Status status = ErrnoError("cannot move run folder into", final_dir.string());
    fs::remove_all(temporary, ec);
    return status;
  }
  if (replacing) fs::remove_all(temporary, ec);  // now the old folder
  return absl::OkStatus();
}

absl::Status AssembleResults(const std::string& out_dir, const std::vector<std::string>& keys) {
  const fs::path runs_dir = fs::path(out_dir) / "runs";
  RunFiles runs(out_dir);
  std::vector<std::pair<std::string, std::string>> files;
  for (const std::string& name : ResultFileNames()) {
    files.emplace_back(name, Header(*ColumnsOfResultFile(name)));
  }
  std::vector<std::string> present;
  for (const std::string& key : keys) {
    if (!runs.Has(key)) continue;
    present.push_back(key);
    for (auto& [name, contents] : files) {
      absl::StatusOr<std::string> part = runs.Read(key, name);
      if (!part.ok()) return part.status();
      const std::string rows = DataLines(*part);
      if (name == kRunsFile && rows.empty()) {
        return absl::DataLossError(absl::StrCat(
            "run ", key, " has a folder but no row, neither in it nor in ",
            (fs::path(out_dir) / kRunsFile).string(), "; remove ", (runs_dir / key).string(),
            " to run it again"));
      }
      contents += rows;
    }
  }
  for (const auto& [name, contents] : files) {
    if (absl::Status s = WriteFileAtomically((fs::path(out_dir) / name).string(), contents);
        !s.ok()) {
      return s;
    }
  }
  // Every row is in the top-level files now; the run folders keep none of them.
  std::error_code ec;
  for (const std::string& key : present) {
    for (const std::string& name : ResultFileNames()) fs::remove(runs_dir / key / name, ec);
  }
  return absl::OkStatus();
}

bool RunFiles::Has(const std::string& key) const {
  std::error_code ec;
  return fs::is_directory(fs::path(out_dir_) / "runs" / key, ec);
}

absl::StatusOr<std::string> RunFiles::Read(const std::string& key, const std::string& file) {
  const std::vector<std::string>* columns = ColumnsOfResultFile(file);
  if (columns == nullptr || !Has(key)) {
    return absl::NotFoundError(absl::StrCat(key, "/", file, " is missing"));
  }
  const fs::path own = fs::path(out_dir_) / "runs" / key / file;
  std::error_code ec;
  if (fs::exists(own, ec)) return ReadFile(own.string());
  auto [it, first] = assembled_.try_emplace(file);
  if (first) {
    const fs::path top = fs::path(out_dir_) / file;
    absl::StatusOr<std::string> text = ReadFile(top.string());
    if (!text.ok()) {
      assembled_.erase(it);
      return absl::NotFoundError(absl::StrCat(key, "/", file, " is missing, and so is ",
                                              top.string(), ", which would hold its rows"));
    }
    // Rows are single lines whose first field is the run key (never quoted).
    absl::string_view rest = *text;
    const size_t header_end = rest.find('\n');
    rest.remove_prefix(header_end == absl::string_view::npos ? rest.size() : header_end + 1);
    while (!rest.empty()) {
      const size_t end = rest.find('\n');
      const absl::string_view line =
          rest.substr(0, end == absl::string_view::npos ? rest.size() : end + 1);
      rest.remove_prefix(line.size());
      const absl::string_view line_key = line.substr(0, line.find(','));
      absl::StrAppend(&it->second[std::string(line_key)], line);
    }
  }
  auto rows = it->second.find(key);
  return absl::StrCat(Header(*columns), rows == it->second.end() ? "" : rows->second);
}

}  // namespace gclab
