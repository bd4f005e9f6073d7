// File: harness/cli/command_line.h
//
// The gclab command line, parsed without ever exiting: every mistake comes back as
// one status whose message names what is wrong and what is valid (main.cc prints it
// as one line and exits 2). Kept apart from main.cc so the fuzz target
// (tests/fuzz/command_line_fuzzer.cc) drives exactly the code users do.
//
// Flags are spelt --name=value with '-' or '_' (--heap-mb or --heap_mb); booleans
// also as --name and --noname. Each command takes only its own flags.
#ifndef GCLAB_HARNESS_COMMAND_LINE_H_
#define GCLAB_HARNESS_COMMAND_LINE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/strings/string_view.h"
#include "absl/status/statusor.h"
#include "harness/matrix/matrix.h"

namespace gclab {

struct ParsedCommand {
  std::string name;                   // "run", "list", ...; empty with --help alone
  bool help = false;                  // --help was given: print HelpText(name)
  std::vector<std::string> operands;  // the arguments that are not flags
  std::vector<std::string> argv;      // the whole command line, "gclab" first
};

// One gclab command: its name, its line in `gclab --help`, the flags it takes (the
// flags themselves, so that a name cannot be misspelt), what follows the flags in its
// usage line, and what does the work (returning the exit status, commands.h).
struct CommandSpec {
  std::string name;
  std::string summary;
  std::vector<absl::CommandLineFlag*> flags;
  std::string arguments;  // e.g. " FOLDER...", or empty: no operands
  int (*handler)(const ParsedCommand&);
  bool internal = false;  // not listed in `gclab --help`
  // What a flag means for this command where that differs from its own help: flag
  // name -> the help line's text, default included.
  std::map<std::string, std::string> flag_help = {};
};

// Every command, in the order `gclab --help` lists them (harness/cli/command_table.cc):
// the one table that the parser, the help text and main.cc use.
const std::vector<CommandSpec>& Commands();
const CommandSpec* FindCommand(absl::string_view name);  // null if there is none

// Parses `args` (the program name left out) and sets the flags given.
absl::StatusOr<ParsedCommand> ParseCommandLine(const std::vector<std::string>& args);

// `gclab --help` (command empty) or `gclab COMMAND --help`.
std::string HelpText(const std::string& command);

// The matrix that run (heaps = true) or minheap (false) is asked for, checked
// against the registries and this machine before anything runs.
absl::StatusOr<MatrixSpec> MatrixFromFlags(bool heaps);

// The physical memory of this machine: no heap may be larger.
uint64_t MachineMemoryBytes();

}  // namespace gclab

#endif  // GCLAB_HARNESS_COMMAND_LINE_H_
