// File: harness/stats/units.h
//
// Numbers as a reader wants them: 13.98 M ops/s, 2.80 ms, 412 µs, 1.2 GiB, never
// 1.398e+07. The unit follows from the results column a value comes from (its
// suffix: _s, _ms, _us, _bytes, _per_s, ...), so every table gclab prints formats
// a column the same way.
#ifndef GCLAB_HARNESS_UNITS_H_
#define GCLAB_HARNESS_UNITS_H_

#include <string>

namespace gclab {

// A duration in seconds, with the unit chosen for 3 significant digits:
// "1.23 s", "212 ms", "41.2 µs", "35 ns".
std::string HumanSeconds(double seconds);

// A rate with an SI prefix: "13.98 M ops/s" for (1.398e7, "ops/s").
std::string HumanRate(double value, const std::string& unit);

// Bytes with a binary prefix: "1.50 GiB", "412 KiB".
std::string HumanBytes(double bytes);

// `value` of results column `column` (runs.csv names) in human units; columns with
// no unit print as a plain number with up to 4 significant digits.
std::string HumanValue(const std::string& column, double value);

}  // namespace gclab

#endif  // GCLAB_HARNESS_UNITS_H_
