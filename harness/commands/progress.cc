#include "harness/commands/progress.h"

#include <unistd.h>

#include <cstdio>

#include "absl/strings/str_format.h"
#include "runtime/clock.h"

namespace gclab {
namespace {

std::string Clock(int64_t nanos) {
  const int64_t s = nanos / 1'000'000'000;
  return absl::StrFormat("%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
}

}  // namespace

Progress::Progress(size_t total, size_t done)
    : total_(total), done_(done), start_(MonotonicNanos()), tty_(isatty(STDERR_FILENO)) {}

void Progress::Starting(const std::string& key, const std::string& label) {
  if (!tty_) return;
  std::fprintf(stderr, "\r\033[K[%zu/%zu] %s %s | %s elapsed%s", done_ + 1, total_,
               key.c_str(), label.c_str(), Clock(MonotonicNanos() - start_).c_str(),
               Eta().c_str());
}

void Progress::Finished(const std::string& key, const std::string& label, RunStatus status,
                        double seconds, const std::string& error) {
  ++done_;
  ++finished_here_;
  if (tty_) {
    std::fprintf(stderr, "\r\033[K");
    if (status == RunStatus::kOk) return;
  }
  std::fprintf(stderr, "gclab: [%zu/%zu] %s %s: %s (%.1fs)%s%s\n", done_, total_, key.c_str(),
               label.c_str(), std::string(RunStatusName(status)).c_str(), seconds,
               error.empty() ? "" : ": ", error.c_str());
}

std::string Progress::Eta() const {
  if (finished_here_ == 0) return "";
  const int64_t per_run = (MonotonicNanos() - start_) / finished_here_;
  return ", ETA " + Clock(per_run * int64_t(total_ - done_));
}

}  // namespace gclab
