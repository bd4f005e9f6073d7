#include "tests/collectors/isolated_test_run.h"

#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gtest/gtest.h"
#include "harness/run/child_process.h"
#include "runtime/clock.h"
#include "runtime/sync.h"

namespace gclab::testing {
namespace {

constexpr absl::string_view kWorkerFlag = "--gclab-worker=";
// Set by the supervisor for its workers (they inherit its environment).
constexpr char kSupervisorPidVariable[] = "GCLAB_CONFORMANCE_SUPERVISOR";
constexpr char kTestTimeoutVariable[] = "GCLAB_CONFORMANCE_TEST_TIMEOUT";
// How a worker tells that it killed itself at the per-test limit (on its log).
constexpr absl::string_view kTimeoutMarker = "gclab: timeout: ";

// The per-test limit, in a worker: armed when a test starts, disarmed when it ends.
// On expiry the worker writes which test hung and kills its own process group (itself
// and any death-test child), as nothing in a hung process can be trusted to return.
char timed_test[512];
double test_timeout_seconds = 0;

void OnTestTimeout(int) {
  char line[700];
  const int n = snprintf(line, sizeof(line),
                         "%.*sno result within the per-test limit of %g s (--test-timeout) "
                         "from %s\n",
                         static_cast<int>(kTimeoutMarker.size()), kTimeoutMarker.data(),
                         test_timeout_seconds, timed_test);
  if (n > 0) (void)!write(STDERR_FILENO, line, std::min<size_t>(n, sizeof(line) - 1));
  kill(0, SIGKILL);
}

void ArmTestTimer(double seconds) {
  itimerval timer{};
  timer.it_value.tv_sec = static_cast<time_t>(seconds);
  timer.it_value.tv_usec = static_cast<suseconds_t>((seconds - timer.it_value.tv_sec) * 1e6);
  setitimer(ITIMER_REAL, &timer, nullptr);
}

std::string WorkerDir(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (absl::ConsumePrefix(&arg, kWorkerFlag)) return std::string(arg);
  }
  return "";
}

// Appends one line per test start and end to the progress file. One write(2) per
// line with O_APPEND, so a line is either whole or absent when the process dies.
class ProgressRecorder : public ::testing::EmptyTestEventListener {
 public:
  explicit ProgressRecorder(const std::string& path)
      : fd_(open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) {}

  void OnTestStart(const ::testing::TestInfo& test) override {
    Write(absl::StrCat("start ", FullName(test), "\n"));
    if (test_timeout_seconds > 0) {
      snprintf(timed_test, sizeof(timed_test), "%s", FullName(test).c_str());
      ArmTestTimer(test_timeout_seconds);
    }
  }
  void OnTestEnd(const ::testing::TestInfo& test) override {
    if (test_timeout_seconds > 0) ArmTestTimer(0);
    const ::testing::TestResult& result = *test.result();
    const char* outcome = result.Skipped() ? "skipped" : result.Passed() ? "passed" : "failed";
    Write(absl::StrCat(outcome, " ", result.elapsed_time(), " ", FullName(test), "\n"));
  }

