#include "harness/stats/units.h"

#include <cmath>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"

namespace gclab {
namespace {

// Three significant digits for a value in [1, 1000).
std::string Three(double value) {
  const double magnitude = std::abs(value);
  if (magnitude >= 100) return absl::StrFormat("%.0f", value);
  if (magnitude >= 10) return absl::StrFormat("%.1f", value);
  return absl::StrFormat("%.2f", value);
}

}  // namespace

std::string HumanSeconds(double seconds) {
  const double magnitude = std::abs(seconds);
  if (magnitude == 0) return "0 s";
  if (magnitude >= 1) return Three(seconds) + " s";
  if (magnitude >= 1e-3) return Three(seconds * 1e3) + " ms";
  if (magnitude >= 1e-6) return Three(seconds * 1e6) + " µs";
  return Three(seconds * 1e9) + " ns";
}

std::string HumanRate(double value, const std::string& unit) {
  const double magnitude = std::abs(value);
  if (magnitude >= 1e9) return absl::StrFormat("%.2f G %s", value / 1e9, unit);
  if (magnitude >= 1e6) return absl::StrFormat("%.2f M %s", value / 1e6, unit);
  if (magnitude >= 1e3) return absl::StrFormat("%.2f k %s", value / 1e3, unit);
  return absl::StrFormat("%s %s", Three(value), unit);
}

std::string HumanBytes(double bytes) {
  const double magnitude = std::abs(bytes);
  if (magnitude >= double(1ull << 30)) return Three(bytes / double(1ull << 30)) + " GiB";
  if (magnitude >= double(1ull << 20)) return Three(bytes / double(1ull << 20)) + " MiB";
  if (magnitude >= 1024) return Three(bytes / 1024) + " KiB";
  return absl::StrFormat("%.0f B", bytes);
}

std::string HumanValue(const std::string& column, double value) {
  if (absl::EndsWith(column, "_per_s")) {
    if (absl::StartsWith(column, "ops")) return HumanRate(value, "ops/s");
    if (absl::EndsWith(column, "mb_per_s")) return HumanRate(value * 1e6, "B/s");
    return HumanRate(value, "/s");
  }
  if (absl::EndsWith(column, "_bytes")) return HumanBytes(value);
  if (absl::EndsWith(column, "_us")) return HumanSeconds(value / 1e6);
  if (absl::EndsWith(column, "_ms")) return HumanSeconds(value / 1e3);
  if (absl::EndsWith(column, "_s")) return HumanSeconds(value);
  if (std::abs(value) >= 1e4) {  // a count: 13.98 M
    std::string text = HumanRate(value, "");
    text.pop_back();
    return text;
  }
  return absl::StrFormat("%.4g", value);
}

}  // namespace gclab
