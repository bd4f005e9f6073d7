#include "harness/results/run_record.h"

#include <algorithm>

namespace gclab {

absl::string_view RunStatusName(RunStatus status) {
#define GCLAB_NAME_CASE(name, text) \
  case RunStatus::name:            \
    return text;
  switch (status) { GCLAB_FOR_EACH_RUN_STATUS(GCLAB_NAME_CASE) }
#undef GCLAB_NAME_CASE
  return "?";
}

std::optional<RunStatus> ParseRunStatus(absl::string_view name) {
#define GCLAB_PARSE_CASE(name_, text) \
  if (name == text) return RunStatus::name_;
  GCLAB_FOR_EACH_RUN_STATUS(GCLAB_PARSE_CASE)
#undef GCLAB_PARSE_CASE
  return std::nullopt;
}

int64_t RunResult::total_pause_nanos() const {
  int64_t total = 0;
  for (const PauseRecord& pause : pauses) total += pause.duration();
  return total;
}

int64_t RunResult::max_pause_nanos() const {
  int64_t max = 0;
  for (const PauseRecord& pause : pauses) max = std::max(max, pause.duration());
  return max;
}

}  // namespace gclab