 private:
  static std::string FullName(const ::testing::TestInfo& test) {
    return absl::StrCat(test.test_suite_name(), ".", test.name());
  }
  void Write(const std::string& line) {
    if (fd_ >= 0 && write(fd_, line.data(), line.size()) < 0) std::perror("progress");
  }
  int fd_;
};

std::vector<std::string> ReadLines(const std::string& path) {
  std::vector<std::string> lines;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

bool MatchesAny(const std::string& name, absl::string_view patterns) {
  for (absl::string_view pattern : absl::StrSplit(patterns, ':', absl::SkipEmpty())) {
    if (fnmatch(std::string(pattern).c_str(), name.c_str(), 0) == 0) return true;
  }
  return false;
}

enum class Outcome { kPassed, kSkipped, kFailed };

struct TestResult {
  std::string label;
  std::string test;
  Outcome outcome;
  std::string detail;  // why it failed, when the worker could not say
};

struct Batch {
  const TestPass* pass;
  std::vector<std::string> tests;
};

// What one worker process reported.
struct WorkerReport {
  std::map<std::string, std::pair<Outcome, int64_t>> ended;  // test -> outcome, ms
  std::string running;  // started, never ended: where the worker died
};

WorkerReport ReadProgress(const std::string& path) {
  WorkerReport report;
  for (const std::string& line : ReadLines(path)) {
    std::vector<std::string> words = absl::StrSplit(line, absl::MaxSplits(' ', 2));
    if (words[0] == "start" && words.size() == 2) {
      report.running = words[1];
      continue;
    }
    if (words.size() != 3) continue;
    const Outcome outcome = words[0] == "passed"    ? Outcome::kPassed
                            : words[0] == "skipped" ? Outcome::kSkipped
                                                    : Outcome::kFailed;
    int64_t ms = 0;
    (void)absl::SimpleAtoi(words[1], &ms);
    report.ended[words[2]] = {outcome, ms};
    if (report.running == words[2]) report.running.clear();
  }
  return report;
}

// The process's last fatal-error line, which says what the collector broke.
std::string LastFatalLine(const std::string& log_path) {
  std::string fatal;
  for (const std::string& line : ReadLines(log_path)) {
    if (absl::StrContains(line, "gclab: fatal:")) fatal = line;
  }
  return fatal;
}

// What the worker said when it killed itself at the per-test limit; empty if it did not.
std::string TimeoutLine(const std::string& log_path) {
  for (const std::string& line : ReadLines(log_path)) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, kTimeoutMarker)) {
      return std::string(rest.substr(0, rest.rfind(" from ")));  // the summary names the test
    }
  }
  return "";
}

std::string DescribeDeath(const ChildOutcome& outcome, double timeout_seconds,
                          const std::string& log_path) {
  switch (outcome.kind) {
    case ChildOutcome::Kind::kSignaled:
      if (std::string hung = TimeoutLine(log_path); !hung.empty()) return "hung: " + hung;
      return absl::StrCat("crashed (", strsignal(outcome.signal), ")");
    case ChildOutcome::Kind::kTimedOut:
      return absl::StrCat("timed out after ", timeout_seconds, " s");
    case ChildOutcome::Kind::kExited:
      return absl::StrCat("the worker exited with status ", outcome.exit_code);
    case ChildOutcome::Kind::kInterrupted:
    case ChildOutcome::Kind::kNotStarted:
      break;
  }
  return absl::StrCat("the worker did not run: ", outcome.error);
}

// Set by SIGINT, SIGTERM and SIGHUP in the supervisor: its workers are killed, no new
// one starts, and the run ends with its folder removed.
std::atomic<bool> interrupted{false};
void OnInterrupt(int) { interrupted.store(true); }

// A batch's worker may run this long: every test of it up to the per-test limit,
// and the start-up of the workers that replace killed ones.
double BatchTimeout(const IsolationOptions& options) {
  return options.test_timeout_seconds * options.batch_tests + 60;
}

// Forks the janitor, which waits until the supervisor (this process) has ended however
// it ended, then kills every worker's process group (each worker writes its pid, which
// is its group, to DIR/pid) and removes `root`. Must run before any thread starts.
void StartJanitor(const std::string& root) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return;
  const pid_t janitor = fork();
  if (janitor != 0) {
    close(fds[0]);  // the write end stays open, unshared, until this process ends
    return;
  }
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE}) signal(sig, SIG_IGN);
  const int null = open("/dev/null", O_RDWR);
  for (int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) dup2(null, fd);
  close(fds[1]);
  char byte;
  while (read(fds[0], &byte, 1) < 0 && errno == EINTR) {
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root, ec)) {
    std::ifstream pid_file(entry.path() / "pid");
    if (pid_t pid = 0; pid_file >> pid && pid > 1) kill(-pid, SIGKILL);
  }
  std::filesystem::remove_all(root, ec);
  _exit(0);
}

