#include "harness/run/crash_report.h"

#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "runtime/plugin_loader.h"

namespace gclab {
namespace {

// Formatted before any fault: the handler may only write.
char collector_text[1024];
// The handler's own stack, so that a stack overflow can be reported too.
alignas(16) char alternate_stack[64 * 1024];
constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE};
struct sigaction previous_actions[std::size(kSignals)];

void Append(char* line, size_t* length, size_t capacity, const char* text) {
  while (*text != '\0' && *length + 1 < capacity) line[(*length)++] = *text++;
}

void OnFault(int signal, siginfo_t* info, void*) {
  char line[2048];
  size_t length = 0;
  Append(line, &length, sizeof(line), "gclab: fatal: ");
  Append(line, &length, sizeof(line), sigabbrev_np(signal) != nullptr ? "SIG" : "signal");
  if (sigabbrev_np(signal) != nullptr) Append(line, &length, sizeof(line), sigabbrev_np(signal));
  Append(line, &length, sizeof(line), " at address 0x");
  char hex[17];
  auto address = reinterpret_cast<uintptr_t>(info->si_addr);
  for (int i = 15; i >= 0; --i, address >>= 4) hex[i] = "0123456789abcdef"[address & 15];
  hex[16] = '\0';
  Append(line, &length, sizeof(line), hex);
  Append(line, &length, sizeof(line), " in a run of ");
  Append(line, &length, sizeof(line), collector_text);
  Append(line, &length, sizeof(line),
         ": the usual cause is a collector that freed or moved an object still in use; "
         "--verify checks the heap after every collection and names the first lost object\n");
  (void)!write(STDERR_FILENO, line, length);
  // The previous handler (a sanitizer's, or the default) deals with the fault:
  // returning re-executes the faulting instruction under it.
  for (size_t i = 0; i < std::size(kSignals); ++i) {
    if (kSignals[i] == signal) sigaction(signal, &previous_actions[i], nullptr);
  }
  // A signal sent (kill, raise) rather than caused would not come again: send it again.
  if (info->si_code <= 0) raise(signal);
}

}  // namespace

void InstallCrashReport(const std::string& collector_spec) {
  std::snprintf(collector_text, sizeof(collector_text), "%s",
                CollectorForMessages(collector_spec).c_str());
  stack_t stack{};
  stack.ss_sp = alternate_stack;
  stack.ss_size = sizeof(alternate_stack);
  sigaltstack(&stack, nullptr);
  struct sigaction action {};
  action.sa_sigaction = OnFault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  for (size_t i = 0; i < std::size(kSignals); ++i) {
    sigaction(kSignals[i], &action, &previous_actions[i]);
  }
}

}  // namespace gclab
