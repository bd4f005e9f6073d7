#!/usr/bin/env python3
"""Tables of scripts/generational_targets.sh's results folder, with issue 33's targets:

  scripts/generational_targets.py OUT_FOLDER   (holds binary-trees/, matrix/,
                                                churn-300/, floor/)

- binary-trees at 64 MiB: generational's wall time over marksweep's (target at most
  0.78x) and over copying's.
- every workload at 2x each collector's minimum heap, escape analysis on and off:
  generational's throughput over marksweep's (target at least 0.95x on every one), the
  geometric mean over the workloads (target at least 1.15x), server at least 1.7x, and
  the p99 of the minor pauses on lru-cache and server (each run's p99, then the median
  over runs; target under 2 ms). generational:pretenure=off beside it, to show what
  pretenuring buys.
- churn at 300 MiB: throughput over marksweep's (target at least 0.95x) and the
  longest full-collection pause over marksweep's longest pause (medians over runs of
  each run's longest; target at most 1.2x).
- the host's floor (nogc, which never collects): throughput and hiccup p99 and max.
Ratios are of medians with a 95% bootstrap interval that resamples both sides' runs.
"""
import csv
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gclabplot.interpreter import ensure_matplotlib  # noqa: E402

ensure_matplotlib()  # gclabplot.stats needs numpy, which comes with it
from gclabplot.stats import median_ratio_interval  # noqa: E402

GENERATIONAL = ("generational", "generational:pretenure=off")


