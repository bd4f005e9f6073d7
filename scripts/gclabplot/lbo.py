"""Lower-bound overhead (Cai, Blackburn et al., ISPASS 2022).

For each workload and heap size, the cost a program would have with a free collector
is bounded below by the best "distilled" cost over the collectors run: total minus
the GC cost the collector itself accounts for. Wall time: wall minus stop-the-world
pause time. CPU time: mutator plus GC CPU, minus GC CPU. A collector's LBO is its
total over that bound, minus one. With nogc in the folder the bound is usually
nogc's own total (it has no GC cost).
"""
from . import stats


def lbo_rows(results):
    """Rows: workload, heap, threads, escape analysis, collector, LBO wall, LBO CPU, status note."""
    groups = {}
    for key, runs in results.cells().items():
        groups.setdefault((key[1], key[2], key[3], key[4]), {})[key[0]] = runs
    rows = []
    for (workload, heap, threads, ea), by_collector in sorted(groups.items()):
        totals = {}
        for collector, runs in by_collector.items():
            ok = [r for r in runs if r.ok]
            if not ok:
                continue
            wall = stats.median([r.get("wall_s") for r in ok])
            pauses = stats.median([r.get("pause_total_ms", 0) / 1000 for r in ok])
            mutator = stats.median([r.get("mutator_cpu_s") for r in ok])
            gc = stats.median([r.get("gc_cpu_s") for r in ok])
            totals[collector] = (wall, wall - pauses, mutator + gc, mutator)
        if not totals:
            continue
        wall_bound = min(t[1] for t in totals.values())
        cpu_bound = min(t[3] for t in totals.values())
        for collector, runs in sorted(by_collector.items()):
            failed = [r for r in runs if not r.ok]
            note = (f"{len(failed)}/{len(runs)} failed ({', '.join(sorted({r.status for r in failed}))})"
                    if failed else "")
            if collector not in totals:
                rows.append((workload, heap, threads, ea, collector, None, None, note))
                continue
            wall, _, cpu, _ = totals[collector]
            rows.append((workload, heap, threads, ea, collector,
                         wall / wall_bound - 1 if wall_bound > 0 else None,
                         cpu / cpu_bound - 1 if cpu_bound > 0 else None, note))
    return rows


def lbo_chart(charts, rows):
    """Grouped bars of LBO (wall and CPU) per workload/heap and collector."""
    import matplotlib.pyplot as plt
    groups = sorted({r[:4] for r in rows})
    collectors = sorted({r[4] for r in rows})
    if not groups:
        return []
    fig, axes = plt.subplots(1, 2, figsize=(max(8, 1.4 * len(groups) * 2), 4.2), squeeze=False)
    width = 0.8 / len(collectors)
    for ax, index, title in ((axes[0][0], 5, "wall time"), (axes[0][1], 6, "CPU time")):
        for i, group in enumerate(groups):
            for j, collector in enumerate(collectors):
                row = next((r for r in rows if r[:4] == group and r[4] == collector), None)
                if row is None:
                    continue
                x = i - 0.4 + (j + 0.5) * width
                if row[index] is None:
                    ax.plot(x, 0, "x", color="red", markersize=9)
                    ax.annotate("failed", (x, 0), rotation=90, textcoords="offset points",
                                xytext=(0, 6), ha="center", fontsize=6, color="red")
                    continue
                ax.bar(x, 100 * row[index], width, color=charts.colour[collector],
                       edgecolor="black", linewidth=0.4, label=collector if i == 0 else None)
        ax.set_xticks(range(len(groups)))
        ax.set_xticklabels([f"{w}\nheap {h}" + (f" t={t}" if t != 1 else "") +
                            (f" ea={ea}" if ea != "on" else "") for w, h, t, ea in groups],
                           fontsize=7)
        ax.set_ylabel("lower-bound overhead (%)")
        ax.set_title(f"LBO, {title}")
        ax.grid(True, axis="y", alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        ax.legend(dict(zip(labels, handles)).values(), dict(zip(labels, handles)).keys(),
                  fontsize=7)
    fig.tight_layout()
    return charts._save(fig, "lbo")
