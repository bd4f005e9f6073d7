// The gclab command: see `gclab --help` and `gclab COMMAND --help`.
//
// The commands and their flags: harness/cli/command_table.cc; parsing and checking the
// command line: harness/cli/command_line.h. Bad input gets one line on stderr naming what
// is valid, exit status 2, and leaves nothing behind.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "harness/cli/command_line.h"
#include "harness/commands/commands.h"
#include "harness/cli/flags.h"
#include "runtime/plugin_loader.h"

int main(int argc, char** argv) {
  using namespace gclab;
  absl::StatusOr<ParsedCommand> parsed =
      ParseCommandLine(std::vector<std::string>(argv + 1, argv + argc));
  if (!parsed.ok()) return CommandError(parsed.status().message());
  if (parsed->help) {
    std::printf("%s", HelpText(parsed->name).c_str());
    return kExitOk;
  }
  for (const std::string& plugin : absl::GetFlag(FLAGS_plugin)) {
    if (absl::Status status = LoadPlugin(plugin); !status.ok()) {
      return CommandError(absl::StrCat("--plugin: ", status.message()));
    }
  }
  return FindCommand(parsed->name)->handler(*parsed);
}
