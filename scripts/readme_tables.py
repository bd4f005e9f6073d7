#!/usr/bin/env python3
"""The README's comparison table of a results folder, as Markdown, so that the table
is regenerated from a run rather than typed:

  scripts/readme_tables.py results/reference

One table per benchmark (workload, threads, escape analysis): a row per collector, a
column per heap size, each cell the median wall time and maximum pause over the cell's
ok runs; failed cells show their status and cells with noisy runs are starred. Then
the ranges the README quotes under the tables.
Only the Python standard library.
"""
import csv
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gclabplot.results import heap_order  # noqa: E402  (standard library only too)


def two_digits(value):
    """Two or three significant digits, never an exponent: 146, 21, 4.3, 0.067."""
    if value >= 100:
        return f"{value:.0f}"
    if value >= 10:
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2g}"


def median(rows, column):
    values = [float(r[column]) for r in rows if r.get(column) not in ("", None)]
    return statistics.median(values) if values else None


def main():
    if len(sys.argv) != 2 or not os.path.isfile(os.path.join(sys.argv[1], "runs.csv")):
        print("readme_tables.py: usage: readme_tables.py RESULTS_FOLDER (a gclab results "
              "folder with runs.csv)", file=sys.stderr)
        sys.exit(2)
    with open(os.path.join(sys.argv[1], "runs.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    cells = {}
    for row in rows:
        heap = (f"{float(row['heap_x']):g}x" if row["heap_x"]
                else f"{int(row['heap_bytes']) / 2**20:g} MiB")
        key = (row["workload"], heap, row["threads"], row["escape_analysis"])
        cells.setdefault(key, {}).setdefault(row["collector"], []).append(row)
    heaps = sorted({k[1] for k in cells}, key=heap_order)
    benchmarks = sorted({(k[0], k[2], k[3]) for k in cells})
    for workload, threads, escape in benchmarks:
        label = workload + (f", t={threads}" if threads != "1" else "") + \
            (f", ea={escape}" if escape != "on" else "")
        mine = {k[1]: v for k, v in cells.items() if (k[0], k[2], k[3]) == (workload, threads, escape)}
        columns = [h for h in heaps if h in mine]
        collectors = sorted({c for by in mine.values() for c in by})
        print(f"\n{label}: median wall time in s, and maximum pause in ms, at each heap; "
              "failed cells show their status, * marks cells with noisy runs\n")
        print("| collector | " + " | ".join(f"heap {h}" for h in columns) + " |")
        print("|---|" + "---|" * len(columns))
        for collector in collectors:
            parts = []
            for heap in columns:
                runs = mine[heap].get(collector, [])
                ok = [r for r in runs if r["status"] == "ok"]
                if not runs:
                    parts.append("")
                    continue
                if not ok:
                    parts.append("/".join(sorted({r["status"] for r in runs})))
                    continue
                pause = median(ok, "pause_max_us")
                noisy = "*" if any(r["noisy"] == "1" for r in ok) else ""
                parts.append(f"{median(ok, 'wall_s'):.3f} / "
                             f"{two_digits(pause / 1000) if pause else 'no pause'}{noisy}")
            print(f"| {collector} | " + " | ".join(parts) + " |")
    ranges(cells)
    pause_ranges(sys.argv[1], rows)


def ranges(cells):
    """The two ranges the README's sentence under the table quotes."""
    layout, libgc = [], []
    for by_collector in cells.values():
        walls = {c: median([r for r in runs if r["status"] == "ok"], "wall_s")
                 for c, runs in by_collector.items()}
        walls = {c: w for c, w in walls.items() if w is not None}
        collecting = {c: w for c, w in walls.items() if c != "nogc"}
        if "marksweep" in walls and "malloc-marksweep" in walls:
            layout.append(walls["malloc-marksweep"] / walls["marksweep"])
        if "bdw" in walls:
            precise = [w for c, w in collecting.items() if c not in ("bdw", "malloc-marksweep")]
            if precise:
                libgc.append(min(precise) / walls["bdw"])
    if layout:
        print(f"\nmalloc-marksweep's wall time over marksweep's: {min(layout):.1f}-{max(layout):.1f}x")
    if libgc:
        print(f"bdw's speed relative to the fastest precise collector (nogc left out): "
              f"{min(libgc):.2f}-{max(libgc):.2f}x")


def pause_ranges(folder, rows):
    """Pause durations of every ok run pooled per collector: from the 5th percentile
    to the maximum (the README's sentence under the pause CDF)."""
    path = os.path.join(folder, "pauses.csv")
    if not os.path.isfile(path):
        return
    collector_of = {r["run_key"]: r["collector"] for r in rows if r["status"] == "ok"}
    durations = {}
    with open(path, newline="") as f:
        for pause in csv.DictReader(f):
            if pause["run_key"] in collector_of:
                durations.setdefault(collector_of[pause["run_key"]], []).append(
                    float(pause["duration_us"]) / 1000)
    parts = []
    for collector, values in sorted(durations.items()):
        values.sort()
        p5 = values[int(0.05 * (len(values) - 1))]
        parts.append(f"{collector} {two_digits(p5)}-{two_digits(values[-1])} ms")
    print("pause durations pooled, 5th percentile to maximum: " + "; ".join(parts))


if __name__ == "__main__":
    main()
