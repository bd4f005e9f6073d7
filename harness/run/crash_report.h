// File: harness/run/crash_report.h
//
// What a run's process says when it dies of a memory fault. A collector that frees
// or moves an object still in use makes the mutator (or the collector) read through a
// stale pointer, usually far from the bug; without a word the run's error would be
// "killed by Segmentation fault" and nothing more. The line names the collector (and
// its plugin) and says how to find the lost object.
#ifndef GCLAB_HARNESS_RUN_CRASH_REPORT_H_
#define GCLAB_HARNESS_RUN_CRASH_REPORT_H_

#include <string>

namespace gclab {

// From now on, SIGSEGV, SIGBUS, SIGILL and SIGFPE in this process print one
// "gclab: fatal:" line naming `collector_spec` (CollectorForMessages) and the fault
// address, then end the process by the same signal. Call once, before the run.
void InstallCrashReport(const std::string& collector_spec);

}  // namespace gclab

#endif  // GCLAB_HARNESS_RUN_CRASH_REPORT_H_
