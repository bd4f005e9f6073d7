// File: harness/command_line.h
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
#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/statusor.h"
#include "harness/matrix.h"

ABSL_DECLARE_FLAG(std::vector<std::string>, collectors);
ABSL_DECLARE_FLAG(std::vector<std::string>, workloads);
ABSL_DECLARE_FLAG(std::string, out);
ABSL_DECLARE_FLAG(std::string, shard);
ABSL_DECLARE_FLAG(std::string, minheap_cache);
ABSL_DECLARE_FLAG(bool, refresh);
ABSL_DECLARE_FLAG(std::string, spec);
ABSL_DECLARE_FLAG(std::vector<std::string>, plugin);
ABSL_DECLARE_FLAG(bool, rerun_noisy);
ABSL_DECLARE_FLAG(std::string, baseline);
ABSL_DECLARE_FLAG(std::string, candidate);
ABSL_DECLARE_FLAG(std::vector<std::string>, metrics);

namespace gclab {

struct ParsedCommand {
  std::string name;                   // "run", "list", ...; empty with --help alone
  bool help = false;                  // --help was given: print HelpText(name)
  std::vector<std::string> operands;  // the arguments that are not flags
};

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
