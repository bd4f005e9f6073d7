// The gclab command end to end, through gclab_with_faults (gclab plus test-only
// workloads that crash, hang, run out of memory, fail their checksum or corrupt the
// heap): every failure becomes a status while the rest of the matrix completes; an
// interrupted matrix resumes to the same files; shards merge into the whole matrix.
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "harness/results/csv.h"
#include "harness/stats/latency_histogram.h"
#include "harness/results/results.h"
#include "harness/results/results_folder.h"
#include "harness/results/results_reader.h"
#include "harness/stats/stats.h"
#include "nlohmann/json.hpp"

namespace gclab {
namespace {
namespace fs = std::filesystem;

const char kGclab[] = GCLAB_WITH_FAULTS_PATH;

// A fresh path named after the running test too: CTest runs these tests in parallel,
// and two of them must never share a folder or a log.
std::string TempDir(const std::string& name) {
  const ::testing::TestInfo* test = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string owner =
      test == nullptr ? "none" : absl::StrCat(test->test_suite_name(), ".", test->name());
  const fs::path dir = fs::path(::testing::TempDir()) / ("gclab-harness-" + owner + "-" + name);
  fs::remove_all(dir);
  return dir.string();
}

// Runs gclab with `args`; returns its exit status, stdout and stderr into *output.
int Gclab(const std::vector<std::string>& args, std::string* output = nullptr) {
  const std::string log = TempDir("log") + ".txt";
  const std::string command =
      absl::StrCat("'", kGclab, "' ", absl::StrJoin(args, " "), " > '", log, "' 2>&1");
  const int status = std::system(command.c_str());
  if (output != nullptr) *output = *ReadFile(log);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Starts gclab with `args` in the background, its output discarded; `file_size_limit`
// (bytes, 0 for none) is the largest file it may write, as `ulimit -f` sets it.
pid_t StartGclab(const std::vector<std::string>& args, rlim_t file_size_limit = 0) {
  const pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);  // a group of its own, for KillWithChildren
    std::vector<char*> argv = {const_cast<char*>(kGclab)};
    for (const std::string& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    if (file_size_limit > 0) {
      const rlimit limit = {file_size_limit, file_size_limit};
      setrlimit(RLIMIT_FSIZE, &limit);
      signal(SIGXFSZ, SIG_IGN);  // a write past the limit fails (EFBIG) instead
    }
    freopen("/dev/null", "w", stdout);
    freopen((TempDir("background-log") + ".txt").c_str(), "w", stderr);
    execv(kGclab, argv.data());
    _exit(127);
  }
  setpgid(pid, 0);  // also here, so that the group exists whichever of the two runs first
  return pid;
}

int WaitFor(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// SIGKILL to `pid` and to its children (the run it is waiting for) at once, as
// `kill -9` of a batch job's process group would. One signal to the group, not one
// per process: a gclab that outlived its child by a moment would record the kill as
// that run's crash, which is a different (and correct) outcome from the one tested.
void KillWithChildren(pid_t pid) { kill(-pid, SIGKILL); }

// The temporary file or folder gclab is writing in `out` right now, or "".
std::string BeingWritten(const std::string& out) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(out, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.find(kTemporaryFileInfix) != std::string::npos) return name;
  }
  for (const auto& entry : fs::directory_iterator(out + "/runs", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".tmp-")) return "runs/" + name;
  }
  return "";
}

// Every results file in `out` is whole: each top-level CSV file parses with gclab's
// columns, every run folder passes the reader merge uses, the manifest parses.
// Temporary files (a write that was cut off) are not results files.
void ExpectNothingHalfWritten(const std::string& out) {
  for (const std::string& name : ResultFileNames()) {
    const std::string path = out + "/" + name;
    if (!fs::exists(path)) continue;
    absl::StatusOr<CsvTable> table = ParseCsv(*ReadFile(path));
    ASSERT_TRUE(table.ok()) << path << ": " << table.status();
    EXPECT_EQ(table->header, *ColumnsOfResultFile(name)) << path;
  }
  if (fs::exists(out + "/manifest.json")) {
    EXPECT_TRUE(ReadResultsManifest(out).ok()) << out;
  }
  std::error_code ec;
  RunFiles runs(out);
  for (const auto& entry : fs::directory_iterator(out + "/runs", ec)) {
    const std::string key = entry.path().filename().string();
    if (key.starts_with(".")) continue;
    const absl::Status checked = CheckRunFolder(runs, key);
    EXPECT_TRUE(checked.ok()) << checked;
  }
}

void ExpectNoTemporaryFiles(const std::string& out) {
  EXPECT_EQ(BeingWritten(out), "") << "left behind in " << out;
}

CsvTable Table(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFile(path);
  EXPECT_TRUE(text.ok()) << path;
  absl::StatusOr<CsvTable> table = ParseCsv(text.ok() ? *text : "");
  EXPECT_TRUE(table.ok()) << path << ": " << table.status();
  return table.ok() ? *table : CsvTable{};
}

std::vector<std::string> ColumnOf(const CsvTable& table, const std::string& column) {
  std::vector<std::string> values;
  for (const auto& row : table.rows) values.push_back(row[table.Column(column)]);
  return values;
}

