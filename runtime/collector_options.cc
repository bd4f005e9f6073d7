#include "runtime/collector_options.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "runtime/base.h"

namespace gclab {
namespace {

bool IsWord(const OptionSpec& spec, absl::string_view value) {
  return std::find(spec.words.begin(), spec.words.end(), value) != spec.words.end();
}

// The number `value` stands for, if it is one the option takes.
std::optional<double> NumberIn(const OptionSpec& spec, absl::string_view value) {
  double number = 0;
  if (spec.type == OptionType::kInteger) {
    int64_t whole = 0;
    if (!absl::SimpleAtoi(value, &whole)) return std::nullopt;
    number = static_cast<double>(whole);
  } else if (!absl::SimpleAtod(value, &number) || !std::isfinite(number)) {
    return std::nullopt;
  }
  const bool above_min = spec.min_exclusive ? number > spec.min : number >= spec.min;
  if (!above_min || number > spec.max) return std::nullopt;
  if (spec.also_holds != nullptr && !spec.also_holds(number)) return std::nullopt;
  return number;
}

bool Takes(const OptionSpec& spec, absl::string_view value) {
  switch (spec.type) {
    case OptionType::kChoice:
      return std::find(spec.choices.begin(), spec.choices.end(), value) != spec.choices.end();
    case OptionType::kSwitch:
      return value == "on" || value == "off";
    case OptionType::kInteger:
    case OptionType::kNumber:
      return IsWord(spec, value) || NumberIn(spec, value).has_value();
  }
  return false;
}

}  // namespace

std::string DescribeValues(const OptionSpec& spec) {
  if (!spec.values.empty()) return spec.values;
  std::string numbers;
  switch (spec.type) {
    case OptionType::kChoice:
      return absl::StrJoin(spec.choices, "|");
    case OptionType::kSwitch:
      return "on or off";
    case OptionType::kInteger:
      numbers = absl::StrFormat("a whole number from %g to %g", spec.min, spec.max);
      break;
    case OptionType::kNumber:
      numbers = absl::StrFormat("a number in %s%g, %g]", spec.min_exclusive ? "(" : "[",
                                spec.min, spec.max);
      break;
  }
  if (spec.words.empty()) return numbers;
  return absl::StrCat(absl::StrJoin(spec.words, " or "), " or ", numbers);
}

std::vector<std::string> DescribeOptions(const std::vector<OptionSpec>& table) {
  std::vector<std::string> lines;
  for (const OptionSpec& spec : table) {
    if (spec.test_only) continue;
    lines.push_back(absl::StrCat(spec.name, "=", DescribeValues(spec), " (default ",
                                 spec.default_value, "): ", spec.help));
  }
  return lines;
}

absl::Status CheckOptions(absl::string_view collector, const std::vector<OptionSpec>& table,
                          const CollectorOptions& given) {
  for (const auto& [given_key, value] : given) {
    const std::string& key = given_key;  // clang 14 cannot capture a structured binding
    auto spec = std::find_if(table.begin(), table.end(),
                             [&](const OptionSpec& s) { return s.name == key; });
    if (spec == table.end()) {
      std::vector<std::string> valid;
      for (const OptionSpec& s : table) {
        if (!s.test_only) valid.push_back(s.name);
      }
      return absl::InvalidArgumentError(absl::StrCat(collector, ": unknown option '", key,
                                                     "'; valid: ", absl::StrJoin(valid, ", ")));
    }
    if (Takes(*spec, value)) continue;
    if (spec->type == OptionType::kChoice) {
      return absl::InvalidArgumentError(absl::StrCat(collector, ": unknown ", key, " '", value,
                                                     "'; valid: ",
                                                     absl::StrJoin(spec->choices, ", ")));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        collector, ": ", key, " must be ", DescribeValues(*spec), ", got '", value, "'"));
  }
  return absl::OkStatus();
}

const OptionSpec& OptionValues::Spec(absl::string_view name) const {
  auto spec = std::find_if(table_.begin(), table_.end(),
                           [&](const OptionSpec& s) { return s.name == name; });
  GCLAB_CHECK(spec != table_.end(), "an option read that its collector's table does not declare");
  return *spec;
}

const OptionSpec& OptionValues::Spec(absl::string_view name, OptionType type) const {
  const OptionSpec& spec = Spec(name);
  GCLAB_CHECK(spec.type == type, "an option read as another type than its table's");
  return spec;
}

const std::string& OptionValues::Text(absl::string_view name) const {
  auto given = checked_.find(name);
  return given != checked_.end() ? given->second : Spec(name).default_value;
}

int64_t OptionValues::Integer(absl::string_view name) const {
  std::optional<int64_t> number = IntegerUnlessWord(name);
  GCLAB_CHECK(number.has_value(), "an integer option holds a word: use IntegerUnlessWord");
  return *number;
}

std::optional<int64_t> OptionValues::IntegerUnlessWord(absl::string_view name) const {
  const OptionSpec& spec = Spec(name, OptionType::kInteger);
  const std::string& text = Text(name);
  if (IsWord(spec, text)) return std::nullopt;
  int64_t number = 0;
  GCLAB_CHECK(absl::SimpleAtoi(text, &number), "an unchecked integer option");
  return number;
}

double OptionValues::Number(absl::string_view name) const {
  Spec(name, OptionType::kNumber);
  double number = 0;
  GCLAB_CHECK(absl::SimpleAtod(Text(name), &number), "an unchecked number option");
  return number;
}

bool OptionValues::Switch(absl::string_view name) const {
  Spec(name, OptionType::kSwitch);
  return Text(name) == "on";
}

}  // namespace gclab
