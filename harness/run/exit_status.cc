// What every command shares: its error line and the interrupt flag.
#include "harness/run/exit_status.h"

#include <signal.h>

#include <atomic>
#include <cstdio>

namespace gclab {
namespace {

std::atomic<bool> interrupted{false};

void OnInterrupt(int) { interrupted.store(true); }

}  // namespace

void InstallInterruptHandlers() {
  struct sigaction action = {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool Interrupted() { return interrupted.load(); }

const std::atomic<bool>& InterruptFlag() { return interrupted; }

int CommandError(absl::string_view message, int status) {
  std::fprintf(stderr, "gclab: %.*s\n", static_cast<int>(message.size()), message.data());
  return status;
}

}  // namespace gclab