TEST(HarnessTest, EveryFailureIsAStatusAndTheMatrixGoesOn) {
  const std::string out = TempDir("faults");
  std::string output;
  const int status = Gclab({"run", "--collectors=marksweep",
                            "--workloads=fault-none,fault-crash,fault-killed,fault-hang,"
                            "fault-deadlock,fault-oom,fault-checksum,fault-corrupt,"
                            "fault-says-verify-failed",
                            "--heap-mb=8", "--timeout=3", "--verify", "--out=" + out},
                           &output);
  ASSERT_EQ(status, 0) << output;
  const CsvTable runs = Table(out + "/runs.csv");
  std::map<std::string, std::pair<std::string, std::string>> by_workload;
  for (const auto& row : runs.rows) {
    by_workload[row[runs.Column("workload")]] = {row[runs.Column("status")],
                                                 row[runs.Column("error")]};
  }
  ASSERT_EQ(by_workload.size(), 9u) << output;
  EXPECT_EQ(by_workload["fault-none"].first, "ok");
  EXPECT_EQ(by_workload["fault-crash"].first, "crash");
  EXPECT_FALSE(by_workload["fault-crash"].second.empty());
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  // (Sanitizers catch the signal and exit with their own report instead.)
  EXPECT_NE(by_workload["fault-crash"].second.find("Segmentation fault"), std::string::npos)
      << by_workload["fault-crash"].second;
  // The run's last words name its collector and the way to find a lost object.
  EXPECT_NE(by_workload["fault-crash"].second.find("gclab: fatal: SIGSEGV at address 0x"),
            std::string::npos)
      << by_workload["fault-crash"].second;
  EXPECT_NE(by_workload["fault-crash"].second.find("in a run of collector 'marksweep'"),
            std::string::npos)
      << by_workload["fault-crash"].second;
  EXPECT_NE(by_workload["fault-crash"].second.find("--verify"), std::string::npos)
      << by_workload["fault-crash"].second;
#endif
  EXPECT_EQ(by_workload["fault-killed"].first, "crash");
  EXPECT_NE(by_workload["fault-killed"].second.find("killed by Killed"), std::string::npos)
      << by_workload["fault-killed"].second;
  EXPECT_EQ(by_workload["fault-hang"].first, "timeout");
  EXPECT_EQ(by_workload["fault-deadlock"].first, "timeout");
  EXPECT_NE(by_workload["fault-deadlock"].second.find("time limit"), std::string::npos);
  EXPECT_EQ(by_workload["fault-oom"].first, "oom");
  EXPECT_NE(by_workload["fault-oom"].second.find("out of memory"), std::string::npos);
  EXPECT_EQ(by_workload["fault-checksum"].first, "checksum-failed");
  EXPECT_EQ(by_workload["fault-corrupt"].first, "verify-failed");
  EXPECT_NE(by_workload["fault-corrupt"].second.find("heap verification failed"),
            std::string::npos)
      << by_workload["fault-corrupt"].second;
  EXPECT_EQ(by_workload["fault-says-verify-failed"].first, "crash")
      << by_workload["fault-says-verify-failed"].second;
  // The ok run has its metrics; the failed ones have a status and no numbers.
  for (const auto& row : runs.rows) {
    const bool ok = row[runs.Column("status")] == "ok";
    EXPECT_EQ(row[runs.Column("wall_s")].empty(), !ok && row[runs.Column("status")] != "oom" &&
                                                      row[runs.Column("status")] != "checksum-failed");
  }
}

TEST(HarnessTest, FilesAreConsistentWithEachOther) {
  const std::string out = TempDir("consistent");
  std::string output;
  ASSERT_EQ(Gclab({"run", "--collectors=marksweep", "--workloads=binary-trees", "--size=small",
                   "--heap-mb=4", "--reps=2", "--trace", "--out=" + out},
                  &output),
            0)
      << output;
  const CsvTable runs = Table(out + "/runs.csv");
  const CsvTable pauses = Table(out + "/pauses.csv");
  const CsvTable phases = Table(out + "/phases.csv");
  const CsvTable latency = Table(out + "/latency.csv");
  ASSERT_EQ(runs.rows.size(), 2u);
  size_t pause_count = 0, batch_count = 0;
  for (const auto& row : runs.rows) {
    EXPECT_EQ(row[runs.Column("status")], "ok");
    pause_count += std::stoul(row[runs.Column("pauses")]);
    batch_count += std::stoul(row[runs.Column("latency_batches")]);
    EXPECT_GT(std::stod(row[runs.Column("ops_per_s")]), 0);
    EXPECT_GT(std::stoul(row[runs.Column("collections")]), 0u);
    const double mmu1 = std::stod(row[runs.Column("mmu_1ms")]);
    const double mmu1s = std::stod(row[runs.Column("mmu_1s")]);
    EXPECT_LE(mmu1, mmu1s);
    EXPECT_TRUE(fs::exists(out + "/runs/" + row[runs.Column("run_key")] + "/trace.json"));
  }
  EXPECT_EQ(pauses.rows.size(), pause_count);
  // Each histogram, simple and metered, counts every batch once; the raw batch
  // times are kept only with --latency=raw.
  std::map<std::string, size_t> histogram_count;
  for (const auto& row : latency.rows) {
    histogram_count[row[latency.Column("kind")]] += std::stoul(row[latency.Column("count")]);
    EXPECT_LE(std::stod(row[latency.Column("upper_ns")]) - std::stod(row[latency.Column("lower_ns")]),
              std::max(1.0, std::stod(row[latency.Column("lower_ns")]) / 100));
  }
  EXPECT_EQ(histogram_count["simple"], batch_count);
  EXPECT_EQ(histogram_count["metered"], batch_count);
  EXPECT_TRUE(Table(out + "/batches.csv").rows.empty());
  // Every row is stored once: the run folders keep no CSV file once assembled.
  for (const auto& row : runs.rows) {
    for (const std::string& name : ResultFileNames()) {
      EXPECT_FALSE(fs::exists(out + "/runs/" + row[runs.Column("run_key")] + "/" + name)) << name;
    }
  }
  size_t collector_phases = 0;  // a checked build adds a verify phase to each pause
  for (const auto& row : phases.rows) collector_phases += row[phases.Column("phase")] != "verify";
  EXPECT_EQ(collector_phases, pause_count * 3) << "root-scan, mark, sweep per pause";
  auto manifest = nlohmann::json::parse(*ReadFile(out + "/manifest.json"));
  EXPECT_EQ(manifest["schema_version"], kSchemaVersion);
  for (const char* key : {"command_line", "matrix", "cells", "build", "host", "date_utc",
                          "run_order_seed"}) {
    EXPECT_TRUE(manifest.contains(key)) << key;
  }
  for (const char* key : {"git_commit", "compiler", "cxx_flags", "abseil", "jemalloc"}) {
    EXPECT_TRUE(manifest["build"].contains(key)) << key;
  }
  auto trace = nlohmann::json::parse(
      *ReadFile(out + "/runs/" + runs.rows[0][0] + "/trace.json"), nullptr, false);
  ASSERT_FALSE(trace.is_discarded());
  EXPECT_GT(trace["traceEvents"].size(), 1u);
}

