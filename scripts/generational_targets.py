#!/usr/bin/env python3
"""Tables of scripts/generational_targets.sh's results folder, with issue 21's targets:

  scripts/generational_targets.py OUT_FOLDER   (holds binary-trees/, latency/, floor/)

binary-trees at 64 MiB: generational's wall time over marksweep's (target at most 0.85x)
and over copying's (target at most 1x). lru-cache and server at 2x each collector's
minimum heap: throughput over marksweep's (target above 1) and the p99 of the minor
pauses (target under 2 ms), each run's p99 then the median over runs; next to them the
host's floor (nogc, which never collects): its throughput and hiccup p99 and max.
Ratios are of medians with a 95% bootstrap interval that resamples both sides' runs.
"""
import csv
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gclabplot.interpreter import ensure_matplotlib  # noqa: E402

ensure_matplotlib()  # gclabplot.stats needs numpy, which comes with it
from gclabplot.stats import median_ratio_interval  # noqa: E402


def load(folder):
    """{(collector, workload): [ok run rows]}, and {run_key: [(kind, duration_us)]}."""
    runs = {}
    by_key = {}
    with open(os.path.join(folder, "runs.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["status"] == "ok":
                runs.setdefault((row["collector"], row["workload"]), []).append(row)
                by_key[row["run_key"]] = row
    pauses = {}
    with open(os.path.join(folder, "pauses.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["run_key"] in by_key:
                pauses.setdefault(row["run_key"], []).append(
                    (row["kind"], float(row["duration_us"])))
    return runs, pauses


def med(rows, column):
    return statistics.median(float(r[column]) for r in rows)


def p99(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(0.99 * len(values)))] if values else None


def ratio(base, other, column):
    value, low, high = median_ratio_interval([float(r[column]) for r in base],
                                             [float(r[column]) for r in other])
    return value, low, high


def fmt(r):
    if r[1] is None:
        return f"{r[0]:.3f}x (no interval: under 5 runs a side)"
    return f"{r[0]:.3f}x ({r[1]:.3f}-{r[2]:.3f})"


def main():
    if len(sys.argv) != 2:
        sys.exit("generational_targets.py: usage: generational_targets.py OUT_FOLDER (made "
                 "by scripts/generational_targets.sh)")
    out = sys.argv[1]
    trees, _ = load(os.path.join(out, "binary-trees"))
    latency, pauses = load(os.path.join(out, "latency"))
    floor, _ = load(os.path.join(out, "floor"))

    gen = trees[("generational", "binary-trees")]
    vs_ms = ratio(trees[("marksweep", "binary-trees")], gen, "wall_s")
    vs_copy = ratio(trees[("copying", "binary-trees")], gen, "wall_s")
    print("binary-trees, 64 MiB: generational's median wall time over")
    print(f"  marksweep's: {fmt(vs_ms)}  target <= 0.85x: "
          f"{'met' if vs_ms[0] <= 0.85 else 'NOT met'}"
          f"{'' if vs_ms[2] <= 0.85 else ' (the interval reaches above 0.85)'}")
    print(f"  copying's:   {fmt(vs_copy)}  target <= 1x: "
          f"{'met' if vs_copy[0] <= 1 else 'NOT met'}"
          f"{'' if vs_copy[2] <= 1 else ' (the interval reaches above 1)'}")
    for collector in ("marksweep", "copying", "generational"):
        rows = trees[(collector, "binary-trees")]
        print(f"  {collector:14s} wall {1000 * med(rows, 'wall_s'):.1f} ms, "
              f"GC CPU {1000 * med(rows, 'gc_cpu_s'):.1f} ms, {len(rows)} runs")
    print(f"  floor (nogc): wall {1000 * med(floor[('nogc', 'binary-trees')], 'wall_s'):.1f} ms")
    print()
    print("2x each collector's minimum heap: ops/s (median), over marksweep's, minor-pause "
          "p99 (median of the runs' p99s), heap")
    for workload in ("lru-cache", "server"):
        base = latency[("marksweep", workload)]
        nogc = floor[("nogc", workload)]
        print(f"  {workload}: floor (nogc) {med(nogc, 'ops_per_s'):,.0f} ops/s, hiccup p99 "
              f"{med(nogc, 'hiccup_p99_us') / 1000:.2f} ms, max "
              f"{med(nogc, 'hiccup_max_us') / 1000:.2f} ms")
        for collector in ("marksweep", "generational", "generational:nursery=2"):
            rows = latency[(collector, workload)]
            line = (f"    {collector:24s} {med(rows, 'ops_per_s'):>12,.0f} ops/s  "
                    f"heap {float(rows[0]['heap_bytes']) / 2**20:.1f} MiB")
            if collector != "marksweep":
                r = ratio(base, rows, "ops_per_s")
                minor = [p99([d for kind, d in pauses.get(row["run_key"], [])
                              if kind == "minor"]) for row in rows]
                minor = [m for m in minor if m is not None]
                m99 = statistics.median(minor) / 1000 if minor else None
                line += f"  over marksweep {fmt(r)}"
                line += f"  minor p99 {m99:.2f} ms" if m99 is not None else "  no minor pauses"
                met = r[0] > 1 and m99 is not None and m99 < 2
                line += f"  target: {'met' if met else 'NOT met'}"
            print(line)


if __name__ == "__main__":
    main()
