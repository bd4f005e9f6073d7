"""Lower-bound overhead (Cai, Blackburn et al., "Distilling the Real Cost of Production
Garbage Collectors", ISPASS 2022).

For each benchmark (workload, thread count, escape analysis) the cost the program would
have with a free collector is bounded below by the best "distilled" cost over every
collector and every heap size run: a run's total minus the GC cost its collector
accounts for itself. Wall time: wall minus stop-the-world pause time. CPU time: mutator
plus GC CPU, minus GC CPU. A (collector, heap) cell's LBO is its total over that one
bound, minus one, so cells of one benchmark are comparable across heap sizes too. Each
cost is a median over the cell's runs of that cost computed run by run (a run's own
mutator plus GC CPU, say), never a sum of medians taken from different runs.

Which cell sets the bound is in lbo.csv (`bound_wall_from`, `bound_cpu_from`). It need
not be nogc's: nogc bump-allocates into fresh memory that the kernel must fault in,
where a collector that reuses its memory does not pay for that.
"""
from . import stats
from .results import heap_order

COLUMNS = ("workload", "threads", "escape_analysis", "heap", "collector", "lbo_wall",
           "lbo_cpu", "bound_wall_from", "bound_cpu_from", "failures")


def lbo_rows(results):
    """Rows in COLUMNS order; LBO values are fractions (None where every run failed)."""
    benchmarks = {}
    for key, runs in results.cells().items():
        benchmarks.setdefault((key[1], key[3], key[4]), {})[(key[0], key[2])] = runs
    rows = []
    for (workload, threads, ea), cells in sorted(benchmarks.items()):
        totals = {}
        for cell, runs in cells.items():
            ok = [r for r in runs if r.ok]
            if not ok:
                continue
            totals[cell] = (
                stats.median([r.get("wall_s") for r in ok]),
                stats.median([r.get("wall_s") - r.get("pause_total_ms", 0) / 1000
                              for r in ok if r.get("wall_s") is not None]),
                stats.median([r.get("mutator_cpu_s") + r.get("gc_cpu_s") for r in ok
                              if r.get("mutator_cpu_s") is not None
                              and r.get("gc_cpu_s") is not None]),
                stats.median([r.get("mutator_cpu_s") for r in ok]))
            if None in totals[cell]:
                del totals[cell]
        if not totals:
            continue
        wall_from = min(totals, key=lambda c: totals[c][1])
        cpu_from = min(totals, key=lambda c: totals[c][3])
        wall_bound, cpu_bound = totals[wall_from][1], totals[cpu_from][3]
        for (collector, heap), runs in sorted(cells.items(),
                                              key=lambda c: (heap_order(c[0][1]), c[0][0])):
            failed = [r for r in runs if not r.ok]
            note = (f"{len(failed)}/{len(runs)} failed "
                    f"({', '.join(sorted({r.status for r in failed}))})" if failed else "")
            total = totals.get((collector, heap))
            rows.append((workload, threads, ea, heap, collector,
                         total[0] / wall_bound - 1 if total and wall_bound > 0 else None,
                         total[2] / cpu_bound - 1 if total and cpu_bound > 0 else None,
                         f"{wall_from[0]} {wall_from[1]}", f"{cpu_from[0]} {cpu_from[1]}",
                         note))
    return rows


def lbo_chart(charts, rows):
    """Per benchmark: LBO of every (collector, heap) cell, wall time above, CPU below."""
    import matplotlib.pyplot as plt
    benchmarks = sorted({r[:3] for r in rows})
    if not benchmarks:
        return []
    collectors = sorted({r[4] for r in rows})
    fig, axes = plt.subplots(2, len(benchmarks),
                             figsize=(max(5.5, 0.3 * len(collectors) * len(charts.heaps) + 1.5)
                                      * len(benchmarks), 7.0), squeeze=False)
    width = 0.8 / len(collectors)
    for col, bench in enumerate(benchmarks):
        mine = [r for r in rows if r[:3] == bench]
        heaps = sorted({r[3] for r in mine}, key=heap_order)
        for ax, index, what in ((axes[0][col], 5, "wall time"), (axes[1][col], 6, "CPU time")):
            for i, heap in enumerate(heaps):
                for j, collector in enumerate(collectors):
                    row = next((r for r in mine if r[3] == heap and r[4] == collector), None)
                    if row is None:
                        continue
                    x = i - 0.4 + (j + 0.5) * width
                    if row[index] is None:
                        ax.plot(x, 0, "x", color="red", markersize=9)
                        ax.annotate("failed", (x, 0), rotation=90, textcoords="offset points",
                                    xytext=(0, 6), ha="center", fontsize=6, color="red")
                        continue
                    ax.bar(x, 100 * row[index], width, color=charts.colour[collector],
                           edgecolor="black", linewidth=0.4)
            ax.set_xticks(range(len(heaps)))
            ax.set_xticklabels([f"heap {h}" for h in heaps], fontsize=8)
            ax.set_ylabel("lower-bound overhead (%)")
            workload, threads, ea = bench
            name = workload + (f" t={threads}" if threads != 1 else "") + \
                (f" ea={ea}" if ea != "on" else "")
            bound = mine[0][7] if index == 5 else mine[0][8]
            ax.set_title(f"{name}: LBO, {what} (bound: distilled {bound})", fontsize=9)
            ax.grid(True, axis="y", alpha=0.3)
    fig.tight_layout()
    charts._legend_below(fig, heaps=False)
    return charts._save(fig, "lbo")
