#include "collectors/concurrent/pacer.h"

#include <algorithm>

#include "runtime/base.h"

namespace gclab {

Pacer::Pacer(size_t capacity_bytes, std::optional<int> gogc)
    : capacity_(static_cast<double>(capacity_bytes)), gogc_(gogc) {
  SetGoalAndTrigger(0);
}

void Pacer::MarkingFinished(size_t marked_bytes, size_t in_use_bytes, MarkingEnded how) {
  const auto allocated =
      static_cast<double>(in_use_bytes - std::min(in_use_bytes, in_use_at_start_));
  switch (how) {
    case MarkingEnded::kConcurrently:
      allocated_while_marking_ = allocated > allocated_while_marking_
                                     ? allocated
                                     : (allocated_while_marking_ + allocated) / 2;
      break;
    case MarkingEnded::kHeapFull:
      allocated_while_marking_ = std::max(allocated_while_marking_, allocated) * 1.5;
      break;
    case MarkingEnded::kFullCollection:
      break;
  }
  SetGoalAndTrigger(marked_bytes);
}

void Pacer::SetGoalAndTrigger(size_t marked_bytes) {
  const double limit_goal = kLimitGoalFraction * capacity_;
  const auto marked = static_cast<double>(marked_bytes);
  double goal = limit_goal;
  if (gogc_) {
    const double minimum = std::min(4.0 * MiB, capacity_ / 4);
    goal = std::clamp(marked * (1.0 + *gogc_ / 100.0), minimum, limit_goal);
  }
  goal_bytes_.store(static_cast<size_t>(goal), std::memory_order_relaxed);
  const double runway = std::max(goal - marked, 0.0);
  const double earliest = marked + kEarliestTriggerFraction * runway;
  const double trigger =
      allocated_while_marking_ > 0
          ? std::clamp(goal - kAllocationMargin * allocated_while_marking_, earliest,
                       marked + kLatestTriggerFraction * runway)
          : earliest;
  trigger_bytes_.store(static_cast<size_t>(trigger), std::memory_order_relaxed);
}

double Pacer::AssistRatio(size_t expected_scan_bytes, size_t scanned_bytes,
                          size_t in_use_bytes) const {
  const double remaining =
      std::max(static_cast<double>(expected_scan_bytes) - static_cast<double>(scanned_bytes), 0.0);
  const double runway =
      std::max(static_cast<double>(goal_bytes()) - static_cast<double>(in_use_bytes),
               kMinRunwayBytes);
  return std::min(remaining / runway, kMaxAssistRatio);
}

}  // namespace gclab
