// The command table (harness/cli/command_table.cc) is what the parser, the help text and
// main.cc read: every command's help lists its flags, every listed flag parses, and a
// flag of one command is refused by another.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "harness/cli/command_line.h"

namespace gclab {
namespace {

TEST(CommandTableTest, EveryCommandsHelpListsItsFlagsWithTheirDefaults) {
  const std::string overview = HelpText("");
  ASSERT_FALSE(Commands().empty());
  for (const CommandSpec& command : Commands()) {
    EXPECT_NE(command.handler, nullptr) << command.name;
    EXPECT_EQ(FindCommand(command.name), &command);
    EXPECT_EQ(overview.find("  " + command.name + " ") != std::string::npos, !command.internal)
        << command.name;
    const std::string help = HelpText(command.name);
    EXPECT_NE(help.find("usage: gclab " + command.name), std::string::npos) << help;
    for (const absl::CommandLineFlag* flag : command.flags) {
      const std::string dashed = absl::StrReplaceAll(flag->Name(), {{"_", "-"}});
      EXPECT_NE(help.find("--" + dashed), std::string::npos) << command.name << ": " << dashed;
      EXPECT_FALSE(flag->Help().empty()) << dashed;
    }
  }
  EXPECT_EQ(FindCommand("no-such-command"), nullptr);
}

TEST(CommandTableTest, EachCommandTakesItsOwnFlagsOnly) {
  for (const CommandSpec& command : Commands()) {
    for (const absl::CommandLineFlag* flag : command.flags) {
      const std::string arg = absl::StrCat("--", flag->Name(), "=", flag->DefaultValue());
      absl::StatusOr<ParsedCommand> parsed = ParseCommandLine({command.name, arg});
      // An empty default list is refused as a value; that is the flag's check, not the table's.
      if (!parsed.ok()) {
        EXPECT_NE(parsed.status().message().find("empty list"), std::string::npos)
            << command.name << " " << arg << ": " << parsed.status().message();
        continue;
      }
      EXPECT_EQ(parsed->name, command.name);
    }
  }
  absl::StatusOr<ParsedCommand> foreign = ParseCommandLine({"merge", "--reps=3"});
  ASSERT_FALSE(foreign.ok());
  EXPECT_NE(foreign.status().message().find("valid: --out"), std::string::npos)
      << foreign.status().message();
}

}  // namespace
}  // namespace gclab
