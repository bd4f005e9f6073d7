// File: runtime/collector_options.h
//
// A collector's options, declared once in a table (as Whippet's gc-options.c does):
// each option's name, type, default, range, help and whether only tests use it. The
// registry checks a spec's options against the table before the collector's factory
// sees them, and the factory reads them typed, defaults from the table; `gclab list`
// prints the table; every error line about an option is written here, from the
// table, so all collectors speak of their options the same way.
//
//   static const CollectorTraits traits{
//       .name = "mine",
//       .options = {{.name = "age", .type = OptionType::kInteger, .default_value = "1",
//                    .min = 1, .max = 15, .help = "minor collections survived"}},
//   };
//   ... factory (given options checked already):
//   OptionValues values(traits.options, given);  int64_t age = values.Integer("age");
//
// Thread safety: immutable after construction.
#ifndef GCLAB_RUNTIME_COLLECTOR_OPTIONS_H_
#define GCLAB_RUNTIME_COLLECTOR_OPTIONS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace gclab {

// Options given to a collector on the command line as name:key=value:key=value.
using CollectorOptions = std::map<std::string, std::string, std::less<>>;

enum class OptionType : uint8_t {
  kChoice,   // one of `choices`
  kInteger,  // a whole number in [min, max], or one of `words`
  kNumber,   // a number in [min, max] ((min, max] if min_exclusive), or one of `words`
  kSwitch,   // on or off
};

struct OptionSpec {
  std::string name;
  OptionType type = OptionType::kChoice;
  std::string default_value;         // as written on the command line
  std::vector<std::string> choices;  // kChoice: the values, in the order help lists them
  std::vector<std::string> words;    // kInteger, kNumber: words accepted besides numbers
  double min = 0;
  double max = 0;
  bool min_exclusive = false;
  // A rule besides the range (a power of two, say): values must also pass it.
  bool (*also_holds)(double) = nullptr;
  // How help and errors state the values, where the type's own words would not do
  // (they would not mention also_holds's rule).
  std::string values;
  std::string help;
  bool test_only = false;  // left out of help and of the list of valid options
};

// What values `spec` takes, in words: "dijkstra|yuasa|hybrid", "a whole number from 1
// to 15", "off or a whole number from 1 to 100000", "on or off".
std::string DescribeValues(const OptionSpec& spec);

// One line per option that is not test-only: "name=VALUES (default D): help".
std::vector<std::string> DescribeOptions(const std::vector<OptionSpec>& table);

// Checks `given` against `table` for the collector `collector`: every key must be an
// option and every value one the option takes. The error is one line that names the
// collector, the option and what is valid.
absl::Status CheckOptions(absl::string_view collector, const std::vector<OptionSpec>& table,
                          const CollectorOptions& given);

// Typed reads of options already checked (CheckOptions), each option's default where
// it was not given; asking for an option the table lacks, or as the wrong type, is a
// programming error (GCLAB_CHECK).
class OptionValues {
 public:
  OptionValues(const std::vector<OptionSpec>& table, const CollectorOptions& checked)
      : table_(table), checked_(checked) {}

  const std::string& Text(absl::string_view name) const;
  bool Is(absl::string_view name, absl::string_view value) const { return Text(name) == value; }
  int64_t Integer(absl::string_view name) const;
  double Number(absl::string_view name) const;
  bool Switch(absl::string_view name) const;
  // kInteger with words: nullopt when a word was given.
  std::optional<int64_t> IntegerUnlessWord(absl::string_view name) const;

 private:
  const OptionSpec& Spec(absl::string_view name) const;
  const OptionSpec& Spec(absl::string_view name, OptionType type) const;

  const std::vector<OptionSpec>& table_;
  const CollectorOptions& checked_;
};

}  // namespace gclab

#endif  // GCLAB_RUNTIME_COLLECTOR_OPTIONS_H_
