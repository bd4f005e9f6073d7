// File: harness/matrix/matrix.h
//
// A benchmark matrix: collectors x workloads x heap sizes x thread counts x escape
// analysis settings (the cells, in that nesting order), each run `reps` times. Like
// Google Benchmark's family -> instance expansion, but every run is its own process.
//
// Runs are interleaved: repetition 1 of every cell, then repetition 2, ..., each
// round in an order shuffled with a seed derived from the matrix seed, so machine
// drift cannot line up with any axis. The shuffle is our own (Fisher-Yates over
// SplitMix64), so the same seed gives the same order on every platform.
#ifndef GCLAB_HARNESS_MATRIX_H_
#define GCLAB_HARNESS_MATRIX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "harness/stats/split_mix64.h"
#include "workloads/workload.h"

namespace gclab {

// A heap size: absolute (MiB) or a multiple of the minimum heap.
struct HeapSetting {
  bool relative = false;
  double value = 64;

  std::string Label() const;  // "64MiB" or "2x"
};

// The limits of the matrix's axes: the parser, the run itself and the results
// reader check against these.
inline constexpr int kMaxReps = 10000;
inline constexpr int kMaxThreads = 256;
inline constexpr int kMaxWarmup = 1000;
inline constexpr double kMaxHeapMultiple = 1000;

// --reps=auto's defaults: the interval width to reach and the most repetitions.
inline constexpr double kDefaultAutoRepsCiPercent = 5;
inline constexpr int kDefaultAutoRepsCap = 30;

struct MatrixSpec {
  std::vector<std::string> collectors;
  std::vector<std::string> workloads;
  std::vector<HeapSetting> heaps;
  std::vector<int> threads = {1};
  std::vector<bool> escape_analysis = {true};
  WorkloadSize size = WorkloadSize::kDefault;
  int reps = 1;  // with --reps=auto, the most repetitions of a cell
  // 0: every cell runs `reps` times. Otherwise --reps=auto: each cell is repeated
  // until the 95% interval of its median wall time is at most this percentage of the
  // median wide, or it has run `reps` times.
  double auto_reps_ci_percent = 0;
  int warmup = 0;
  uint64_t seed = 1;
  double timeout_seconds = 600;  // one run of the matrix
  // One probe of a minimum-heap search. A probe past it is an error of the search, not
  // a heap too small: how long a probe takes depends on how busy the machine is.
  double probe_timeout_seconds = 600;
  bool verify = false;
  bool trace = false;
  bool instrument = true;
  bool hiccup_meter = true;
  bool raw_latency = false;  // --latency=raw: every batch time, besides the histograms

  nlohmann::json ToJson() const;
};

struct Cell {
  int index = 0;
  std::string collector;
  std::string workload;
  HeapSetting heap;
  int threads = 1;
  bool escape_analysis = true;

  std::string Label() const;  // human-readable, for progress and summaries
  nlohmann::json ToJson() const;  // as the manifest's "cells" lists it
};

// A cell as the manifest lists it (Cell::ToJson); an error names what is wrong.
absl::StatusOr<Cell> CellFromJson(const nlohmann::json& json);

struct PlannedRun {
  int cell = 0;
  int rep = 1;  // 1-based
  std::string Key() const;  // "c0003-r2"
};

// Every combination of the axes, in nesting order (collector, workload, heap, threads,
// escape analysis), except that a collector that never frees (traits().reclaims false:
// nogc) runs at the smallest heap multiple only: its minimum heap is everything the
// workload allocates, so every multiple measures the same thing (and larger ones only
// cost time prefaulting gigabytes). It is the common baseline at every multiple.
std::vector<Cell> ExpandCells(const MatrixSpec& spec);

// Every key of the matrix in file order: cell-major, then repetition.
std::vector<std::string> KeysInFileOrder(size_t num_cells, int reps);

// Every (cell, rep) once: rep-major, each round shuffled.
std::vector<PlannedRun> InterleavedOrder(size_t num_cells, int reps, uint64_t seed);

// "K/N" with 1 <= K <= N.
struct Shard {
  int index = 1;
  int count = 1;
};
absl::StatusOr<Shard> ParseShard(const std::string& text);
// The runs of `order` that belong to `shard`: every count-th, from index - 1.
std::vector<PlannedRun> RunsOfShard(const std::vector<PlannedRun>& order, Shard shard);

}  // namespace gclab

#endif  // GCLAB_HARNESS_MATRIX_H_
