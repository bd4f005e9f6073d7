"""The charts. Each function draws one kind of chart for a whole results folder and
returns the files it wrote (none when the folder has nothing to show for it).

Failed runs (oom, timeout, crash, checksum- or verify-failed) are never dropped
silently: a panel whose cell has failed runs says so in its legend, and a cell with
no successful run is marked with an x and its status where its value would be.
Noisy runs (results/README.md: the machine was busy with other work) are drawn with
the rest and counted in the legend.
"""
import math
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import stats  # noqa: E402
from .palette import colours  # noqa: E402

PERCENTILES = (("p50", 50), ("p99", 99), ("p99.9", 99.9), ("max", 100))
MMU_WINDOWS_MS = np.logspace(-1, 4, 26)  # 100 us to 10 s


class Charts:
    def __init__(self, results, out_dir, formats=("png",), baseline=None):
        self.results = results
        self.out_dir = out_dir
        self.formats = formats
        self.baseline = baseline
        self.colour = colours(results.collectors())
        os.makedirs(out_dir, exist_ok=True)

    # --- helpers ---

    def _save(self, fig, name):
        paths = []
        for fmt in self.formats:
            path = os.path.join(self.out_dir, f"{name}.{fmt}")
            fig.savefig(path, dpi=110, bbox_inches="tight")
            paths.append(path)
        plt.close(fig)
        return paths

    def _grid(self, count, width=5.2, height=3.6):
        cols = min(3, count)
        rows = math.ceil(count / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
        for ax in axes.flat[count:]:
            ax.set_visible(False)
        return fig, list(axes.flat[:count])

    def _cells_by(self, workload):
        return {k: v for k, v in self.results.cells().items() if k[1] == workload}

    @staticmethod
    def _failure_note(runs):
        """What a legend entry must say about its runs: failures, and runs that the
        machine's other work disturbed (included, never silently)."""
        notes = []
        failed = [r for r in runs if not r.ok]
        if failed:
            kinds = sorted({r.status for r in failed})
            notes.append(f"{len(failed)}/{len(runs)} failed: {', '.join(kinds)}")
        noisy = [r for r in runs if r.ok and r.noisy]
        if noisy:
            notes.append(f"{len(noisy)}/{len(runs)} noisy")
        return f" ({'; '.join(notes)})" if notes else ""

    @staticmethod
    def _cell_name(key, with_collector=True):
        collector, _, heap, threads, ea = key
        parts = [collector] if with_collector else []
        parts.append(f"heap {heap}")
        if threads != 1:
            parts.append(f"t={threads}")
        if ea != "on":
            parts.append(f"ea={ea}")
        return " ".join(parts)

    # --- pause-time distribution ---

    def pause_cdf(self):
        workloads = self.results.workloads()
        fig, axes = self._grid(len(workloads))
        for ax, workload in zip(axes, workloads):
            drew = False
            for key, runs in self._cells_by(workload).items():
                durations = sorted(p["duration_us"] for r in runs if r.ok for p in r.pauses)
                label = self._cell_name(key) + self._failure_note(runs)
                if not durations:
                    ax.plot([], [], color=self.colour[key[0]], label=label + ": no pauses")
                    continue
                y = np.arange(1, len(durations) + 1) / len(durations)
                ax.step(durations, y, where="post", color=self.colour[key[0]], label=label,
                        linestyle="-" if key[4] == "on" else "--")
                drew = True
            if drew:
                ax.set_xscale("log")
            else:
                ax.text(0.5, 0.5, "no pauses in the measured iterations", ha="center",
                        transform=ax.transAxes)
            ax.set_ylim(0, 1.02)
            ax.set_title(f"{workload}: pause time distribution")
            ax.set_xlabel("pause duration (µs, log scale)")
            ax.set_ylabel("fraction of pauses ≤ x")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=7, loc="lower right")
        fig.suptitle("Pause-time CDF per collector (all repetitions pooled)")
        fig.tight_layout(rect=(0, 0, 1, 0.97))
        return self._save(fig, "pause_cdf")

    # --- pause percentiles ---

    def pause_percentiles(self):
        workloads = self.results.workloads()
        fig, axes = self._grid(len(workloads), width=6.0)
        for ax, workload in zip(axes, workloads):
            cells = list(self._cells_by(workload).items())
            width = 0.8 / len(PERCENTILES)
            for i, (key, runs) in enumerate(cells):
                durations = [p["duration_us"] for r in runs if r.ok for p in r.pauses]
                if not any(r.ok for r in runs):
                    ax.plot(i, 1, "x", color="red", markersize=10)
                    ax.annotate(runs[0].status, (i, 1), textcoords="offset points",
                                xytext=(0, 6), ha="center", fontsize=7, color="red")
                    continue
                for j, (name, p) in enumerate(PERCENTILES):
                    value = float(np.percentile(durations, p, method="inverted_cdf")) \
                        if durations else 0.0
                    ax.bar(i - 0.4 + (j + 0.5) * width, max(value, 1e-3), width,
                           color=self.colour[key[0]], alpha=0.35 + 0.65 * j / 3,
                           edgecolor="black", linewidth=0.4,
                           label=name if i == 0 else None)
            ax.set_xticks(range(len(cells)))
            ax.set_xticklabels([self._cell_name(k) + self._failure_note(r) for k, r in cells],
                               rotation=30, ha="right", fontsize=7)
            ax.set_yscale("log")
            ax.set_ylabel("pause (µs, log scale)")
            ax.set_title(f"{workload}: pause p50 / p99 / p99.9 / max")
            ax.grid(True, axis="y", which="both", alpha=0.3)
            ax.legend(fontsize=7, title="bars, light to dark", title_fontsize=7)
        fig.tight_layout()
        return self._save(fig, "pause_percentiles")

    # --- throughput ---

    def _baseline_for(self, cells):
        """The baseline collector among cells of one workload and heap, and its mean
        throughput: --baseline, else nogc when it has ok runs, else the fastest."""
        medians = {k[0]: stats.mean_ci95([r.get("ops_per_s") for r in runs if r.ok])[0]
                   for k, runs in cells.items()}
        medians = {c: m for c, m in medians.items() if m}
        if not medians:
            return None, None
        if self.baseline in medians:
            return self.baseline, medians[self.baseline]
        if self.baseline is None and "nogc" in medians:
            return "nogc", medians["nogc"]
        best = max(medians, key=medians.get)
        return best, medians[best]

    def throughput(self):
        groups = {}
        for key, runs in self.results.cells().items():
            groups.setdefault((key[1], key[2], key[3], key[4]), {})[key] = runs
        names = sorted(groups)
        collectors = self.results.collectors()
        fig, ax = plt.subplots(figsize=(max(6.0, 1.1 * len(names) * max(1, len(collectors)) / 2), 4.4))
        width = 0.8 / len(collectors)
        baselines = []
        for i, name in enumerate(names):
            cells = groups[name]
            base_name, base = self._baseline_for(cells)
            baselines.append(base_name or "-")
            for j, collector in enumerate(collectors):
                key = (collector,) + name
                runs = cells.get(key)
                x = i - 0.4 + (j + 0.5) * width
                if not runs:
                    continue
                ok = [r.get("ops_per_s") / base for r in runs if r.ok and base]
                if not ok:
                    ax.plot(x, 0.02, "x", color="red", markersize=9)
                    ax.annotate(sorted({r.status for r in runs})[0], (x, 0.02), rotation=90,
                                textcoords="offset points", xytext=(0, 8), ha="center",
                                fontsize=7, color="red")
                    continue
                mean, half = stats.mean_ci95(ok)
                ax.bar(x, mean, width, yerr=half, capsize=3, color=self.colour[collector],
                       edgecolor="black", linewidth=0.4,
                       label=collector if i == 0 or collector not in
                       ax.get_legend_handles_labels()[1] else None)
                if len(ok) < len(runs):
                    ax.annotate(f"{len(runs) - len(ok)} failed", (x, mean), rotation=90,
                                textcoords="offset points", xytext=(0, 10), ha="center",
                                fontsize=6, color="red")
        ax.axhline(1.0, color="black", linewidth=0.6)
        ax.set_xticks(range(len(names)))
        ax.set_xticklabels([f"{w}\nheap {h}" + (f" t={t}" if t != 1 else "") +
                            (f" ea={ea}" if ea != "on" else "") + f"\n(vs {b})"
                            for (w, h, t, ea), b in zip(names, baselines)], fontsize=7)
        ax.set_ylabel("throughput / baseline (ops/s ratio)")
        ax.set_title("Throughput normalised to the baseline collector "
                     "(mean of reps, 95% confidence interval)")
        ax.grid(True, axis="y", alpha=0.3)
        handles, labels = ax.get_legend_handles_labels()
        unique = dict(zip(labels, handles))
        ax.legend(unique.values(), unique.keys(), fontsize=7)
        fig.tight_layout()
        return self._save(fig, "throughput")

    # --- MMU ---

    def mmu(self):
        workloads = self.results.workloads()
        fig, axes = self._grid(len(workloads))
        for ax, workload in zip(axes, workloads):
            for key, runs in self._cells_by(workload).items():
                curves = [stats.mmu_curve([(p["start_ms"], p["duration_us"] / 1000)
                                           for p in r.pauses],
                                          r.get("wall_s", 0) * 1000, MMU_WINDOWS_MS)
                          for r in runs if r.ok]
                label = self._cell_name(key) + self._failure_note(runs)
                if not curves:
                    ax.plot([], [], color=self.colour[key[0]], label=label)
                    continue
                curve = np.median(np.array(curves, dtype=float), axis=0)
                ax.plot(MMU_WINDOWS_MS, curve, color=self.colour[key[0]], label=label,
                        linestyle="-" if key[4] == "on" else "--")
            ax.set_xscale("log")
            ax.set_ylim(-0.02, 1.02)
            ax.set_title(f"{workload}: minimum mutator utilisation")
            ax.set_xlabel("window (ms, log scale)")
            ax.set_ylabel("MMU (median over reps)")
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=7, loc="lower right")
        fig.tight_layout()
        return self._save(fig, "mmu")

    # --- time-space ---

    def time_space(self):
        by_workload = {}
        for key, runs in self.results.cells().items():
            by_workload.setdefault(key[1], {}).setdefault(key[0], []).append((key, runs))
        workloads = [w for w, c in by_workload.items()
                     if any(len({k[2] for k, _ in cells}) > 1 for cells in c.values())]
        if not workloads:
            return []
        fig, axes = plt.subplots(2, len(workloads), figsize=(5.2 * len(workloads), 6.6),
                                 squeeze=False)
        for col, workload in enumerate(sorted(workloads)):
            top, bottom = axes[0][col], axes[1][col]
            for collector, cells in by_workload[workload].items():
                points = []
                for key, runs in cells:
                    ok = [r for r in runs if r.ok]
                    x = (float(ok[0].get("heap_x")) if ok and ok[0].get("heap_x")
                         else runs[0].heap_bytes / 2**20)
                    if not ok:
                        for ax in (top, bottom):
                            ax.plot(x, 0, "x", color="red")
                        continue
                    points.append((x, stats.median([r.get("wall_s") for r in ok]),
                                   stats.median([r.get("gc_cpu_s") for r in ok])))
                points.sort()
                if points:
                    xs, wall, gc = zip(*points)
                    top.plot(xs, wall, "o-", color=self.colour[collector], label=collector)
                    bottom.plot(xs, gc, "o-", color=self.colour[collector], label=collector)
            uses_multiples = any(r.get("heap_x") for _, runs in
                                 sum(by_workload[workload].values(), []) for r in runs)
            xlabel = "heap (multiple of minimum heap)" if uses_multiples else "heap (MiB)"
            top.set_title(f"{workload}: total time vs heap size")
            top.set_ylabel("wall time (s, median)")
            bottom.set_title(f"{workload}: GC time vs heap size")
            bottom.set_ylabel("GC CPU time (s, median)")
            for ax in (top, bottom):
                ax.set_xlabel(xlabel)
                ax.set_xscale("log")
                ax.grid(True, which="both", alpha=0.3)
                ax.legend(fontsize=7)
        fig.tight_layout()
        return self._save(fig, "time_space")

    # --- mutator latency ---

    def latency(self):
        workloads = self.results.workloads()
        fig, axes = self._grid(len(workloads), width=6.0)
        for ax, workload in zip(axes, workloads):
            cells = list(self._cells_by(workload).items())
            width = 0.8 / 8
            for i, (key, runs) in enumerate(cells):
                ok = [r for r in runs if r.ok]
                if not ok:
                    ax.plot(i, 1, "x", color="red", markersize=10)
                    ax.annotate(runs[0].status, (i, 1), textcoords="offset points",
                                xytext=(0, 6), ha="center", fontsize=7, color="red")
                    continue
                for m, kind in enumerate(("", "metered_")):
                    for j, (name, _) in enumerate(PERCENTILES):
                        column = f"latency_{kind}{name.replace('.', '')}_us"
                        value = stats.median([r.get(column) for r in ok]) or 1e-3
                        ax.bar(i - 0.4 + (m * 4 + j + 0.5) * width, value, width,
                               color=self.colour[key[0]], alpha=0.35 + 0.65 * j / 3,
                               hatch="//" if kind else None, edgecolor="black", linewidth=0.4,
                               label=(f"{'metered' if kind else 'simple'} {name}"
                                      if i == 0 else None))
            ax.set_xticks(range(len(cells)))
            ax.set_xticklabels([self._cell_name(k) + self._failure_note(r) for k, r in cells],
                               rotation=30, ha="right", fontsize=7)
            ax.set_yscale("log")
            ax.set_ylabel("batch latency (µs, log scale)")
            ax.set_title(f"{workload}: mutator latency, simple and metered (hatched)")
            ax.grid(True, axis="y", which="both", alpha=0.3)
            ax.legend(fontsize=6, ncol=2)
        fig.tight_layout()
        return self._save(fig, "latency")

    # --- timeline of one run ---

    def timeline(self, workload=None):
        workload = workload or self.results.workloads()[0]
        chosen = []  # one run per collector: the first with pauses, else the first ok one
        for key, runs in self._cells_by(workload).items():
            ok = sorted((r for r in runs if r.ok), key=lambda r: not r.pauses)
            if ok and all(k[0] != key[0] for k, _ in chosen):
                chosen.append((key, ok[0]))
        if not chosen:
            return []
        fig, axes = plt.subplots(len(chosen), 1, figsize=(10, 2.4 * len(chosen)), squeeze=False)
        for ax, (key, run) in zip(axes[:, 0], chosen):
            xs, ys = [], []
            for p in sorted(run.pauses, key=lambda p: p["start_ms"]):
                start, end = p["start_ms"], p["start_ms"] + p["duration_us"] / 1000
                xs += [start, end]
                ys += [p["heap_before_bytes"] / 2**20, p["heap_after_bytes"] / 2**20]
                ax.axvspan(start, max(end, start + 0.001 * run.get("wall_s", 1) * 1000),
                           color="red", alpha=0.5, linewidth=0)
            for ph in run.phases:
                if not ph["in_pause"]:
                    ax.axvspan(ph["start_ms"], ph["start_ms"] + ph["duration_us"] / 1000,
                               color="#56B4E9", alpha=0.25, linewidth=0)
            ax.plot(xs, ys, color=self.colour[key[0]], linewidth=1)
            if not run.pauses:
                ax.text(0.5, 0.5, "no pauses in this run", ha="center", transform=ax.transAxes)
            ax.set_xlim(0, run.get("wall_s", 0) * 1000)
            ax.set_ylabel("heap in use (MiB)")
            ax.set_title(f"{workload}, {self._cell_name(key)}, run {run.key}: heap in use "
                         "(at pause boundaries), pauses red, concurrent GC work blue",
                         fontsize=9)
            ax.grid(True, alpha=0.3)
        axes[-1][0].set_xlabel("time since the start of the measured iteration (ms)")
        fig.tight_layout()
        return self._save(fig, "timeline")
