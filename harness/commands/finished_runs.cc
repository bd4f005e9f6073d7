#include "harness/commands/finished_runs.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "harness/results/csv.h"
#include "harness/stats/stats.h"

namespace gclab {

std::optional<RunRow> ReadRunRow(RunFiles& runs, const std::string& key) {
  absl::StatusOr<std::string> text = runs.Read(key, "runs.csv");
  if (!text.ok()) return std::nullopt;
  absl::StatusOr<CsvTable> table = ParseCsv(*text);
  if (!table.ok() || table->rows.size() != 1 || table->Column("status") < 0) return std::nullopt;
  const std::vector<std::string>& row = table->rows[0];
  const std::optional<RunStatus> status = ParseRunStatus(row[table->Column("status")]);
  if (!status) return std::nullopt;
  RunRow run;
  run.status = *status;
  run.noisy = table->Column("noisy") >= 0 && row[table->Column("noisy")] == "1";
  if (table->Column("error") >= 0) run.error = row[table->Column("error")];
  double wall = 0;
  if (table->Column("wall_s") >= 0 && absl::SimpleAtod(row[table->Column("wall_s")], &wall)) {
    run.wall_s = wall;
  }
  return run;
}

AutoRepsVerdict JudgeCell(RunFiles& runs, int cell, int reps_done,
                          const MatrixSpec& spec) {
  std::vector<double> walls;
  for (int rep = 1; rep <= reps_done; ++rep) {
    std::optional<RunRow> row = ReadRunRow(runs, PlannedRun{cell, rep}.Key());
    if (!row) continue;
    if (row->status != RunStatus::kOk) return AutoRepsVerdict::kFailed;
    if (!row->noisy && row->wall_s) walls.push_back(*row->wall_s);
  }
  if (walls.size() < 2) return AutoRepsVerdict::kContinue;
  const MedianInterval m = MedianWithInterval(walls);
  const bool narrow = m.median > 0 && (m.high - m.low) / m.median * 100 <= spec.auto_reps_ci_percent;
  return m.confidence >= 0.95 && narrow ? AutoRepsVerdict::kConverged : AutoRepsVerdict::kContinue;
}

}  // namespace gclab
