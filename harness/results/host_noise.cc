#include "harness/results/host_noise.h"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_format.h"
#include "runtime/clock.h"

namespace gclab {
namespace {

int64_t TimevalNanos(const timeval& t) { return int64_t(t.tv_sec) * 1'000'000'000 + t.tv_usec * 1000; }

int64_t TicksPerSecond() {
  const long ticks = sysconf(_SC_CLK_TCK);
  return ticks > 0 ? ticks : 100;
}

int OnlineCpus() {
  const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  return cpus > 0 ? int(cpus) : 1;
}

}  // namespace

HostSample SampleHost() {
  HostSample sample;
  rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) == 0) {
    sample.process_cpu_nanos = TimevalNanos(usage.ru_utime) + TimevalNanos(usage.ru_stime);
    sample.voluntary_switches = usage.ru_nvcsw;
    sample.involuntary_switches = usage.ru_nivcsw;
    sample.page_faults = usage.ru_minflt + usage.ru_majflt;
  }
  if (FILE* stat = std::fopen("/proc/stat", "r")) {
    long long user, nice, system, idle, iowait, irq, softirq, steal;
    if (std::fscanf(stat, "cpu %lld %lld %lld %lld %lld %lld %lld %lld", &user, &nice, &system,
                    &idle, &iowait, &irq, &softirq, &steal) == 8) {
      sample.busy_ticks = user + nice + system + irq + softirq;
      sample.steal_ticks = steal;
      sample.have_proc_stat = true;
    }
    std::fclose(stat);
  }
  if (FILE* schedstat = std::fopen("/proc/thread-self/schedstat", "r")) {
    long long on_cpu, waiting;
    if (std::fscanf(schedstat, "%lld %lld", &on_cpu, &waiting) == 2) {
      sample.thread_wait_nanos = waiting;
    }
    std::fclose(schedstat);
  }
  return sample;
}

double LoadAverage1m() {
  double load = -1;
  if (FILE* file = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(file, "%lf", &load) != 1) load = -1;
    std::fclose(file);
  }
  return load;
}

HostNoise HostNoiseBetween(const HostSample& before, const HostSample& after) {
  HostNoise noise;
  noise.process_cpu_seconds = (after.process_cpu_nanos - before.process_cpu_nanos) / 1e9;
  noise.voluntary_switches = after.voluntary_switches - before.voluntary_switches;
  noise.involuntary_switches = after.involuntary_switches - before.involuntary_switches;
  noise.page_faults = after.page_faults - before.page_faults;
  if (before.have_proc_stat && after.have_proc_stat) {
    const double tick = 1.0 / double(TicksPerSecond());
    const double busy = (after.busy_ticks - before.busy_ticks) * tick;
    noise.other_cpu_seconds = std::max(0.0, busy - noise.process_cpu_seconds);
    noise.steal_seconds = (after.steal_ticks - before.steal_ticks) * tick;
    noise.tick_error_seconds = 2 * OnlineCpus() * tick;
  }
  if (before.thread_wait_nanos >= 0 && after.thread_wait_nanos >= 0) {
    noise.thread_wait_seconds = (after.thread_wait_nanos - before.thread_wait_nanos) / 1e9;
  }
  return noise;
}

void HiccupMeter::Start() {
  stop_.store(false, std::memory_order_relaxed);
  hiccups_.clear();
  hiccups_.reserve(1 << 16);
  thread_ = std::thread([this] {
    // Wake-ups are otherwise allowed 50 µs of slack, which the meter would report.
    prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0);
    timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!stop_.load(std::memory_order_relaxed)) {
      next.tv_nsec += kIntervalNanos;
      if (next.tv_nsec >= 1'000'000'000) {
        next.tv_nsec -= 1'000'000'000;
        ++next.tv_sec;
      }
      clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, nullptr);
      timespec now;
      clock_gettime(CLOCK_MONOTONIC, &now);
      const int64_t late = (now.tv_sec - next.tv_sec) * 1'000'000'000 + (now.tv_nsec - next.tv_nsec);
      hiccups_.push_back(std::max<int64_t>(0, late));
      // After a long stall, measure from now rather than replaying every missed tick.
      if (late > kIntervalNanos) next = now;
    }
  });
}

void HiccupMeter::Stop() {
  if (!thread_.joinable()) return;
  stop_.store(true, std::memory_order_relaxed);
  thread_.join();
}

std::string NoisyBecause(const HostNoise& noise, double wall_seconds, int mutator_threads) {
  if (wall_seconds <= 0) return "";
  if (mutator_threads == 1 && OnlineCpus() >= 2 && noise.thread_wait_seconds >= 0) {
    const double waiting = noise.thread_wait_seconds / wall_seconds;
    if (waiting > kNoisyWaitFraction) {
      return absl::StrFormat("the mutator waited for a CPU %.0f%% of the time", 100 * waiting);
    }
  }
  if (noise.other_cpu_seconds >= 0) {
    const double other_cores =
        std::max(0.0, noise.other_cpu_seconds - noise.tick_error_seconds) / wall_seconds;
    if (other_cores > kNoisyOtherCores) {
      return absl::StrFormat("other processes used %.2f CPUs", other_cores);
    }
  }
  if (noise.steal_seconds >= 0) {
    const double stolen =
        std::max(0.0, noise.steal_seconds - noise.tick_error_seconds) / wall_seconds;
    if (stolen > kNoisyStealFraction) {
      return absl::StrFormat("the hypervisor stole %.1f%% of the time", 100 * stolen);
    }
  }
  return "";
}

}  // namespace gclab
