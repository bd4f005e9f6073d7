#!/usr/bin/env python3
"""Tables of scripts/concurrent_tail.sh's results folder, with issue 19's targets:

  scripts/concurrent_tail.py OUT_FOLDER    (holds churn-floor/, churn/, binary-trees/)

Every figure is the median over a cell's ok runs; ratios are against marksweep's
median in the same folder, with a 95% bootstrap interval that resamples both sides'
runs (gclabplot.stats, as the report's throughput chart does): on a noisy host a
ratio whose interval straddles a target has not been shown to meet or miss it.
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
    with open(os.path.join(folder, "runs.csv"), newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["status"] == "ok"]
    by_collector = {}
    for row in rows:
        by_collector.setdefault(row["collector"], []).append(row)
    return by_collector


def med(runs, column):
    return statistics.median(float(r[column]) for r in runs)


def verdict(ok):
    return "yes" if ok else "NO"


def ratio_with_interval(base_runs, runs, column):
    ratio, low, high = median_ratio_interval([float(r[column]) for r in base_runs],
                                             [float(r[column]) for r in runs])
    if low is None:
        return f"{ratio:.2f} (no interval: under 5 runs a side)"
    return f"{ratio:.2f} ({low:.2f}-{high:.2f})"


def main():
    if len(sys.argv) != 2:
        print("concurrent_tail.py: usage: concurrent_tail.py OUT_FOLDER (made by "
              "scripts/concurrent_tail.sh)", file=sys.stderr)
        sys.exit(2)
    out = sys.argv[1]
    floor = load(os.path.join(out, "churn-floor"))["nogc"]
    churn = load(os.path.join(out, "churn"))
    trees = load(os.path.join(out, "binary-trees"))
    floor_p999 = med(floor, "latency_p999_us") / 1000
    floor_max = med(floor, "latency_max_us") / 1000
    # Issue 19: 1 ms and 2 ms, or within 1 ms of the floor where the floor is higher.
    p999_limit = 1.0 if floor_p999 <= 1.0 else floor_p999 + 1.0
    max_limit = 2.0 if floor_max <= 2.0 else floor_max + 1.0
    base_ops = med(churn["marksweep"], "ops_per_s")
    base_gc = med(churn["marksweep"], "gc_cpu_s")
    print("churn (default size), medians of "
          f"{len(churn['marksweep'])} runs; floor = nogc at 2 GiB\n")
    print("| collector | heap | ops/s | x marksweep (95% CI) | batch p99.9 ms | batch max ms | "
          "STW max ms | MMU 1 ms | GC CPU s | x marksweep | cycles | hiccup max ms |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")

    def churn_row(name, runs, heap):
        gc = med(runs, "gc_cpu_s")
        print(f"| {name} | {heap} | {med(runs, 'ops_per_s') / 1e6:.2f} M | "
              f"{ratio_with_interval(churn['marksweep'], runs, 'ops_per_s')} | "
              f"{med(runs, 'latency_p999_us') / 1000:.2f} | "
              f"{med(runs, 'latency_max_us') / 1000:.2f} | "
              f"{med(runs, 'pause_max_us') / 1000:.3f} | {med(runs, 'mmu_1ms'):.2f} | "
              f"{gc:.2f} | {gc / base_gc if base_gc else float('nan'):.2f} | "
              f"{med(runs, 'collections'):.0f} | {med(runs, 'hiccup_max_us') / 1000:.2f} |")

    churn_row("nogc (floor)", floor, "2 GiB")
    for name in sorted(churn):
        churn_row(name, churn[name], "300 MiB")
    base_wall = med(trees["marksweep"], "wall_s")
    print(f"\nbinary-trees (default size) at 64 MiB, medians of {len(trees['marksweep'])} runs\n")
    print("| collector | wall s | x marksweep (95% CI) | cycles | STW max ms |")
    print("|---|---|---|---|---|")
    for name in sorted(trees):
        runs = trees[name]
        print(f"| {name} | {med(runs, 'wall_s'):.3f} | "
              f"{ratio_with_interval(trees['marksweep'], runs, 'wall_s')} | "
              f"{med(runs, 'collections'):.0f} | {med(runs, 'pause_max_us') / 1000:.3f} |")
    print(f"\ntargets (batch p99.9 <= {p999_limit:.2f} ms, batch max <= {max_limit:.2f} ms, "
          "STW max < 0.5 ms, ops/s >= 0.85x marksweep, MMU 1 ms >= 0.5, "
          "binary-trees <= 1.2x marksweep):")
    for name in sorted(c for c in churn if c.startswith("concurrent")):
        runs = churn[name]
        checks = {
            "p99.9": med(runs, "latency_p999_us") / 1000 <= p999_limit,
            "max": med(runs, "latency_max_us") / 1000 <= max_limit,
            "STW": med(runs, "pause_max_us") / 1000 < 0.5,
            "throughput": med(runs, "ops_per_s") / base_ops >= 0.85,
            "MMU": med(runs, "mmu_1ms") >= 0.5,
        }
        if name in trees:
            checks["binary-trees"] = med(trees[name], "wall_s") / base_wall <= 1.2
        print(f"  {name}: " + ", ".join(f"{k} {verdict(v)}" for k, v in checks.items()))


if __name__ == "__main__":
    main()
