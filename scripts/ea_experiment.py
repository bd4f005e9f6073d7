#!/usr/bin/env python3
"""The table and chart of scripts/ea_experiment.sh's results folder (issue 21):

  scripts/ea_experiment.py OUT_FOLDER

For each workload and heap (2x, 4x each collector's minimum): generational's speed-up
over marksweep with escape analysis off and on (marksweep's median wall time over
generational's, with a 95% bootstrap interval that resamples both sides' runs:
gclabplot.stats.median_ratio_interval), and the share of heap allocation (bytes and
objects) escape analysis removes (1 - heap allocation with it on / with it off, from
marksweep's runs: allocation does not depend on the collector). Then the same
speed-ups for copying and concurrent, as geometric means over the workloads, and
what the data say, worked out from them.

Writes OUT_FOLDER/ea-experiment.md (the tables) and OUT_FOLDER/charts/ea-speedup.svg
and .png (the chart), and prints the tables.
"""
import csv
import math
import os
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gclabplot.interpreter import ensure_matplotlib  # noqa: E402

ensure_matplotlib()
import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from gclabplot.palette import colours  # noqa: E402
from gclabplot.stats import median_ratio_interval  # noqa: E402

BASE = "marksweep"
OTHERS = ("generational", "generational:pretenure=off", "copying", "concurrent")


def load(folder):
    """{(collector, workload, heap_x, ea): [row, ...]} of every run, and the folder's
    size preset."""
    path = os.path.join(folder, "runs.csv")
    if not os.path.exists(path):
        sys.exit(f"ea_experiment.py: {path} does not exist; make it with "
                 "scripts/ea_experiment.sh")
    cells = {}
    sizes = set()
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            key = (row["collector"], row["workload"], row["heap_x"], row["escape_analysis"])
            cells.setdefault(key, []).append(row)
            sizes.add(row["size"])
    return cells, sizes


def ok(rows):
    return [r for r in rows if r["status"] == "ok"]


def failed(rows):
    return sorted({r["status"] for r in rows if r["status"] != "ok"})


def speedup(cells, collector, workload, heap_x, ea):
    """(median marksweep wall / median collector wall, low, high), or a failure note."""
    base = cells.get((BASE, workload, heap_x, ea), [])
    other = cells.get((collector, workload, heap_x, ea), [])
    if not ok(base) or not ok(other):
        return None, "/".join(failed(base) + failed(other)) or "no runs"
    ratio, low, high = median_ratio_interval([float(r["wall_s"]) for r in ok(other)],
                                             [float(r["wall_s"]) for r in ok(base)])
    return (ratio, low, high), None


def removed_share(cells, workload, heap_x, column):
    on = ok(cells.get((BASE, workload, heap_x, "on"), []))
    off = ok(cells.get((BASE, workload, heap_x, "off"), []))
    if not on or not off:
        return None
    with_ea = statistics.median(float(r[column]) for r in on)
    without = statistics.median(float(r[column]) for r in off)
    return 1 - with_ea / without if without else None


def fmt_ratio(result):
    value, note = result
    if value is None:
        return f"— ({note})"
    ratio, low, high = value
    if low is None:
        return f"{ratio:.2f}x"
    return f"{ratio:.2f}x ({low:.2f}–{high:.2f})"


def fmt_share(share):
    return "—" if share is None else f"{100 * share:.0f}%"


def separated(a, b):
    """Whether two (ratio, low, high) intervals do not overlap (never, without both)."""
    if None in (a[1], a[2], b[1], b[2]):
        return False
    return a[2] < b[1] or b[2] < a[1]


