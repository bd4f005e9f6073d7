// File: collectors/generational/pretenuring.h
//
// Allocation-site pretenuring (V8's allocation sites, Blackburn et al.'s "Pretenuring
// for Java"): the generational collector's policy for which sites' objects skip the
// nursery. No threads and no heap: the collector feeds it what it measures, and it
// keeps the table mutators read on their inline fast path (kNurseryOrPretenured).
//
// What is measured, per site:
//   - (for sites of one size, structs: the collector samples no array site, whose
//     objects would spread over many size classes of its segregated old space)
//   - nursery bytes allocated, sampled: the slow path refills a mutator's nursery
//     buffer one chunk (about 32 KiB) at a time, and the allocation that overflows a
//     chunk is charged the chunk. A chunk boundary falls inside a site's objects in
//     proportion to the bytes it allocates, so the charge is an unbiased estimate of
//     its nursery allocation without a counter on the fast path (objects from a
//     quarter chunk up are taken alone and charged exactly). Chunk lengths vary at
//     random by up to 1 KiB: with one length, a loop that allocates the same objects
//     in the same order puts every boundary at the same point of its pattern, and one
//     site is charged every chunk (a test's pair-and-node loop measured its pairs'
//     survival as 56%, all of them surviving);
//   - nursery bytes that survived their first minor collection (exact: counted as the
//     collection copies them);
//   - at each full collection, the site's live bytes, and the bytes it allocated in
//     the old space since the last full collection (the runs of free cells mutators
//     took for it, charged whole as the nursery's chunks are).
//
// Decisions, each recorded (SiteDecisionRecord) so a reader sees them:
//   - to the old space, after a minor collection: a nursery site whose surviving
//     fraction over a window of at least `min_sampled_bytes` of its allocation is at
//     least `survival` (0.85 by default), in `windows` windows in a row (2: one high
//     window can be a phase, as binary-trees' one Node site is while a deep tree is
//     under construction across a minor collection; pretenured on one window, it was
//     sent back at the next full collection, its old space filled with dead trees).
//     Each window then starts again.
//   - back to the nursery, after a full collection: a pretenured site whose objects
//     in the old space mostly died before it (live now, against live at the last full
//     collection plus allocated since, below `old_survival`): its objects have
//     changed, and the nursery measures them again. Long-lived objects that still die
//     before a full collection (an LRU cache's entries) stay pretenured: the bound is
//     low on purpose, since the nursery would copy every one of them.
//
// Invariant: the table changes only in the After* calls, which the collector makes
// with the world stopped; mutators read it without synchronisation in between.
#ifndef GCLAB_COLLECTORS_GENERATIONAL_PRETENURING_H_
#define GCLAB_COLLECTORS_GENERATIONAL_PRETENURING_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "runtime/base.h"
#include "runtime/code_segment.h"
#include "runtime/events.h"

namespace gclab {

class Pretenuring {
 public:
  struct Thresholds {
    // The surviving fraction that pretenures a site: V8's (85% of an allocation site's
    // mementos found by scavenges). At 0.5, map-churn's values (64% survive the
    // nursery, then die in the old space) spread over so many blocks that its small
    // preset ran out of memory at 4x its live data, where pretenure=off did not.
    double survival = 0.85;
    size_t min_sampled_bytes = 512 * KiB;  // the smallest window that decides
    int windows = 2;                       // in a row at or above `survival`
    double old_survival = 0.1;          // below this at a full collection: back
  };

  explicit Pretenuring(Thresholds thresholds)
      : thresholds_(thresholds),
        table_(CodeSegment::kMaxSites, 0),
        sites_(CodeSegment::kMaxSites) {}

  // What mutators read (Mutator::set_pretenured_sites).
  const uint8_t* table() const { return table_.data(); }
  bool pretenured(SiteId site) const { return table_[site] != 0; }

  // Any thread, world running (the allocation slow path).
  void SampleNurseryAllocation(SiteId site, size_t bytes) {
    std::atomic_ref<uint64_t>(sites_[site].sampled).fetch_add(bytes, std::memory_order_relaxed);
  }

  // World stopped: a minor or full collection copied `bytes` of the site's objects out
  // of eden (their first survival).
  void SurvivedNursery(SiteId site, size_t bytes) { sites_[site].survived += bytes; }
  // World stopped: runs of `bytes` in all went to mutators for the site's objects in
  // the old space since the last collection (each charged whole, as a nursery chunk).
  void AllocatedOld(SiteId site, size_t bytes) { sites_[site].allocated_old += bytes; }
  // World stopped, during a full collection's mark: `bytes` of the site's objects live.
  void LiveAtFull(SiteId site, size_t bytes) { sites_[site].live_now += bytes; }

  // World stopped, after a minor collection (`cycle`, at `t` MonotonicNanos): the
  // nursery sites whose window shows them surviving go to the old space.
  void AfterMinor(uint64_t cycle, int64_t t, size_t num_sites,
                  std::vector<SiteDecisionRecord>& decisions) {
    for (size_t id = 0; id < num_sites; ++id) {
      Site& site = sites_[id];
      if (site.sampled < thresholds_.min_sampled_bytes) continue;
      const double survival =
          static_cast<double>(site.survived) / static_cast<double>(site.sampled);
      site.windows_above = survival >= thresholds_.survival ? site.windows_above + 1 : 0;
      if (table_[id] == 0 && site.windows_above >= thresholds_.windows) {
        table_[id] = 1;
        decisions.push_back(SiteDecisionRecord{cycle, t, static_cast<SiteId>(id),
                                               SitePlacement::kOld, survival, site.sampled});
      }
      site.sampled = 0;
      site.survived = 0;
    }
  }

  // World stopped, after a full collection's mark (LiveAtFull for every live object):
  // pretenured sites whose old objects mostly died go back to the nursery.
  void AfterFull(uint64_t cycle, int64_t t, size_t num_sites,
                 std::vector<SiteDecisionRecord>& decisions) {
    for (size_t id = 0; id < num_sites; ++id) {
      Site& site = sites_[id];
      const uint64_t exposed = site.live_at_last_full + site.allocated_old;
      if (table_[id] != 0 && exposed >= thresholds_.min_sampled_bytes) {
        const double survival =
            static_cast<double>(site.live_now) / static_cast<double>(exposed);
        if (survival < thresholds_.old_survival) {
          table_[id] = 0;
          site.sampled = 0;
          site.survived = 0;
          site.windows_above = 0;
          decisions.push_back(SiteDecisionRecord{cycle, t, static_cast<SiteId>(id),
                                                 SitePlacement::kNursery, survival, exposed});
        }
      }
      site.live_at_last_full = site.live_now;
      site.live_now = 0;
      site.allocated_old = 0;
    }
  }

 private:
  struct Site {
    uint64_t sampled = 0;    // nursery bytes allocated in this window (estimate)
    uint64_t survived = 0;   // of which survived their first collection
    uint64_t allocated_old = 0;      // made in the old space since the last full
    uint64_t live_now = 0;           // counted by the running full collection
    uint64_t live_at_last_full = 0;
    int windows_above = 0;  // consecutive windows at or above the survival line
  };

  const Thresholds thresholds_;
  std::vector<uint8_t> table_;
  std::vector<Site> sites_;
};

}  // namespace gclab

#endif  // GCLAB_COLLECTORS_GENERATIONAL_PRETENURING_H_
