// libFuzzer target: the gclab command line (harness/cli/command_line.h), one argument
// per line of the input, through the same parsing and matrix checks as `gclab run`
// and `gclab minheap`. Besides not crashing: every rejection is one line.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/str_split.h"
#include "harness/cli/command_line.h"
#include "harness/cli/flags.h"

namespace {

// Every flag back to its default before the next input (absl::FlagSaver does the
// same but logs each restore).
void ResetFlags() {
  for (const gclab::CommandSpec& command : gclab::Commands()) {
    for (absl::CommandLineFlag* flag : command.flags) {
      std::string error;
      if (!flag->ParseFrom(flag->DefaultValue(), &error)) std::abort();
    }
  }
}

void ExpectOneLine(const absl::Status& status) {
  if (status.ok()) return;
  if (status.message().empty() || status.message().find('\n') != absl::string_view::npos) {
    std::abort();  // a rejection must be one line that says something
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::vector<std::string> args = absl::StrSplit(text, '\n');
  ResetFlags();
  absl::StatusOr<gclab::ParsedCommand> parsed = gclab::ParseCommandLine(args);
  ExpectOneLine(parsed.status());
  if (!parsed.ok() || parsed->help) return 0;
  if (parsed->name == "run" || parsed->name == "minheap") {
    absl::StatusOr<gclab::MatrixSpec> spec = gclab::MatrixFromFlags(parsed->name == "run");
    ExpectOneLine(spec.status());
    ExpectOneLine(gclab::ParseShard(absl::GetFlag(FLAGS_shard)).status());
    if (spec.ok() && parsed->name == "run" && gclab::ExpandCells(*spec).empty()) std::abort();
  }
  return 0;
}
