// File: harness/results/host_noise.h
//
// What the machine did while a run was measured, so that a slow host is never taken
// for a slow collector:
//
//  - HostSample / HostNoiseBetween: this process's CPU time and context switches
//    (getrusage), the CPU time every other process took and the time stolen by the
//    hypervisor (/proc/stat), and the load average when the region began;
//  - HiccupMeter: jHiccup's idea, a thread outside the runtime that sleeps a fixed
//    short interval and records how late it wakes. It is no mutator (never stopped
//    for a collection), so its lateness is the floor this process meets from the
//    scheduler, the kernel and the hardware: a batch that took 4 ms while the meter
//    was 4 ms late somewhere in the same run was delayed by the host, not only by
//    the collector.
//
// IsNoisy turns these into one verdict with a fixed rule (results/README.md).
#ifndef GCLAB_HARNESS_HOST_NOISE_H_
#define GCLAB_HARNESS_HOST_NOISE_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

namespace gclab {

struct HostSample {
  int64_t process_cpu_nanos = 0;  // user + system, every thread of this process
  int64_t voluntary_switches = 0;
  int64_t involuntary_switches = 0;
  int64_t page_faults = 0;  // minor and major
  // /proc/stat, summed over CPUs, in clock ticks: busy = user + nice + system + irq +
  // softirq (steal is counted apart).
  int64_t busy_ticks = 0;
  int64_t steal_ticks = 0;
  bool have_proc_stat = false;
  // The calling thread's time ready to run but waiting for a CPU (schedstat, ns);
  // -1 where the kernel does not report it.
  int64_t thread_wait_nanos = -1;
};
HostSample SampleHost();

struct HostNoise {
  double process_cpu_seconds = 0;
  int64_t voluntary_switches = 0;
  int64_t involuntary_switches = 0;
  int64_t page_faults = 0;
  // Busy CPU time of the whole machine less this process's; negative values (tick
  // rounding) are clamped to 0. -1 where /proc/stat could not be read.
  double other_cpu_seconds = -1;
  double steal_seconds = -1;
  // How far each of other_cpu_seconds and steal_seconds may be off through the clock
  // tick of /proc/stat: one tick per CPU at each end of the region.
  double tick_error_seconds = 0;
  double load_average_1m = -1;  // when the region began
  // The sampling thread's time waiting for a CPU; -1 where unknown.
  double thread_wait_seconds = -1;
};
HostNoise HostNoiseBetween(const HostSample& before, const HostSample& after);
double LoadAverage1m();  // -1 if /proc/loadavg cannot be read

// jHiccup-style meter. Start and Stop from one thread; hiccups() after Stop.
class HiccupMeter {
 public:
  static constexpr int64_t kIntervalNanos = 1'000'000;

  HiccupMeter() = default;
  ~HiccupMeter() { Stop(); }
  HiccupMeter(const HiccupMeter&) = delete;
  HiccupMeter& operator=(const HiccupMeter&) = delete;

  void Start();
  void Stop();
  // How late each wake-up was, in nanoseconds, in order.
  const std::vector<int64_t>& hiccups() const { return hiccups_; }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<int64_t> hiccups_;
};

// The rule that marks a run noisy, applied to what was measured over its
// `wall_seconds` (sampled on the thread of the first mutator):
//  - other processes took more than kNoisyOtherCores of a CPU on average, or the
//    hypervisor stole more than kNoisyStealFraction of the wall time, each after
//    allowing for /proc/stat's tick error in the run's favour (so runs much shorter
//    than a few ticks per CPU are judged by the next rule alone);
//  - with one mutator thread (which gclab's own threads, a collector's worker and
//    the hiccup meter, leave a CPU on a machine of two or more), that thread waited
//    for a CPU more than kNoisyWaitFraction of the wall time.
// Returns the reason, or an empty string when the run is not noisy.
inline constexpr double kNoisyOtherCores = 0.25;
inline constexpr double kNoisyStealFraction = 0.02;
inline constexpr double kNoisyWaitFraction = 0.10;
std::string NoisyBecause(const HostNoise& noise, double wall_seconds, int mutator_threads);

}  // namespace gclab

#endif  // GCLAB_HARNESS_HOST_NOISE_H_
