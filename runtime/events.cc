#include "runtime/events.h"

namespace gclab {

#define GCLAB_NAME_CASE(name, text) \
  case name:                        \
    return text;

absl::string_view PhaseName(Phase phase) {
  using enum Phase;
  switch (phase) { GCLAB_FOR_EACH_PHASE(GCLAB_NAME_CASE) }
  return "?";
}

absl::string_view PauseKindName(PauseKind kind) {
  using enum PauseKind;
  switch (kind) { GCLAB_FOR_EACH_PAUSE_KIND(GCLAB_NAME_CASE) }
  return "?";
}

absl::string_view GcCauseName(GcCause cause) {
  using enum GcCause;
  switch (cause) { GCLAB_FOR_EACH_GC_CAUSE(GCLAB_NAME_CASE) }
  return "?";
}

#undef GCLAB_NAME_CASE

absl::string_view SitePlacementName(SitePlacement placement) {
  return placement == SitePlacement::kOld ? "old" : "nursery";
}

void EventLog::AddPause(const PauseRecord& pause) {
  if (!enabled_) return;
  MutexLock lock(&mu_);
  pauses_.push_back(pause);
}

void EventLog::AddPhase(const PhaseRecord& phase) {
  if (!enabled_) return;
  MutexLock lock(&mu_);
  phases_.push_back(phase);
}

std::vector<PauseRecord> EventLog::pauses() const {
  MutexLock lock(&mu_);
  return pauses_;
}

std::vector<PhaseRecord> EventLog::phases() const {
  MutexLock lock(&mu_);
  return phases_;
}

void EventLog::AddSiteDecisions(const std::vector<SiteDecisionRecord>& decisions) {
  if (!enabled_ || decisions.empty()) return;
  MutexLock lock(&mu_);
  site_decisions_.insert(site_decisions_.end(), decisions.begin(), decisions.end());
}

std::vector<SiteDecisionRecord> EventLog::site_decisions() const {
  MutexLock lock(&mu_);
  return site_decisions_;
}

void EventLog::Clear() {
  MutexLock lock(&mu_);
  pauses_.clear();
  phases_.clear();
}

}  // namespace gclab
