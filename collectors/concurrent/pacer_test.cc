// The pacer, driven by simulation (as Go's mgcpacer_test.go drives its controller):
// a heap with a steady live size, mutators allocating at a fixed rate, a marker
// scanning at a fixed rate, and assists paying the ratio the pacer asks. Each test
// checks what the pacer promises: goal and trigger within their bounds, the trigger
// learning from what was allocated while marking, and marking that ends before the
// heap passes its goal.
#include "collectors/concurrent/pacer.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "gtest/gtest.h"
#include "runtime/base.h"

namespace gclab {
namespace {

constexpr size_t kCapacity = 256 * MiB;

// What one simulated cycle did.
struct SimulatedCycle {
  size_t trigger = 0;
  size_t goal = 0;
  size_t in_use_at_end = 0;  // heap in use when marking ended
  MarkingEnded how = MarkingEnded::kConcurrently;
};

// A program with `live` bytes reachable at every moment, allocating `alloc_rate`
// bytes per step, with a marker that scans `mark_rate` bytes per step; a mutator
// allocating while a cycle marks scans AssistRatio bytes per byte when `assists`.
class Simulation {
 public:
  Simulation(Pacer& pacer, size_t live, size_t alloc_rate, size_t mark_rate, bool assists)
      : pacer_(pacer), live_(live), alloc_rate_(alloc_rate), mark_rate_(mark_rate),
        assists_(assists), marked_(live) {}

  SimulatedCycle RunCycle() {
    size_t in_use = marked_;
    while (!pacer_.ShouldStartCycle(in_use)) in_use += alloc_rate_;
    SimulatedCycle cycle{.trigger = pacer_.trigger_bytes(), .goal = pacer_.goal_bytes()};
    pacer_.CycleStarted(in_use);
    const size_t at_start = in_use;
    // The last cycle's marked bytes are the scan work expected (Go's heap_marked).
    const size_t expected = marked_;
    size_t scanned = 0;
    // As Concurrent::Assist: a mutator's debt grows by ratio * bytes allocated, and a
    // mutator in debt scans in steps of kAssistStepBytes until it is not.
    double assist_credit = 0;
    while (scanned < live_) {
      if (in_use + alloc_rate_ > kCapacity) {
        cycle.how = MarkingEnded::kHeapFull;
        break;
      }
      const double ratio = assists_ ? pacer_.AssistRatio(expected, scanned, in_use) : 0;
      in_use += alloc_rate_;
      scanned += mark_rate_;
      assist_credit -= ratio * static_cast<double>(alloc_rate_);
      while (assist_credit < 0) {
        scanned += kAssistStepBytes;
        assist_credit += kAssistStepBytes;
      }
    }
    // Allocated black while marking: survives this cycle, garbage by the next.
    marked_ = live_ + (in_use - at_start);
    cycle.in_use_at_end = in_use;
    pacer_.MarkingFinished(marked_, in_use, cycle.how);
    return cycle;
  }

  size_t marked() const { return marked_; }

  static constexpr size_t kAssistStepBytes = 16 * KiB;

