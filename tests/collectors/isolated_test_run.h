// File: tests/collectors/isolated_test_run.h
//
// Runs GoogleTest tests in child processes, so that a collector that breaks an
// invariant (a fatal heap-verification failure aborts the process) fails its own
// test instead of ending the run: the rest still run, and the run ends with one
// summary naming every failed test.
//
// The supervisor (RunIsolated) splits the chosen tests into small batches and runs
// each batch as a worker: this same program, run again with the hidden flag
// --gclab-worker=DIR. A worker runs the tests listed in DIR/tests and appends one
// line per test start and end to DIR/progress; its output goes to DIR/log. When a
// worker dies inside a test, that test is recorded as crashed (with the process's
// last "gclab: fatal:" line) and a new worker runs the rest of the batch.
#ifndef GCLAB_TESTS_COLLECTORS_ISOLATED_TEST_RUN_H_
#define GCLAB_TESTS_COLLECTORS_ISOLATED_TEST_RUN_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace gclab::testing {

// One pass over a set of tests, with its own environment.
struct TestPass {
  std::string label;                          // printed before each result
  std::vector<std::string> tests;             // full names: "Suite.Test/param"
  std::map<std::string, std::string> environment;  // set in the workers
  // Tests of different groups never share a worker process (null: one group). The
  // conformance suite groups by collector variant: a collector may keep state for
  // the whole process (libgc: its one heap, its interior-pointer mode).
  std::function<std::string(const std::string& test)> process_group;
};

struct IsolationOptions {
  int jobs = 1;         // workers running at once
  int batch_tests = 8;  // tests per worker process
  // One test that runs longer is failed as hung: its worker (and whatever the worker
  // started) is killed, and a new worker runs the rest of its batch.
  double test_timeout_seconds = 300;
  // Run once each before the passes, as this program with these extra arguments,
  // within the per-test limit: checks that a collector can be made at all. The first
  // to fail ends the run with one line (the check's last line of output).
  std::vector<std::vector<std::string>> preflight;
};

// True when argv holds --gclab-worker=DIR (and is not a death test's child, which
// must run exactly the one test GoogleTest chose): then call RunWorker.
bool IsWorker(int argc, char** argv);
// Runs the tests DIR/tests names, after InitGoogleTest; returns RUN_ALL_TESTS().
int RunWorker(int argc, char** argv);

// Every registered test whose full name matches a GoogleTest filter
// ("POSITIVE[-NEGATIVE]", ':'-separated globs). After InitGoogleTest.
std::vector<std::string> TestsMatching(const std::string& filter);

// Runs the passes in workers (argv: how to run this program again, with the flags
// every worker needs) and prints a GoogleTest-style summary. Returns 0 if every test
// passed or was skipped, 1 otherwise (or a preflight check failed), 130 if
// interrupted (SIGINT, SIGTERM, SIGHUP). However this process ends, SIGKILL
// included, its workers die with it and its temporary folder goes: a janitor
// process, forked first, waits for it to end and cleans up after it.
int RunIsolated(const std::vector<std::string>& argv, const std::vector<TestPass>& passes,
                const IsolationOptions& options);

}  // namespace gclab::testing

#endif  // GCLAB_TESTS_COLLECTORS_ISOLATED_TEST_RUN_H_