class Supervisor {
 public:
  Supervisor(const std::vector<std::string>& argv, const IsolationOptions& options,
             std::string root)
      : argv_(argv), options_(options), root_(std::move(root)) {}

  // Runs each preflight check; the first failure's line, or empty if all passed.
  std::string Preflight() {
    const std::string log = root_ + "/preflight.log";
    for (const std::vector<std::string>& extra : options_.preflight) {
      std::vector<std::string> argv = argv_;
      argv.insert(argv.end(), extra.begin(), extra.end());
      std::filesystem::remove(log);
      const ChildOutcome outcome = RunChild(argv, options_.test_timeout_seconds, log, interrupted);
      if (outcome.kind == ChildOutcome::Kind::kInterrupted) return "interrupted";
      if (outcome.kind == ChildOutcome::Kind::kExited && outcome.exit_code == 0) continue;
      const std::string last = LastLine(log);
      if (outcome.kind == ChildOutcome::Kind::kExited && !last.empty()) return last;
      return absl::StrCat(absl::StrJoin(extra, " "), ": ",
                          outcome.kind == ChildOutcome::Kind::kTimedOut
                              ? absl::StrCat("did not finish within the per-test limit of ",
                                             options_.test_timeout_seconds, " s (--test-timeout)")
                              : DescribeDeath(outcome, options_.test_timeout_seconds, log),
                          last.empty() ? "" : ": ", last);
    }
    return "";
  }

  void Add(Batch batch) { queue_.push_back(std::move(batch)); }

  void RunAll() {
    std::vector<std::thread> jobs;
    for (int j = 0; j < std::max(1, options_.jobs); ++j) {
      jobs.emplace_back([this, j] {
        for (int n = 0;; ++n) {
          Batch batch;
          {
            MutexLock lock(&mu_);
            if (queue_.empty() || interrupted.load()) return;
            batch = std::move(queue_.front());
            queue_.pop_front();
          }
          RunBatch(batch, absl::StrCat(root_, "/job", j, "-", n));
        }
      });
    }
    for (std::thread& job : jobs) job.join();
  }

  const std::vector<TestResult>& results() const ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return results_;
  }
  int workers() const ABSL_NO_THREAD_SAFETY_ANALYSIS { return workers_; }

 private:
  void RunBatch(const Batch& batch, const std::string& dir) {
    std::filesystem::create_directories(dir);
    std::vector<std::string> remaining = batch.tests;
    while (!remaining.empty()) {
      const std::string progress = dir + "/progress", log = dir + "/log";
      std::filesystem::remove(progress);
      std::filesystem::remove(log);
      std::ofstream(dir + "/tests") << absl::StrJoin(remaining, "\n") << "\n";
      {
        std::ofstream environment(dir + "/environment");
        for (const auto& [key, value] : batch.pass->environment) {
          environment << key << "=" << value << "\n";
        }
      }
      std::vector<std::string> argv = argv_;
      argv.push_back(absl::StrCat(kWorkerFlag, dir));
      const ChildOutcome outcome = RunChild(argv, BatchTimeout(options_), log, interrupted);
      // The worker is gone: its pid may be reused, and the janitor must not kill it.
      std::filesystem::remove(dir + "/pid");
      if (outcome.kind == ChildOutcome::Kind::kInterrupted) return;
      const WorkerReport report = ReadProgress(progress);
      const bool clean_exit = outcome.kind == ChildOutcome::Kind::kExited &&
                              (outcome.exit_code == 0 || outcome.exit_code == 1);

      MutexLock lock(&mu_);
      ++workers_;
      const std::string& label = batch.pass->label;
      bool print_log = !clean_exit;
      std::vector<std::string> next;
      for (const std::string& test : remaining) {
        auto it = report.ended.find(test);
        if (it == report.ended.end()) {
          if (test != report.running && !clean_exit) next.push_back(test);
          continue;
        }
        const auto [result, ms] = it->second;
        results_.push_back({label, test, result, ""});
        if (result == Outcome::kFailed) print_log = true;
        std::printf("[ %-8s ] %s: %s (%lld ms)\n",
                    result == Outcome::kPassed    ? "OK"
                    : result == Outcome::kSkipped ? "SKIPPED"
                                                  : "FAILED",
                    label.c_str(), test.c_str(), static_cast<long long>(ms));
      }
      if (print_log) {
        std::printf("---- output of the worker for %s ----\n", label.c_str());
        std::ifstream in(log);
        std::printf("%s", std::string(std::istreambuf_iterator<char>(in), {}).c_str());
        std::printf("---- end of output ----\n");
      }
      if (clean_exit) {
        for (const std::string& test : remaining) {
          if (!report.ended.contains(test)) {
            results_.push_back({label, test, Outcome::kFailed, "did not run"});
          }
        }
        std::fflush(stdout);
        return;
      }
      std::string detail = DescribeDeath(outcome, BatchTimeout(options_), log);
      if (const std::string fatal = LastFatalLine(log); !fatal.empty()) {
        absl::StrAppend(&detail, ": ", fatal);
      }
      if (report.running.empty()) {
        // Died outside any test (loading, a static constructor): nothing more will run.
        for (const std::string& test : next) {
          results_.push_back({label, test, Outcome::kFailed, "not run: " + detail});
        }
        std::printf("[ CRASHED  ] %s: the worker, outside any test: %s\n", label.c_str(),
                    detail.c_str());
        std::fflush(stdout);
        return;
      }
      results_.push_back({label, report.running, Outcome::kFailed, detail});
      std::printf("[ CRASHED  ] %s: %s: %s\n", label.c_str(), report.running.c_str(),
                  detail.c_str());
      std::fflush(stdout);
      remaining = std::move(next);
    }
  }

  const std::vector<std::string> argv_;
  const IsolationOptions options_;
  const std::string root_;
  Mutex mu_;
  std::deque<Batch> queue_ ABSL_GUARDED_BY(mu_);
  std::vector<TestResult> results_ ABSL_GUARDED_BY(mu_);
  int workers_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace

bool IsWorker(int argc, char** argv) { return !WorkerDir(argc, argv).empty(); }

int RunWorker(int argc, char** argv) {
  const std::string dir = WorkerDir(argc, argv);
  // A death test's child runs the one test GoogleTest picked, in its own way.
  if (!GTEST_FLAG_GET(internal_run_death_test).empty()) return RUN_ALL_TESTS();
  // Dies with the supervisor (the janitor covers what starts before this line).
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (const char* supervisor = getenv(kSupervisorPidVariable);
      supervisor != nullptr && std::to_string(getppid()) != supervisor) {
    return 1;  // the supervisor is gone already
  }
  std::ofstream(dir + "/pid") << getpid() << "\n";
  if (const char* limit = getenv(kTestTimeoutVariable); limit != nullptr) {
    (void)absl::SimpleAtod(limit, &test_timeout_seconds);
    signal(SIGALRM, OnTestTimeout);
  }
  // RunChild keeps stderr only; everything the tests print goes to the log.
  dup2(STDERR_FILENO, STDOUT_FILENO);
  for (const std::string& line : ReadLines(dir + "/environment")) {
    const size_t eq = line.find('=');
    if (eq != std::string::npos) setenv(line.substr(0, eq).c_str(), line.c_str() + eq + 1, 1);
  }
  GTEST_FLAG_SET(filter, absl::StrJoin(ReadLines(dir + "/tests"), ":"));
  ::testing::UnitTest::GetInstance()->listeners().Append(
      new ProgressRecorder(dir + "/progress"));
  return RUN_ALL_TESTS();
}

std::vector<std::string> TestsMatching(const std::string& filter) {
  const size_t dash = filter.find('-');
  const std::string positive = dash == std::string::npos ? filter : filter.substr(0, dash);
  const std::string negative = dash == std::string::npos ? "" : filter.substr(dash + 1);
  std::vector<std::string> tests;
  const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  for (int s = 0; s < unit.total_test_suite_count(); ++s) {
    const ::testing::TestSuite& suite = *unit.GetTestSuite(s);
    for (int t = 0; t < suite.total_test_count(); ++t) {
      const std::string name = absl::StrCat(suite.name(), ".", suite.GetTestInfo(t)->name());
      if (MatchesAny(name, positive.empty() ? "*" : positive) && !MatchesAny(name, negative)) {
        tests.push_back(name);
      }
    }
  }
  return tests;
}