 private:
  Pacer& pacer_;
  const size_t live_;
  const size_t alloc_rate_;
  const size_t mark_rate_;
  const bool assists_;
  size_t marked_;
};

void ExpectTriggerWithinBounds(const Pacer& pacer, size_t marked) {
  const double runway = static_cast<double>(pacer.goal_bytes()) - static_cast<double>(marked);
  EXPECT_GE(static_cast<double>(pacer.trigger_bytes()),
            static_cast<double>(marked) + Pacer::kEarliestTriggerFraction * runway - 1);
  EXPECT_LE(static_cast<double>(pacer.trigger_bytes()),
            static_cast<double>(marked) + Pacer::kLatestTriggerFraction * runway + 1);
  EXPECT_LE(pacer.trigger_bytes(), pacer.goal_bytes());
}

TEST(PacerTest, GoalIsTheLimitWithoutGogcAndLiveTimesGogcWithIt) {
  const Pacer off(kCapacity, std::nullopt);
  EXPECT_EQ(off.goal_bytes(), static_cast<size_t>(Pacer::kLimitGoalFraction * kCapacity));

  Pacer gogc(kCapacity, 100);
  EXPECT_EQ(gogc.goal_bytes(), 4 * MiB) << "an empty heap's goal is Go's 4 MiB minimum";
  gogc.MarkingFinished(10 * MiB, 10 * MiB, MarkingEnded::kFullCollection);
  EXPECT_EQ(gogc.goal_bytes(), 20 * MiB);
  gogc.MarkingFinished(200 * MiB, 200 * MiB, MarkingEnded::kFullCollection);
  EXPECT_EQ(gogc.goal_bytes(), static_cast<size_t>(Pacer::kLimitGoalFraction * kCapacity))
      << "the goal never passes the budget's limit";

  const Pacer small(8 * MiB, 100);
  EXPECT_EQ(small.goal_bytes(), 2 * MiB) << "a small budget's minimum goal is a quarter of it";
}

TEST(PacerTest, FirstTriggerIsTheEarliest) {
  const Pacer pacer(kCapacity, std::nullopt);
  EXPECT_EQ(pacer.trigger_bytes(),
            static_cast<size_t>(Pacer::kEarliestTriggerFraction * Pacer::kLimitGoalFraction *
                                kCapacity));
}

TEST(PacerTest, TriggerStaysWithinGoBoundsWhateverWasAllocated) {
  for (std::optional<int> gogc : {std::optional<int>(), std::optional<int>(50),
                                  std::optional<int>(100), std::optional<int>(400)}) {
    Pacer pacer(kCapacity, gogc);
    size_t marked = 16 * MiB;
    for (size_t allocated : {0ul, 1 * MiB, 40 * MiB, 200 * MiB, 3 * MiB, 0ul, 90 * MiB}) {
      for (MarkingEnded how : {MarkingEnded::kConcurrently, MarkingEnded::kHeapFull,
                               MarkingEnded::kFullCollection}) {
        pacer.CycleStarted(marked);
        pacer.MarkingFinished(marked, marked + allocated, how);
        ExpectTriggerWithinBounds(pacer, marked);
        marked = marked * 5 / 4 % (100 * MiB) + MiB;
      }
    }
  }
}

TEST(PacerTest, AllocationWhileMarkingRisesAtOnceAndFallsHalfway) {
  Pacer pacer(kCapacity, std::nullopt);
  pacer.CycleStarted(100 * MiB);
  pacer.MarkingFinished(50 * MiB, 120 * MiB, MarkingEnded::kConcurrently);
  EXPECT_DOUBLE_EQ(pacer.allocated_while_marking(), 20.0 * MiB);
  pacer.CycleStarted(100 * MiB);
  pacer.MarkingFinished(50 * MiB, 104 * MiB, MarkingEnded::kConcurrently);
  EXPECT_DOUBLE_EQ(pacer.allocated_while_marking(), 12.0 * MiB);
  pacer.CycleStarted(100 * MiB);
  pacer.MarkingFinished(50 * MiB, 130 * MiB, MarkingEnded::kConcurrently);
  EXPECT_DOUBLE_EQ(pacer.allocated_while_marking(), 30.0 * MiB);
  pacer.CycleStarted(100 * MiB);
  pacer.MarkingFinished(50 * MiB, 100 * MiB, MarkingEnded::kFullCollection);
  EXPECT_DOUBLE_EQ(pacer.allocated_while_marking(), 30.0 * MiB)
      << "a full collection says nothing of the trigger";
  // The trigger leaves 1.2 times that estimate of runway before the goal.
  EXPECT_EQ(pacer.trigger_bytes(),
            pacer.goal_bytes() - static_cast<size_t>(Pacer::kAllocationMargin * 30.0 * MiB));
}

TEST(PacerTest, HeapFullMovesTheTriggerEarlier) {
  Pacer pacer(kCapacity, std::nullopt);
  pacer.CycleStarted(100 * MiB);
  pacer.MarkingFinished(50 * MiB, 110 * MiB, MarkingEnded::kConcurrently);
  const size_t after_concurrent = pacer.trigger_bytes();
  pacer.CycleStarted(100 * MiB);
  pacer.MarkingFinished(50 * MiB, 110 * MiB, MarkingEnded::kHeapFull);
  EXPECT_DOUBLE_EQ(pacer.allocated_while_marking(), 15.0 * MiB);
  EXPECT_LT(pacer.trigger_bytes(), after_concurrent);
}

TEST(PacerTest, AssistRatioIsWorkLeftOverRunwayBoundedBothWays) {
  Pacer pacer(kCapacity, std::nullopt);  // goal 243.2 MiB
  const size_t goal = pacer.goal_bytes();
  EXPECT_DOUBLE_EQ(pacer.AssistRatio(64 * MiB, 0, goal - 32 * MiB), 2.0);
  EXPECT_DOUBLE_EQ(pacer.AssistRatio(64 * MiB, 48 * MiB, goal - 32 * MiB), 0.5);
  EXPECT_DOUBLE_EQ(pacer.AssistRatio(64 * MiB, 80 * MiB, goal - 32 * MiB), 0.0)
      << "no debt once the expected work is done";
  EXPECT_DOUBLE_EQ(pacer.AssistRatio(8 * MiB, 0, goal + 10 * MiB), 8.0)
      << "past the goal the runway counts as 1 MiB";
  EXPECT_DOUBLE_EQ(pacer.AssistRatio(64 * MiB, 0, goal), Pacer::kMaxAssistRatio);
}

TEST(PacerTest, SteadyStateMarkingEndsBeforeTheGoalAndTheTriggerLearnsToStartLater) {
  // Marking takes 64 steps of 1 MiB (live 64 MiB), during which 32 MiB are allocated.
  Pacer pacer(kCapacity, std::nullopt);
  Simulation sim(pacer, 64 * MiB, 512 * KiB, 1 * MiB, /*assists=*/false);
  std::vector<SimulatedCycle> cycles;
  for (int i = 0; i < 12; ++i) cycles.push_back(sim.RunCycle());
  for (const SimulatedCycle& c : cycles) {
    EXPECT_EQ(c.how, MarkingEnded::kConcurrently);
    EXPECT_LE(c.in_use_at_end, c.goal) << "marking ended past the goal";
  }
  EXPECT_GT(cycles.back().trigger, cycles.front().trigger)
      << "with little allocation while marking, cycles should start later than the earliest";
  // Converged: the last cycles trigger at the same point.
  EXPECT_NEAR(static_cast<double>(cycles[10].trigger), static_cast<double>(cycles[11].trigger),
              1.0 * MiB);
}

TEST(PacerTest, AssistsAloneFinishMarkingAtTheGoal) {
  // No background marker at all: mutators' assists do every byte of marking. The
  // ratio keeps the work left in proportion to the runway left, so marking ends as the
  // heap reaches its goal; past the goal the runway counts as kMinRunwayBytes, so it
  // may overshoot by what is allocated while assists pay off that last stretch, at
  // least one assist step per allocation step.
  constexpr size_t kAllocStep = 64 * KiB;
  const size_t overshoot = static_cast<size_t>(Pacer::kMinRunwayBytes) /
                           Simulation::kAssistStepBytes * kAllocStep;
  for (std::optional<int> gogc : {std::optional<int>(), std::optional<int>(100)}) {
    Pacer pacer(kCapacity, gogc);
    Simulation sim(pacer, 48 * MiB, kAllocStep, 0, /*assists=*/true);
    sim.RunCycle();  // the first: the pacer has seen no heap yet
    for (int i = 1; i < 8; ++i) {
      const SimulatedCycle c = sim.RunCycle();
      EXPECT_EQ(c.how, MarkingEnded::kConcurrently) << "cycle " << i;
      EXPECT_GT(c.in_use_at_end, c.trigger) << "cycle " << i;
      EXPECT_LE(c.in_use_at_end, c.goal + overshoot) << "cycle " << i;
    }
  }
}

TEST(PacerTest, WithoutAssistsASlowMarkerFillsTheHeapAndTheTriggerMovesEarlier) {
  // The control for the test above: the same program with a marker too slow for it.
  Pacer pacer(kCapacity, std::nullopt);
  Simulation sim(pacer, 48 * MiB, 4 * MiB, 256 * KiB, /*assists=*/false);
  const SimulatedCycle first = sim.RunCycle();
  EXPECT_EQ(first.how, MarkingEnded::kHeapFull);
  // The estimate of what is allocated while marking is now over the whole runway: the
  // next cycle starts as early as Go's bounds allow.
  const double marked = static_cast<double>(sim.marked());
  const double runway = static_cast<double>(pacer.goal_bytes()) - marked;
  EXPECT_GT(Pacer::kAllocationMargin * pacer.allocated_while_marking(), runway);
  EXPECT_NEAR(static_cast<double>(pacer.trigger_bytes()),
              marked + Pacer::kEarliestTriggerFraction * runway, 1.0);
}

}  // namespace
}  // namespace gclab