def load(folder):
    """{(collector, workload, escape_analysis): [ok run rows]}, {run_key: [(kind, us)]},
    and the cells whose runs did not all end ok."""
    runs = {}
    failed = set()
    by_key = {}
    with open(os.path.join(folder, "runs.csv"), newline="") as f:
        for row in csv.DictReader(f):
            cell = (row["collector"], row["workload"], row["escape_analysis"])
            if row["status"] == "ok":
                runs.setdefault(cell, []).append(row)
                by_key[row["run_key"]] = row
            else:
                failed.add(cell)
    pauses = {}
    with open(os.path.join(folder, "pauses.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["run_key"] in by_key:
                pauses.setdefault(row["run_key"], []).append(
                    (row["kind"], float(row["duration_us"])))
    return runs, pauses, failed


def med(rows, column):
    return statistics.median(float(r[column]) for r in rows)


def p99(values):
    values = sorted(values)
    return values[min(len(values) - 1, int(0.99 * len(values)))] if values else None


def ratio(base, other, column):
    return median_ratio_interval([float(r[column]) for r in base],
                                 [float(r[column]) for r in other])


def fmt(r):
    if r[1] is None:
        return f"{r[0]:.3f}x [-]"
    return f"{r[0]:.3f}x ({r[1]:.3f}-{r[2]:.3f})"


def verdict(met):
    return "met" if met else "NOT met"


def minor_p99_ms(rows, pauses):
    """The median over runs of each run's minor-pause p99, in ms (None: no minor pause)."""
    per_run = [p99([d for kind, d in pauses.get(r["run_key"], []) if kind == "minor"])
               for r in rows]
    per_run = [p for p in per_run if p is not None]
    return statistics.median(per_run) / 1000 if per_run else None


def longest_ms(rows, pauses, kinds):
    """The median over runs of each run's longest pause of `kinds`, in ms."""
    per_run = [max([d for kind, d in pauses.get(r["run_key"], []) if kind in kinds] or [0])
               for r in rows]
    return statistics.median(per_run) / 1000


def binary_trees(out):
    trees, _, _ = load(os.path.join(out, "binary-trees"))
    floor, _, _ = load(os.path.join(out, "floor"))
    cell = lambda c: trees[(c, "binary-trees", "on")]
    print("binary-trees, 64 MiB: median wall time over marksweep's and copying's")
    for collector in GENERATIONAL:
        vs_ms = ratio(cell("marksweep"), cell(collector), "wall_s")
        vs_copy = ratio(cell("copying"), cell(collector), "wall_s")
        print(f"  {collector:28s} {fmt(vs_ms)} (target <= 0.78x: {verdict(vs_ms[0] <= 0.78)}); "
              f"over copying's {fmt(vs_copy)}")
    for collector in ("marksweep", "copying") + GENERATIONAL:
        rows = cell(collector)
        print(f"  {collector:28s} wall {1000 * med(rows, 'wall_s'):.1f} ms, "
              f"GC CPU {1000 * med(rows, 'gc_cpu_s'):.1f} ms, {len(rows)} runs")
    print(f"  floor (nogc, 4 GiB): wall "
          f"{1000 * med(floor[('nogc', 'binary-trees', 'on')], 'wall_s'):.1f} ms")


def matrix(out):
    runs, pauses, failed = load(os.path.join(out, "matrix"))
    floor, _, _ = load(os.path.join(out, "floor"))
    workloads = sorted({w for _, w, _ in runs} | {w for _, w, _ in failed})
    print("2x each collector's minimum heap: throughput over marksweep's (ops/s, medians)")
    print("| workload | EA | " + " | ".join(GENERATIONAL) + " |")
    print("|---|---|" + "---|" * len(GENERATIONAL))
    logs = {(c, ea): [] for c in GENERATIONAL for ea in ("on", "off")}
    below = {c: [] for c in GENERATIONAL}
    for workload in workloads:
        for ea in ("on", "off"):
            base = runs.get(("marksweep", workload, ea))
            cells = []
            for collector in GENERATIONAL:
                rows = runs.get((collector, workload, ea))
                if not base or not rows or (collector, workload, ea) in failed:
                    cells.append("failed runs" if (collector, workload, ea) in failed
                                 or ("marksweep", workload, ea) in failed else "no runs")
                    below[collector].append(f"{workload} (EA {ea})")
                    continue
                r = ratio(base, rows, "ops_per_s")
                logs[(collector, ea)].append(math.log(r[0]))
                if r[0] < 0.95:
                    below[collector].append(f"{workload} (EA {ea}) {r[0]:.3f}x")
                cells.append(fmt(r))
            print(f"| {workload} | {ea} | " + " | ".join(cells) + " |")
    print()
    for collector in GENERATIONAL:
        for ea in ("on", "off"):
            values = logs[(collector, ea)]
            if values:
                gm = math.exp(sum(values) / len(values))
                print(f"  {collector}, EA {ea}: geometric mean {gm:.3f}x over {len(values)} "
                      f"workloads (target >= 1.15x: {verdict(gm >= 1.15)})")
        print(f"  {collector}: below 0.95x (target: none): "
              f"{', '.join(below[collector]) if below[collector] else 'none'}")
    print()
    for workload in ("server", "lru-cache"):
        nogc = floor.get(("nogc", workload, "on"))
        if nogc:
            print(f"  {workload}: floor (nogc) {med(nogc, 'ops_per_s'):,.0f} ops/s, hiccup p99 "
                  f"{med(nogc, 'hiccup_p99_us') / 1000:.2f} ms, max "
                  f"{med(nogc, 'hiccup_max_us') / 1000:.2f} ms")
        for ea in ("on", "off"):
            base = runs.get(("marksweep", workload, ea))
            for collector in GENERATIONAL:
                rows = runs.get((collector, workload, ea))
                if not base or not rows:
                    continue
                r = ratio(base, rows, "ops_per_s")
                m99 = minor_p99_ms(rows, pauses)
                line = (f"    {collector:28s} EA {ea:3s} {med(rows, 'ops_per_s'):>12,.0f} ops/s "
                        f"{fmt(r)}  minor p99 ")
                line += f"{m99:.2f} ms" if m99 is not None else "- (no minor pauses)"
                line += f" (target < 2 ms: {verdict(m99 is not None and m99 < 2)})"
                if workload == "server":
                    line += f"; throughput target >= 1.7x: {verdict(r[0] >= 1.7)}"
                print(line)


def churn(out):
    runs, pauses, _ = load(os.path.join(out, "churn-300"))
    base = runs[("marksweep", "churn", "on")]
    base_pause = longest_ms(base, pauses, ("full",))
    print("churn, 300 MiB: throughput and longest full pause over marksweep's "
          f"(marksweep {med(base, 'ops_per_s'):,.0f} ops/s, longest pause {base_pause:.1f} ms)")
    for collector in GENERATIONAL:
        rows = runs.get((collector, "churn", "on"))
        if not rows:
            print(f"  {collector:28s} no runs ended ok")
            continue
        r = ratio(base, rows, "ops_per_s")
        full = longest_ms(rows, pauses, ("full",))
        print(f"  {collector:28s} {fmt(r)} (target >= 0.95x: {verdict(r[0] >= 0.95)}); "
              f"longest full pause {full:.1f} ms = {full / base_pause:.2f}x "
              f"(target <= 1.2x: {verdict(full <= 1.2 * base_pause)}); minor p99 "
              f"{minor_p99_ms(rows, pauses) or 0:.2f} ms")


def main():
    if len(sys.argv) != 2:
        sys.exit("generational_targets.py: usage: generational_targets.py OUT_FOLDER (made "
                 "by scripts/generational_targets.sh)")
    out = sys.argv[1]
    for part in ("binary-trees", "matrix", "churn-300", "floor"):
        if not os.path.exists(os.path.join(out, part, "runs.csv")):
            sys.exit(f"generational_targets.py: {out}/{part}/runs.csv is missing: run "
                     "scripts/generational_targets.sh with the same folder to finish it")
    binary_trees(out)
    print()
    matrix(out)
    print()
    churn(out)


if __name__ == "__main__":
    main()
