// File: harness/run/exit_status.h
//
// How a gclab process ends, for every command: its exit status (0 done, 1 the work
// failed, for example a results folder could not be written: the disk is full; 2 bad
// input, one line on stderr said why; 130 interrupted; a `gclab run-once` that cannot
// write its run's results exits 4, so that the matrix stops instead of recording the
// run as failed, and one whose run could not start at all, its collector not made or
// not started, exits 5), the one error line, and the interrupt flag.
#ifndef GCLAB_HARNESS_RUN_EXIT_STATUS_H_
#define GCLAB_HARNESS_RUN_EXIT_STATUS_H_

#include <atomic>

#include "absl/strings/string_view.h"

namespace gclab {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitResultsUnwritten = 4;
inline constexpr int kExitRunNotStarted = 5;
inline constexpr int kExitInterrupted = 130;

// Prints "gclab: <message>" as one line on stderr and returns `status`.
int CommandError(absl::string_view message, int status = kExitUsage);

// SIGINT and SIGTERM set a flag (from InstallInterruptHandlers on, which RunMatrix
// calls) that the commands check between runs, so that no run is cut in half.
void InstallInterruptHandlers();
bool Interrupted();
const std::atomic<bool>& InterruptFlag();

}  // namespace gclab

#endif  // GCLAB_HARNESS_RUN_EXIT_STATUS_H_