def geomean(values):
    values = [v for v in values if v]
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def main():
    if len(sys.argv) != 2:
        sys.exit("ea_experiment.py: usage: ea_experiment.py OUT_FOLDER (made by "
                 "scripts/ea_experiment.sh)")
    folder = sys.argv[1]
    cells, sizes = load(folder)
    workloads = sorted({k[1] for k in cells})
    heaps = sorted({k[2] for k in cells}, key=float)
    label = {h: f"{float(h):g}" for h in heaps}
    lines = []
    out = lines.append

    out(f"Workload size: {', '.join(sorted(sizes))}. Speed-up: marksweep's median wall "
        "time over the collector's, 95% interval in brackets; above 1 the collector is "
        "faster. Removed: the share of heap-allocated bytes (objects) that escape "
        "analysis moves into frame arenas.")
    out("")
    def table_head(first_columns, per_heap):
        """A Markdown header: the first columns, then two (EA off, on) per heap."""
        out("| " + " | ".join(first_columns) + " |" +
            "".join(f" {per_heap(label[h])} |" for h in heaps))
        out("|" + "---|" * (len(first_columns) + 2 * len(heaps)))

    table_head(["workload", "removed by EA: bytes (objects)"],
               lambda x: f"generational, {x}x, EA off | EA on")
    results = {}
    for workload in workloads:
        share_bytes = removed_share(cells, workload, heaps[0], "heap_alloc_bytes")
        share_objects = removed_share(cells, workload, heaps[0], "heap_alloc_objects")
        row = f"| {workload} | {fmt_share(share_bytes)} ({fmt_share(share_objects)}) |"
        for heap_x in heaps:
            for ea in ("off", "on"):
                result = speedup(cells, "generational", workload, heap_x, ea)
                results[(workload, heap_x, ea)] = result[0]
                row += f" {fmt_ratio(result)} |"
        out(row)
        results[(workload, "share")] = share_bytes

    out("")
    out("Geometric mean over the workloads of each collector's speed-up over marksweep:")
    out("")
    table_head(["collector"], lambda x: f"{x}x, EA off | {x}x, EA on")
    # Only the collectors the folder ran (the small-size sitting predates pretenuring).
    for collector in [c for c in OTHERS if any(key[0] == c for key in cells)]:
        row = f"| {collector} |"
        for heap_x in heaps:
            for ea in ("off", "on"):
                values = [speedup(cells, collector, w, heap_x, ea)[0] for w in workloads]
                mean = geomean([v[0] for v in values if v is not None])
                missing = sum(v is None for v in values)
                row += " — |" if mean is None else (
                    f" {mean:.2f}x{f' ({missing} failed)' if missing else ''} |")
        out(row)

    # What the data say, counted from the intervals.
    out("")
    for heap_x in heaps:
        faster = {ea: [w for w in workloads if results[(w, heap_x, ea)] is not None
                       and results[(w, heap_x, ea)][1] is not None
                       and results[(w, heap_x, ea)][1] > 1] for ea in ("off", "on")}
        slower = {ea: [w for w in workloads if results[(w, heap_x, ea)] is not None
                       and results[(w, heap_x, ea)][2] is not None
                       and results[(w, heap_x, ea)][2] < 1] for ea in ("off", "on")}
        def moved(w):
            """+1 (-1) if turning escape analysis on raised (lowered) generational's
            speed-up with the two intervals apart, else 0."""
            off, on = results[(w, heap_x, "off")], results[(w, heap_x, "on")]
            if not off or not on or off[1] is None or on[1] is None or not separated(off, on):
                return 0
            return 1 if on[0] > off[0] else -1
        shrinks = [w for w in workloads if moved(w) < 0]
        grows = [w for w in workloads if moved(w) > 0]
        out(f"- At {label[heap_x]}x: generational is faster than marksweep (interval above 1) on "
            f"{len(faster['off'])} of {len(workloads)} workloads with escape analysis off"
            f"{' (' + ', '.join(faster['off']) + ')' if faster['off'] else ''} and on "
            f"{len(faster['on'])} with it on"
            f"{' (' + ', '.join(faster['on']) + ')' if faster['on'] else ''}; slower "
            f"(interval below 1) on {len(slower['off'])} and {len(slower['on'])}. Turning "
            f"escape analysis on shrinks generational's advantage, intervals apart, on "
            f"{len(shrinks)}{' (' + ', '.join(shrinks) + ')' if shrinks else ''} and "
            f"grows it on {len(grows)}{' (' + ', '.join(grows) + ')' if grows else ''}.")
    remset_cost(folder, cells, workloads, heaps, out)
    text = "\n".join(lines) + "\n"
    with open(os.path.join(folder, "ea-experiment.md"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    draw(folder, workloads, heaps, results)


def remset_cost(folder, cells, workloads, heaps, out):
    """What generational's remembered set costs at collection time: its remset phase
    (gathering and forwarding the remembered slots) as a share of all its pause time,
    per workload, at the smallest heap with escape analysis on; medians over runs."""
    heap_x = heaps[0]
    missing = [name for name in ("pauses.csv", "phases.csv")
               if not os.path.exists(os.path.join(folder, name))]
    if missing:
        # The committed copy of a results folder keeps runs.csv alone.
        out("")
        out(f"(No remembered-set table: {' and '.join(missing)} are not in {folder}.)")
        return
    keys = {r["run_key"]: w for w in workloads
            for r in ok(cells.get(("generational", w, heap_x, "on"), []))}
    pause = {}
    remset = {}
    minors = {}
    with open(os.path.join(folder, "pauses.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["run_key"] in keys:
                pause[row["run_key"]] = pause.get(row["run_key"], 0) + float(row["duration_us"])
                if row["kind"] == "minor":
                    minors[row["run_key"]] = minors.get(row["run_key"], 0) + 1
    with open(os.path.join(folder, "phases.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["run_key"] in keys and row["phase"] == "remset":
                remset[row["run_key"]] = remset.get(row["run_key"], 0) + float(row["duration_us"])
    out("")
    out(f"generational's remembered set at collection time ({float(heap_x):g}x, escape "
        "analysis on): the remset phase (gathering the logged slots and forwarding them) "
        "as a share of all pause time, and its time per minor collection; medians over "
        "runs.")
    out("")
    out("| workload | minor collections | remset share of pause time | remset µs per minor |")
    out("|---|---|---|---|")
    for workload in workloads:
        runs = [k for k, w in keys.items() if w == workload and pause.get(k)]
        if not runs:
            out(f"| {workload} | — | — | — |")
            continue
        share = statistics.median(remset.get(k, 0) / pause[k] for k in runs)
        count = statistics.median(minors.get(k, 0) for k in runs)
        per_minor = statistics.median(remset.get(k, 0) / minors[k] for k in runs
                                      if minors.get(k)) if any(minors.get(k) for k in runs) else None
        out(f"| {workload} | {count:g} | {100 * share:.1f}% | "
            f"{'—' if per_minor is None else f'{per_minor:.0f}'} |")


def draw(folder, workloads, heaps, results):
    palette = colours(["generational", "marksweep"])
    colour = palette["generational"]
    rgb = matplotlib.colors.to_rgb(colour)
    tint = tuple(0.5 + 0.5 * c for c in rgb)
    fig, ax = plt.subplots(figsize=(max(8, 0.9 * len(workloads) + 2), 4.8))
    bars = [(heap_x, ea) for heap_x in heaps for ea in ("off", "on")]
    width = 0.8 / len(bars)
    for i, (heap_x, ea) in enumerate(bars):
        xs, ys, errs = [], [], [[], []]
        for j, workload in enumerate(workloads):
            value = results.get((workload, heap_x, ea))
            if value is None:
                ax.text(j + (i - (len(bars) - 1) / 2) * width, 1, "x", ha="center",
                        va="center", color="#B00020")
                continue
            ratio, low, high = value
            xs.append(j + (i - (len(bars) - 1) / 2) * width)
            ys.append(ratio)
            errs[0].append(ratio - (low if low is not None else ratio))
            errs[1].append((high if high is not None else ratio) - ratio)
        # Escape analysis on: filled; the larger heap: hatched (and a lighter fill, so
        # that its hatching shows).
        fill = "white"
        if ea == "on":
            fill = colour if heap_x == heaps[0] else tint
        ax.bar(xs, [y - 1 for y in ys], width, bottom=1, yerr=errs, capsize=2,
               color=fill, edgecolor=colour,
               hatch=None if heap_x == heaps[0] else "//", ecolor="#444444",
               label=f"{float(heap_x):g}x min heap, escape analysis {ea}")
    ax.axhline(1, color="#444444", linewidth=0.8)
    ax.set_yscale("log")
    ax.set_ylabel("generational speed-up over marksweep\n(marksweep wall / generational wall)")
    ax.set_xticks(range(len(workloads)))
    labels = []
    for workload in workloads:
        share = results.get((workload, "share"))
        labels.append(f"{workload}\nEA removes {fmt_share(share)}")
    ax.set_xticklabels(labels, rotation=45, ha="right", fontsize=8)
    from matplotlib.ticker import FuncFormatter
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _: f"{v:g}x"))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=len(bars), fontsize=8,
              frameon=False)
    ax.set_title("Does escape analysis do a nursery's job? Generational over mark-sweep, "
                 "escape analysis off and on (medians, 95% intervals)", fontsize=9)
    fig.tight_layout()
    charts = os.path.join(folder, "charts")
    os.makedirs(charts, exist_ok=True)
    for ext in ("svg", "png"):
        fig.savefig(os.path.join(charts, f"ea-speedup.{ext}"), dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