std::vector<std::string> ResumeMatrix(const std::string& out) {
  return {"run", "--collectors=marksweep,nogc", "--workloads=fault-none", "--heap-mb=64,128",
          "--reps=3", "--out=" + out};
}

// Starts gclab in the background and interrupts it (SIGINT) once `after` runs are done.
int RunAndInterrupt(const std::vector<std::string>& args, const std::string& out, int after) {
  const pid_t pid = StartGclab(args);
  for (int i = 0; i < 20000; ++i) {
    int done = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(out + "/runs", ec)) {
      done += entry.path().filename().string()[0] == 'c';
    }
    if (done >= after) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  kill(pid, SIGINT);
  return WaitFor(pid);
}

TEST(HarnessTest, AnInterruptedMatrixResumesToTheSameFiles) {
  const std::string whole = TempDir("whole");
  ASSERT_EQ(Gclab(ResumeMatrix(whole)), 0);
  const CsvTable expected = Table(whole + "/runs.csv");
  ASSERT_EQ(expected.rows.size(), 12u);

  std::string out;
  int status = 0;
  for (int attempt = 0; attempt < 3; ++attempt) {  // the interrupt must land mid-matrix
    out = TempDir("interrupted");
    status = RunAndInterrupt(ResumeMatrix(out), out, 3);
    if (status == 130) break;
  }
  ASSERT_EQ(status, 130) << "gclab did not stop on SIGINT mid-matrix";
  const CsvTable partial = Table(out + "/runs.csv");
  EXPECT_GE(partial.rows.size(), 3u);
  EXPECT_LT(partial.rows.size(), 12u);
  const std::string manifest_before = *ReadFile(out + "/manifest.json");

  std::string output;
  ASSERT_EQ(Gclab(ResumeMatrix(out), &output), 0) << output;
  EXPECT_NE(output.find(absl::StrCat(partial.rows.size(), " already done")), std::string::npos)
      << output;
  const CsvTable resumed = Table(out + "/runs.csv");
  EXPECT_EQ(resumed.header, expected.header);
  EXPECT_EQ(ColumnOf(resumed, "run_key"), ColumnOf(expected, "run_key"));
  for (const char* column : {"collector", "workload", "heap_bytes", "status", "ops"}) {
    EXPECT_EQ(ColumnOf(resumed, column), ColumnOf(expected, column)) << column;
  }
  // Finished runs were kept, not run again.
  for (const auto& row : partial.rows) {
    EXPECT_NE(std::find(resumed.rows.begin(), resumed.rows.end(), row), resumed.rows.end());
  }
  EXPECT_EQ(*ReadFile(out + "/manifest.json"), manifest_before);
  // A different matrix in the same folder is refused.
  EXPECT_EQ(Gclab({"run", "--collectors=marksweep", "--workloads=fault-none", "--out=" + out}), 2);
}

// A finished run's rows live in the top-level files only; losing those is an error
// that says what to do, never a run that silently disappears from the results.
TEST(HarnessTest, AFinishedRunWithoutItsRowsIsAnErrorNotALoss) {
  const std::string out = TempDir("rows-lost");
  const std::vector<std::string> args = {"run", "--collectors=nogc", "--workloads=fault-none",
                                         "--reps=2", "--out=" + out};
  ASSERT_EQ(Gclab(args), 0);
  ASSERT_TRUE(fs::is_empty(out + "/runs/c0000-r1"));  // its rows are in runs.csv only
  const std::string runs = *ReadFile(out + "/runs.csv");
  std::ofstream(out + "/runs.csv") << runs.substr(0, runs.find('\n') + 1);  // header only
  std::string output;
  EXPECT_EQ(Gclab(args, &output), 1) << output;
  EXPECT_NE(output.find("run c0000-r1 has a folder but no row"), std::string::npos) << output;
}

