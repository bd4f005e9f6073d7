"""Values in human units by their column's suffix, as gclab's own tables print them
(harness/stats/units.cc): 1.23 ms, 45.6 M ops/s, 12.0 MiB."""


def _three(value):
    magnitude = abs(value)
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def seconds(value):
    magnitude = abs(value)
    if magnitude == 0:
        return "0 s"
    for scale, unit in ((1, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if magnitude >= scale:
            return f"{_three(value / scale)} {unit}"
    return f"{_three(value * 1e9)} ns"


def rate(value, unit):
    magnitude = abs(value)
    for scale, prefix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if magnitude >= scale:
            return f"{value / scale:.2f} {prefix} {unit}".rstrip()
    return f"{_three(value)} {unit}".rstrip()


def size(value):
    magnitude = abs(value)
    for scale, unit in ((2**30, "GiB"), (2**20, "MiB"), (2**10, "KiB")):
        if magnitude >= scale:
            return f"{_three(value / scale)} {unit}"
    return f"{value:.0f} B"


def human(column, value):
    """`value` of runs.csv column `column` in human units; "-" for None."""
    if value is None:
        return "-"
    if column.endswith("_per_s"):
        if column.startswith("ops"):
            return rate(value, "ops/s")
        if column.endswith("mb_per_s"):
            return rate(value * 1e6, "B/s")
        return rate(value, "/s")
    if column.endswith("_bytes"):
        return size(value)
    if column.endswith("_us"):
        return seconds(value / 1e6)
    if column.endswith("_ms"):
        return seconds(value / 1e3)
    if column.endswith("_s"):
        return seconds(value)
    if abs(value) >= 1e4:
        return rate(value, "")
    return f"{value:.4g}"