int RunIsolated(const std::vector<std::string>& argv, const std::vector<TestPass>& passes,
                const IsolationOptions& options) {
  std::string root = (std::filesystem::temp_directory_path() / "gclab-conformance-XXXXXX");
  if (mkdtemp(root.data()) == nullptr) {
    std::fprintf(stderr, "gclab-conformance: cannot make a folder in %s: %s\n",
                 std::filesystem::temp_directory_path().c_str(), std::strerror(errno));
    return 2;
  }
  StartJanitor(root);
  setenv(kSupervisorPidVariable, std::to_string(getpid()).c_str(), 1);
  setenv(kTestTimeoutVariable, absl::StrCat(options.test_timeout_seconds).c_str(), 1);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) signal(sig, OnInterrupt);
  const int64_t start = MonotonicNanos();
  Supervisor supervisor(argv, options, root);
  if (const std::string failed = supervisor.Preflight(); !failed.empty()) {
    std::filesystem::remove_all(root);
    if (interrupted.load()) return 130;
    std::fprintf(stderr, "gclab-conformance: %s\n", failed.c_str());
    return 1;
  }
  size_t total = 0;
  std::vector<std::string> labels;
  for (const TestPass& pass : passes) {
    labels.push_back(absl::StrCat(pass.label, " (", pass.tests.size(), ")"));
    total += pass.tests.size();
    Batch batch{&pass, {}};
    std::string group;
    for (const std::string& test : pass.tests) {
      std::string test_group = pass.process_group ? pass.process_group(test) : "";
      if (!batch.tests.empty() &&
          (batch.tests.size() == static_cast<size_t>(options.batch_tests) || test_group != group)) {
        supervisor.Add(std::exchange(batch, Batch{&pass, {}}));
      }
      group = std::move(test_group);
      batch.tests.push_back(test);
    }
    if (!batch.tests.empty()) supervisor.Add(std::move(batch));
  }
  std::printf("[==========] %zu tests in %zu passes: %s; %d at a time, each batch of at most "
              "%d in a process of its own\n",
              total, passes.size(), absl::StrJoin(labels, ", ").c_str(), options.jobs,
              options.batch_tests);
  std::fflush(stdout);
  supervisor.RunAll();
  std::filesystem::remove_all(root);
  if (interrupted.load()) {
    std::printf("[==========] interrupted: workers killed, nothing left behind\n");
    std::fflush(stdout);
    return 130;
  }

  size_t passed = 0, skipped = 0;
  std::vector<const TestResult*> failed;
  for (const TestResult& result : supervisor.results()) {
    if (result.outcome == Outcome::kPassed) ++passed;
    if (result.outcome == Outcome::kSkipped) ++skipped;
    if (result.outcome == Outcome::kFailed) failed.push_back(&result);
  }
  std::printf("[==========] %zu tests ran in %d worker processes (%.1f s).\n",
              supervisor.results().size(), supervisor.workers(),
              (MonotonicNanos() - start) / 1e9);
  std::printf("[  PASSED  ] %zu tests.\n", passed);
  if (skipped > 0) std::printf("[  SKIPPED ] %zu tests.\n", skipped);
  if (!failed.empty()) {
    std::printf("[  FAILED  ] %zu tests, listed below:\n", failed.size());
    for (const TestResult* result : failed) {
      std::printf("[  FAILED  ] %s: %s%s%s\n", result->label.c_str(), result->test.c_str(),
                  result->detail.empty() ? "" : " -- ", result->detail.c_str());
    }
    std::printf("\n%2zu FAILED TEST%s\n", failed.size(), failed.size() == 1 ? "" : "S");
  }
  std::fflush(stdout);
  return failed.empty() ? 0 : 1;
}

}  // namespace gclab::testing