// --latency=raw keeps every batch time too; the histograms are exactly those times
// put into their buckets.
TEST(HarnessTest, RawLatenciesAgreeWithTheHistogram) {
  const std::string out = TempDir("raw-latency");
  std::string output;
  ASSERT_EQ(Gclab({"run", "--collectors=marksweep", "--workloads=binary-trees", "--size=small",
                   "--heap-mb=4", "--latency=raw", "--out=" + out},
                  &output),
            0)
      << output;
  const CsvTable runs = Table(out + "/runs.csv");
  const CsvTable batches = Table(out + "/batches.csv");
  const CsvTable latency = Table(out + "/latency.csv");
  ASSERT_EQ(runs.rows.size(), 1u);
  EXPECT_EQ(batches.rows.size(), std::stoul(runs.rows[0][runs.Column("latency_batches")]));
  std::map<size_t, uint64_t> expected;
  for (const auto& row : batches.rows) {
    const int64_t nanos = std::llround(std::stod(row[batches.Column("duration_us")]) * 1000);
    ++expected[LatencyHistogram::BucketOf(nanos)];
  }
  std::map<size_t, uint64_t> simple;
  for (const auto& row : latency.rows) {
    if (row[latency.Column("kind")] != "simple") continue;
    const size_t bucket = LatencyHistogram::BucketOf(std::stoll(row[latency.Column("lower_ns")]));
    EXPECT_EQ(LatencyHistogram::UpperBound(bucket), std::stoll(row[latency.Column("upper_ns")]));
    simple[bucket] = std::stoull(row[latency.Column("count")]);
  }
  EXPECT_EQ(simple, expected);
  ExpectNothingHalfWritten(out);
}

// The same runs with the same outcomes as the uninterrupted run `whole`.
void ExpectSameRuns(const std::string& out, const std::string& whole) {
  const CsvTable resumed = Table(out + "/runs.csv");
  const CsvTable expected = Table(whole + "/runs.csv");
  EXPECT_EQ(resumed.header, expected.header);
  for (const char* column : {"run_key", "collector", "workload", "heap_bytes", "status", "ops",
                             "latency_batches"}) {
    EXPECT_EQ(ColumnOf(resumed, column), ColumnOf(expected, column)) << column;
  }
  for (const char* file : {"pauses.csv", "phases.csv", "latency.csv", "batches.csv"}) {
    EXPECT_EQ(Table(out + "/" + file).header, Table(whole + "/" + file).header) << file;
  }
  EXPECT_EQ(Table(out + "/batches.csv").rows.size(), Table(whole + "/batches.csv").rows.size());
  ExpectNothingHalfWritten(out);
  ExpectNoTemporaryFiles(out);
}

TEST(HarnessTest, SigkillWhileWritingLosesNothingAndResumes) {
  const std::string whole = TempDir("kill-whole");
  ASSERT_EQ(Gclab(ResumeMatrix(whole)), 0);
  const std::string out = TempDir("killed");
  std::map<std::string, int> killed_writing;  // what was being written at each kill
  int kills = 0;
  for (int attempt = 0; attempt < 24; ++attempt) {
    // Let a few writes through each time, so that the matrix advances; once it is
    // complete, an attempt only rewrites the top-level files.
    const int kill_at_write = 1 + attempt % 4;
    const pid_t pid = StartGclab(ResumeMatrix(out));
    std::set<std::string> seen;
    while (waitpid(pid, nullptr, WNOHANG) == 0) {
      const std::string writing = BeingWritten(out);
      if (!writing.empty() && seen.insert(writing).second &&
          static_cast<int>(seen.size()) == kill_at_write) {
        KillWithChildren(pid);
        WaitFor(pid);
        ++kills;
        ++killed_writing[writing.starts_with("runs/") ? "a run folder"
                                                      : writing.substr(0, writing.find(".tmp."))];
        break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(50));
    }
    ExpectNothingHalfWritten(out);
  }
  std::string kinds;
  for (const auto& [what, count] : killed_writing) absl::StrAppend(&kinds, " ", what, " x", count);
  std::printf("SIGKILLed %d times while writing:%s\n", kills, kinds.c_str());
  // (A write can be over before it is seen, so not every attempt is a kill.)
  EXPECT_GE(kills, 5) << kinds;
  EXPECT_GT(kills - killed_writing["manifest.json"], 0) << "never killed writing results";
  ASSERT_EQ(Gclab(ResumeMatrix(out)), 0);
  ExpectSameRuns(out, whole);

  // Killed while writing the manifest of a new folder: the folder holds only a
  // temporary file, and the same command starts the matrix.
  const std::string early = TempDir("killed-early");
  fs::create_directories(early);
  std::ofstream(early + "/manifest.json.tmp.12345") << "{\"schema_vers";
  std::string output;
  ASSERT_EQ(Gclab(ResumeMatrix(early), &output), 0) << output;
  ExpectSameRuns(early, whole);
}

TEST(HarnessTest, AFullDiskStopsTheMatrixAndResumeCompletesIt) {
  const std::string whole = TempDir("full-whole");
  ASSERT_EQ(Gclab(ResumeMatrix(whole)), 0);
  const std::string disk = TempDir("small-disk");
  fs::create_directories(disk);
  if (mount("tmpfs", disk.c_str(), "tmpfs", 0, "size=96k") != 0) {
    GTEST_SKIP() << "cannot mount a small tmpfs here (" << std::strerror(errno)
                 << "); WriteLimitStopsTheMatrixAndResumeCompletesIt covers failing writes";
  }
  const std::string out = disk + "/results";
  std::string output;
  EXPECT_EQ(Gclab(ResumeMatrix(out), &output), 1) << output;
  EXPECT_NE(output.find("No space left on device"), std::string::npos) << output;
  EXPECT_NE(output.find("run the same command again to resume"), std::string::npos) << output;
  ExpectNothingHalfWritten(out);
  ExpectNoTemporaryFiles(out);
  size_t kept = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(out + "/runs")) ++kept;
  std::printf("the 96 KiB disk held %zu of 12 runs\n", kept);
  EXPECT_LT(kept, 12u);
  // Room again: the same command finishes the matrix.
  ASSERT_EQ(mount(nullptr, disk.c_str(), nullptr, MS_REMOUNT, "size=64m"), 0) << std::strerror(errno);
  EXPECT_EQ(Gclab(ResumeMatrix(out), &output), 0) << output;
  ExpectSameRuns(out, whole);
  umount2(disk.c_str(), MNT_DETACH);
}

TEST(HarnessTest, WriteLimitStopsTheMatrixAndResumeCompletesIt) {
  const std::string whole = TempDir("limit-whole");
  ASSERT_EQ(Gclab(ResumeMatrix(whole)), 0);
  // Room for every run's files but not for all the assembled files.
  const std::string out = TempDir("limited");
  EXPECT_EQ(WaitFor(StartGclab(ResumeMatrix(out), 16 * 1024)), 1);
  const std::string log = *ReadFile(TempDir("background-log") + ".txt");
  EXPECT_NE(log.find("File too large"), std::string::npos) << log;
  EXPECT_NE(log.find("run the same command again to resume"), std::string::npos) << log;
  ExpectNothingHalfWritten(out);
  ExpectNoTemporaryFiles(out);
  std::string output;
  EXPECT_EQ(Gclab(ResumeMatrix(out), &output), 0) << output;
  EXPECT_NE(output.find("12 already done"), std::string::npos) << output;
  ExpectSameRuns(out, whole);
}

TEST(HarnessTest, ShardsMergeIntoTheWholeMatrix) {
  const std::string whole = TempDir("whole-for-shards");
  ASSERT_EQ(Gclab(ResumeMatrix(whole)), 0);
  std::vector<std::string> shards;
  for (int k = 1; k <= 3; ++k) {
    shards.push_back(TempDir(absl::StrCat("shard", k)));
    std::vector<std::string> args = ResumeMatrix(shards.back());
    args.push_back(absl::StrCat("--shard=", k, "/3"));
    ASSERT_EQ(Gclab(args), 0);
    EXPECT_EQ(Table(shards.back() + "/runs.csv").rows.size(), 4u);
  }
  const std::string merged = TempDir("merged");
  std::string output;
  ASSERT_EQ(Gclab({"merge", "--out=" + merged, shards[0], shards[1], shards[2]}, &output), 0)
      << output;
  EXPECT_EQ(ColumnOf(Table(merged + "/runs.csv"), "run_key"),
            ColumnOf(Table(whole + "/runs.csv"), "run_key"));
  // The merged manifest says where each shard ran; one machine, no warning.
  const auto merged_manifest = nlohmann::json::parse(*ReadFile(merged + "/manifest.json"));
  ASSERT_EQ(merged_manifest["shard_hosts"].size(), 3u);
  EXPECT_EQ(merged_manifest["shard_hosts"][2]["shard"], "3/3");
  EXPECT_EQ(merged_manifest["shard_hosts"][2]["host"]["hostname"],
            nlohmann::json::parse(*ReadFile(shards[2] + "/manifest.json"))["host"]["hostname"]);
  EXPECT_EQ(output.find("kinds of machine"), std::string::npos) << output;
  EXPECT_NE(output.find("fault-none heap=64MiB t=1 ea=on"), std::string::npos) << output;

  // A shard that ran on another kind of machine: one warning line, and the summary
  // says so.
  const std::string elsewhere = TempDir("shard3-elsewhere");
  fs::copy(shards[2], elsewhere, fs::copy_options::recursive);
  auto other = nlohmann::json::parse(*ReadFile(elsewhere + "/manifest.json"));
  other["host"]["cpu_model"] = "Another CPU";
  other["host"]["cores"] = 64;
  ASSERT_TRUE(WriteFileAtomically(elsewhere + "/manifest.json", other.dump()).ok());
  const std::string mixed = TempDir("merged-mixed");
  ASSERT_EQ(Gclab({"merge", "--out=" + mixed, shards[0], shards[1], elsewhere}, &output), 0)
      << output;
  EXPECT_NE(output.find("gclab: warning: the shards ran on 2 kinds of machine: "), std::string::npos)
      << output;
  EXPECT_NE(output.find("64 cores of Another CPU (shard 3/3)"), std::string::npos) << output;
  EXPECT_NE(output.find("hosts: the shards ran on 2 kinds of machine"), std::string::npos) << output;
  // Overlapping, foreign and other-schema folders are refused, leaving nothing.
  const std::string refused = TempDir("refused");
  EXPECT_EQ(Gclab({"merge", "--out=" + refused, shards[0], shards[0]}, &output), 2);
  EXPECT_NE(output.find("is in both"), std::string::npos) << output;
  EXPECT_EQ(Gclab({"merge", "--out=" + refused, shards[0], whole}, &output), 2);
  auto manifest = nlohmann::json::parse(*ReadFile(shards[2] + "/manifest.json"));
  manifest["schema_version"] = kSchemaVersion + 1;
  ASSERT_TRUE(WriteFileAtomically(shards[2] + "/manifest.json", manifest.dump()).ok());
  EXPECT_EQ(Gclab({"merge", "--out=" + refused, shards[0], shards[2]}, &output), 2);
  EXPECT_NE(output.find("schema version"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(refused));
}

TEST(HarnessTest, HeapMultiplesUseTheMinimumHeapCache) {
  const std::string dir = TempDir("minheap");
  fs::create_directories(dir);
  std::string output;
  ASSERT_EQ(Gclab({"minheap", "--collectors=marksweep", "--workloads=binary-trees",
                   "--size=small", "--minheap-cache=" + dir + "/cache.csv"},
                  &output),
            0)
      << output;
  const CsvTable cache = Table(dir + "/cache.csv");
  ASSERT_EQ(cache.rows.size(), 1u);
  const double min_heap = std::stod(cache.rows[0][cache.Column("min_heap_bytes")]);
  EXPECT_GT(min_heap, 512 * 1024);
  ASSERT_EQ(Gclab({"run", "--collectors=marksweep", "--workloads=binary-trees", "--size=small",
                   "--heap-x=1.5,3", "--minheap-cache=" + dir + "/cache.csv",
                   "--out=" + dir + "/out"},
                  &output),
            0)
      << output;
  EXPECT_EQ(output.find("measuring the minimum heap"), std::string::npos) << "cache not used";
  const CsvTable runs = Table(dir + "/out/runs.csv");
  ASSERT_EQ(runs.rows.size(), 2u);
  for (const auto& row : runs.rows) {
    const double x = std::stod(row[runs.Column("heap_x")]);
    EXPECT_NEAR(std::stod(row[runs.Column("heap_bytes")]) / min_heap, x, 0.01);
    EXPECT_EQ(row[runs.Column("status")], "ok");
  }
}

TEST(HarnessTest, AProbePastItsTimeLimitStopsTheSearchInsteadOfCountingAsTooSmall) {
  // fault-hang never finishes: on a busy machine a probe near the minimum can look
  // the same. The search says so and caches nothing, rather than bisect on.
  const std::string dir = TempDir("probe-timeout");
  fs::create_directories(dir);
  std::string output;
  EXPECT_EQ(Gclab({"minheap", "--collectors=marksweep", "--workloads=fault-hang",
                   "--probe-timeout=1", "--minheap-cache=" + dir + "/cache.csv"},
                  &output),
            1)
      << output;
  EXPECT_TRUE(absl::StrContains(output, "got no result within --probe-timeout=1s")) << output;
  EXPECT_TRUE(absl::StrContains(output, "rather than count it as too small a heap")) << output;
  EXPECT_FALSE(fs::exists(dir + "/cache.csv") && Table(dir + "/cache.csv").rows.size() > 0);
}

// --- Noise, significance and repetitions ---

// A process that spins on CPU 0 until killed.
pid_t StartCpuHogOnCpu0() {
  const pid_t pid = fork();
  if (pid == 0) {
    cpu_set_t cpus;
    CPU_ZERO(&cpus);
    CPU_SET(0, &cpus);
    sched_setaffinity(0, sizeof(cpus), &cpus);
    for (;;) asm volatile("");
  }
  return pid;
}

std::vector<std::string> NoisyVerdicts(const std::string& out) {
  return ColumnOf(Table(out + "/runs.csv"), "noisy");
}

// The noise verdict can fail both ways: runs that share their CPU with a process
// that spins are flagged, and the same runs on the same machine without it are not.
// (gclab_harness_tests runs alone: RUN_SERIAL.)
TEST(ResultsFolderTest, EachClaimOfOneNameGetsAFolderOfItsOwn) {
  const std::string parent = TempDir("claims");
  absl::StatusOr<std::string> first = ClaimResultsFolder(parent, "20261202T201500Z-abc");
  absl::StatusOr<std::string> second = ClaimResultsFolder(parent, "20261202T201500Z-abc");
  ASSERT_TRUE(first.ok() && second.ok()) << first.status() << second.status();
  EXPECT_EQ(*first, parent + "/20261202T201500Z-abc");
  EXPECT_EQ(*second, parent + "/20261202T201500Z-abc-2");
  // Eight threads at once: eight folders, none shared.
  std::vector<std::string> claimed(8);
  std::vector<std::thread> threads;
  for (std::string& path : claimed) {
    threads.emplace_back([&] { path = *ClaimResultsFolder(parent, "same-second"); });
  }
  for (std::thread& thread : threads) thread.join();
  std::sort(claimed.begin(), claimed.end());
  EXPECT_EQ(std::unique(claimed.begin(), claimed.end()), claimed.end());
  for (const std::string& path : claimed) EXPECT_TRUE(fs::is_directory(path)) << path;
}

// Two `gclab run`s without --out started in the same second (issue 22's bug: the
// second was refused, "holds results of a different matrix"). The default names of
// the next ten seconds are taken first, so that both runs meet a taken name whenever
// they start; each must get a folder of its own and finish.
TEST(ResultsFolderTest, TwoRunsStartedInTheSameSecondGetFoldersOfTheirOwn) {
  const std::string dir = TempDir("same-second");
  fs::create_directories(fs::path(dir) / "results");
  const std::time_t now = std::time(nullptr);
  std::vector<std::string> taken;
  for (int s = 0; s < 10; ++s) {
    const fs::path path = fs::path(dir) / "results" / DefaultResultsFolderName(now + s);
    fs::create_directories(path);
    std::ofstream(path / "someone-else's");
    taken.push_back(path.filename().string());
  }
  // Both started at once, from one script, in `dir` (the default folder is relative).
  std::vector<std::string> logs;
  std::string script = absl::StrCat("cd '", dir, "' || exit 1\n");
  for (const char* matrix : {"--heap-mb=16", "--heap-mb=32"}) {
    logs.push_back(absl::StrCat(dir, "/run", logs.size(), ".log"));
    absl::StrAppend(&script, "'", kGclab, "' run --collectors=marksweep --workloads=binary-trees ",
                    "--size=small ", matrix, " > '", logs.back(), "' 2>&1 &\n",
                    "pid", logs.size(), "=$!\n");
  }
  absl::StrAppend(&script, "wait $pid1 && wait $pid2\n");
  const std::string script_path = dir + "/both.sh";
  std::ofstream(script_path) << script;
  ASSERT_EQ(std::system(("bash '" + script_path + "'").c_str()), 0)
      << *ReadFile(logs[0]) << *ReadFile(logs[1]);
  std::vector<std::string> folders;
  for (const std::string& log : logs) {
    const std::string text = *ReadFile(log);
    const size_t at = text.find("results: results/");
    ASSERT_NE(at, std::string::npos) << text;
    folders.push_back(text.substr(at + 17, text.find('\n', at) - at - 17));
    EXPECT_TRUE(fs::exists(fs::path(dir) / "results" / folders.back() / "runs.csv")) << text;
  }
  EXPECT_NE(folders[0], folders[1]);
  for (const std::string& folder : folders) {
    EXPECT_EQ(std::find(taken.begin(), taken.end(), folder), taken.end()) << folder;
  }
}

TEST(NoiseTest, ACpuHogOnTheRunsCpuMakesItsRunsNoisy) {
  auto run = [&](const std::string& out) {
    const std::string command = absl::StrCat(
        "taskset -c 0 '", kGclab, "' run --collectors=marksweep --workloads=binary-trees "
        "--heap-mb=64 --reps=3 --out=", out, " > ", out, ".log 2>&1");
    EXPECT_EQ(std::system(command.c_str()), 0) << *ReadFile(out + ".log");
  };
  const std::string quiet = TempDir("noise-quiet");
  run(quiet);
  EXPECT_EQ(NoisyVerdicts(quiet), std::vector<std::string>(3, "0"))
      << ColumnOf(Table(quiet + "/runs.csv"), "other_cpu_s")[0];

  const pid_t hog = StartCpuHogOnCpu0();
  const std::string busy = TempDir("noise-busy");
  run(busy);
  kill(hog, SIGKILL);
  WaitFor(hog);
  EXPECT_EQ(NoisyVerdicts(busy), std::vector<std::string>(3, "1"));
  // Either test of the rule may fire first: the mutator waited for its CPU, or the
  // hog's CPU time shows in /proc/stat.
  for (const std::string& because : ColumnOf(Table(busy + "/runs.csv"), "noisy_because")) {
    EXPECT_TRUE(absl::StrContains(because, "the mutator waited for a CPU") ||
                absl::StrContains(because, "other processes used"))
        << because;
  }
  for (const std::string& cpu_per_wall : ColumnOf(Table(busy + "/runs.csv"), "cpu_per_wall")) {
    EXPECT_LT(std::stod(cpu_per_wall), 0.8) << "the run had to share its CPU";
  }
  std::string summary;
  EXPECT_EQ(Gclab({"compare", quiet, busy, "--metrics=wall_s"}, &summary), 0) << summary;
  // Counted, and said to be (compare and the report follow one rule).
  EXPECT_TRUE(absl::StrContains(summary, "noisy: 0 runs of A, 3 of B ran while the host was busy"))
      << summary;
  EXPECT_TRUE(absl::StrContains(summary, "3+3")) << summary;
}

TEST(NoiseTest, RerunNoisyRepeatsOnlyTheNoisyRuns) {
  const std::string out = TempDir("rerun-noisy");
  const std::vector<std::string> args = {"run", "--collectors=nogc", "--workloads=fault-none",
                                         "--reps=2", "--out=" + out};
  ASSERT_EQ(Gclab(args), 0);
  // Mark run 1 noisy, as a busy machine would have. Its row is in the top-level
  // runs.csv only (its folder gave it up when the matrix was assembled).
  const std::string runs_csv = out + "/runs.csv";
  CsvTable table = Table(runs_csv);
  ASSERT_EQ(table.rows.size(), 2u);
  // assign(), not = "1": GCC 12 warns falsely (-Wrestrict, GCC bug 105329) on the latter.
  table.rows[0][table.Column("noisy")].assign(1, '1');
  std::string text = absl::StrJoin(table.header, ",") + "\n";
  for (const auto& row : table.rows) {
    std::vector<std::string> fields;
    for (const std::string& field : row) fields.push_back(CsvField(field));
    text += absl::StrJoin(fields, ",") + "\n";
  }
  ASSERT_TRUE(WriteFileAtomically(runs_csv, text).ok());
  const std::vector<std::string> marked = table.rows[0];
  const std::vector<std::string> other = table.rows[1];
  const bool other_noisy = other[table.Column("noisy")] == "1";

  ASSERT_EQ(Gclab(args), 0);  // resuming a complete matrix runs nothing
  EXPECT_EQ(*ReadFile(runs_csv), text);
  std::vector<std::string> rerun = args;
  rerun.push_back("--rerun-noisy");
  ASSERT_EQ(Gclab(rerun), 0);
  // Run 1 was run again (a new row; noisy or not, as the machine was this time); run
  // 2 only if it had been noisy itself. The new rows are assembled and kept once.
  const CsvTable after = Table(runs_csv);
  ASSERT_EQ(after.rows.size(), 2u);
  EXPECT_NE(after.rows[0], marked);
  EXPECT_EQ(after.rows[1] == other, !other_noisy);
  EXPECT_TRUE(fs::is_empty(out + "/runs/c0000-r1"));
  ExpectNothingHalfWritten(out);
}

TEST(CompareTest, TablesForTwoCollectorsAndForTwoFolders) {
  const std::string out = TempDir("compare");
  ASSERT_EQ(Gclab({"run", "--collectors=marksweep,nogc", "--workloads=binary-trees",
                   "--size=small", "--heap-mb=64", "--reps=5", "--out=" + out}),
            0);
  std::string output;
  ASSERT_EQ(Gclab({"compare", out, "--baseline=marksweep", "--candidate=nogc",
                   "--metrics=heap_alloc_bytes,wall_s"},
                  &output),
            0)
      << output;
  // Both allocate exactly the same bytes in every run: no difference, ratio 1. (Noisy
  // runs count too: every side has its 5.)
  EXPECT_TRUE(absl::StrContains(output, "nogc/marksweep [95% CI]")) << output;
  EXPECT_TRUE(absl::StrContains(output, "~ 1.000x [1.000, 1.000]")) << output;
  EXPECT_TRUE(absl::StrContains(output, "5+5")) << output;
  EXPECT_TRUE(absl::StrContains(output, "binary-trees small 64MiB t=1 ea=on")) << output;

  // A difference every run shows: copying collects more often than marksweep in a
  // heap this small (two semispaces). Constant counts on each side, all apart: exactly
  // p = 2/C(8,4) = 0.029 for 4+4; no interval below 5 runs a side.
  const std::string small = TempDir("compare-small");
  ASSERT_EQ(Gclab({"run", "--collectors=marksweep,copying", "--workloads=binary-trees",
                   "--size=small", "--heap-mb=4", "--reps=4", "--out=" + small}),
            0);
  ASSERT_EQ(Gclab({"compare", small, "--baseline=marksweep", "--candidate=copying",
                   "--metrics=collections"},
                  &output),
            0)
      << output;
  EXPECT_TRUE(absl::StrContains(output, "collections")) << output;
  EXPECT_FALSE(absl::StrContains(output, "~ ")) << output;
  EXPECT_TRUE(absl::StrContains(output, "[-]: no interval with fewer than 5 runs")) << output;

  ASSERT_EQ(Gclab({"compare", out, out, "--metrics=wall_s"}, &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "marksweep binary-trees small 64MiB")) << output;
  EXPECT_TRUE(absl::StrContains(output, "~ 1.000x")) << output;
  EXPECT_TRUE(absl::StrContains(output, "1.000  5+5")) << output;
}

TEST(AutoRepsTest, CellsRepeatUntilTheirIntervalIsNarrowOrTheCapIsReached) {
  // A 95% distribution-free interval of the median needs six runs; six runs of
  // small binary-trees (about 15 ms each) vary far less than their median. (Runs of
  // fault-none, tens of microseconds, can vary by more than their median.)
  const std::string wide = TempDir("auto-wide");
  std::string output;
  ASSERT_EQ(Gclab({"run", "--collectors=nogc,marksweep", "--workloads=binary-trees",
                   "--size=small", "--heap-mb=64", "--reps=auto", "--until-ci=100",
                   "--max-reps=9", "--out=" + wide},
                  &output),
            0)
      << output;
  // Each cell stopped at the first repetition after which its clean (not noisy) runs'
  // interval was a 95% one and narrow enough, and not before: usually the sixth, later
  // if the machine disturbed a run.
  const CsvTable runs = Table(wide + "/runs.csv");
  auto converged = [](const std::vector<double>& walls) {
    const MedianInterval m = MedianWithInterval(walls);
    return walls.size() >= 2 && m.confidence >= 0.95 && (m.high - m.low) / m.median <= 1.0;
  };
  for (const std::string cell : {"0", "1"}) {
    std::vector<double> clean;  // in repetition order (rows are in matrix order)
    int reps = 0;
    for (const auto& row : runs.rows) {
      if (row[runs.Column("cell")] != cell) continue;
      ASSERT_EQ(row[runs.Column("status")], "ok");
      EXPECT_EQ(std::stoi(row[runs.Column("rep")]), ++reps) << "cell " << cell;
      const bool stop_before = converged(clean);
      EXPECT_FALSE(stop_before) << "cell " << cell << " ran on after its interval was narrow";
      if (row[runs.Column("noisy")] != "1") clean.push_back(std::stod(row[runs.Column("wall_s")]));
    }
    EXPECT_GE(clean.size(), 6u) << "cell " << cell;
    EXPECT_TRUE(converged(clean)) << "cell " << cell << " stopped before its interval was narrow";
  }
  EXPECT_FALSE(absl::StrContains(output, "--max-reps=")) << output;

  // No run-to-run spread is that small: every cell stops at the cap, and says so.
  const std::string narrow = TempDir("auto-narrow");
  ASSERT_EQ(Gclab({"run", "--collectors=nogc", "--workloads=fault-none", "--reps=auto",
                   "--until-ci=0.000001", "--max-reps=3", "--out=" + narrow},
                  &output),
            0)
      << output;
  EXPECT_EQ(Table(narrow + "/runs.csv").rows.size(), 3u);
  EXPECT_TRUE(absl::StrContains(output, "1 cells ran --max-reps=3 times")) << output;
  EXPECT_TRUE(absl::StrContains(output, "nogc fault-none")) << output;
}

}  // namespace
}  // namespace gclab
