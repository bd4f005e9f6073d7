"""The charts. Each function draws one kind of chart for a whole results folder and
returns the files it wrote (none when the folder has nothing to show for it).

One encoding everywhere: a colour per collector (palette.py), a line style and marker
per heap size, and one legend below the panels, never over the data. Values are
medians over repetitions with the interval the tables print (stats.median_interval).

Failed runs (oom, timeout, crash, checksum- or verify-failed) are never dropped
silently, and noisy runs (results/README.md: the machine was busy with other work) are
drawn with the rest, each marked on the data, never listed in titles: a bar of a cell
with noisy runs is hatched and a line or point of one wears a hollow diamond; a cell with
some failed runs gets a red triangle, and one with no successful run a red x and its
status where its value would be. Each mark has one legend entry and the figure one
footnote saying what it means.
"""
import math
import os
import textwrap

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402
import numpy as np  # noqa: E402

from . import stats  # noqa: E402
from .palette import colours  # noqa: E402

PERCENTILES = (("p50", 50), ("p99", 99), ("p99.9", 99.9), ("max", 100))
MMU_WINDOWS_MS = np.logspace(-1, 4, 26)  # 100 us to 10 s
# Marks on the data of a cell whose runs were noisy or partly failed: none of the
# heap styles' markers.
NOISY_MARKER, FAILED_MARKER = "H", "$!$"
MARK_LABELS = {"noisy": "cell with noisy runs", "failed": "cell with failed runs"}
MARK_FOOTNOTES = {
    "noisy": "Hatched bar / hollow hexagon: some of the cell's runs ran while the host was "
             "busy (they are counted; the report's Noisy runs table says which and why).",
    "failed": "Red !: some of the cell's runs failed (oom, timeout, crash...; the report's "
              "Failed runs table lists them); the value is over the others.",
}
HEAP_STYLES = (("-", "o"), ("--", "s"), (":", "^"), ("-.", "D"), ((0, (5, 1, 1, 1)), "v"),
               ((0, (1, 1)), "P"), ((0, (8, 2)), "X"), ((0, (3, 1, 1, 1, 1, 1)), "*"))
# Pause kinds (runtime/events.h) and GC phases, in the timeline; others get grey shades.
KIND_COLOURS = {"full": "#B00020", "minor": "#E69F00", "cycle-start": "#6A3D9A",
                "mark-termination": "#8C510A"}
PHASE_COLOURS = {"root-scan": "#F0E442", "mark": "#56B4E9", "mark-assist": "#0072B2",
                 "sweep": "#009E73", "evacuate": "#882255", "remset": "#CC79A7",
                 "promote": "#D55E00", "forward": "#332288", "update-refs": "#44AA99",
                 "compact": "#AA4499", "verify": "#999999"}
LATENCY_NINES = np.array([0, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 0.9995, 0.9999,
                          0.99999])


def plain_log_ticks(ax, axis="x"):
    """Tick labels of a log axis as plain numbers (400, 1000), not 4x10^2."""
    from matplotlib.ticker import FuncFormatter
    formatter = FuncFormatter(lambda v, _: f"{v:g}")
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_formatter(formatter)

    def minor(v, _):  # 2 and 5 of each decade, where the axis spans under two decades
        low, high = sorted(target.get_view_interval())
        narrow = low > 0 and high / low < 100
        return f"{v:g}" if narrow and f"{v:g}".lstrip("0.")[:1] in ("2", "5") else ""
    target.set_minor_formatter(FuncFormatter(minor))


def nines(p):
    """The x position of quantile p on a latency percentile axis: -log10(1 - p)."""
    return -np.log10(1 - np.minimum(p, 0.999999))


class Charts:
    def __init__(self, results, out_dir, formats=("png",), baseline=None):
        self.results = results
        self.out_dir = out_dir
        self.formats = formats
        self.baseline = baseline
        self.colour = colours(results.collectors())
        self.heaps = results.heaps()
        self.variants = sorted({(r.threads, r.escape_analysis) for r in results.runs})
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

    def _grid(self, count, width=5.2, height=3.8, cols=None):
        self._marks_used = set()
        cols = cols or min(3, count)
        rows = math.ceil(count / cols)
        fig, axes = plt.subplots(rows, cols, figsize=(width * cols, height * rows), squeeze=False)
        for ax in axes.flat[count:]:
            ax.set_visible(False)
        return fig, list(axes.flat[:count])

    def _cells_by(self, workload):
        return {k: v for k, v in self.results.cells().items() if k[1] == workload}

    def style(self, key):
        """(colour, line style, marker) of a cell: colour per collector, style per heap;
        with several thread counts or escape-analysis settings, the marker tells those."""
        linestyle, marker = HEAP_STYLES[self.heaps.index(key[2]) % len(HEAP_STYLES)]
        if len(self.variants) > 1:
            marker = "os^Dv"[self.variants.index((key[3], key[4])) % 5]
        return self.colour[key[0]], linestyle, marker

    def _line_kwargs(self, key):
        colour, linestyle, marker = self.style(key)
        return dict(color=colour, linestyle=linestyle, marker=marker, markevery=0.2,
                    markersize=4, linewidth=1.3)

    @staticmethod
    def _variant(key):
        _, _, _, threads, ea = key
        parts = []
        if threads != 1:
            parts.append(f"t={threads}")
        if ea != "on":
            parts.append(f"ea={ea}")
        return " ".join(parts)

    @classmethod
    def _cell_name(cls, key, with_collector=True):
        parts = [key[0]] if with_collector else []
        parts.append(f"heap {key[2]}")
        if cls._variant(key):
            parts.append(cls._variant(key))
        return " ".join(parts)

    @staticmethod
    def _short(key):
        """A cell named in a panel note: "nogc 1.5x"."""
        extra = Charts._variant(key)
        return f"{key[0]} {key[2]}" + (f" {extra}" if extra else "")

    def _marks(self, runs):
        """How a cell's runs must be marked on the data: "noisy" (some ran while the host
        was busy), "failed" (some did not end ok, some did)."""
        marks = set()
        if any(r.ok and r.noisy for r in runs):
            marks.add("noisy")
        if any(not r.ok for r in runs) and any(r.ok for r in runs):
            marks.add("failed")
        self._marks_used |= marks
        return marks

    @staticmethod
    def _bar_kwargs(marks):
        return {"hatch": "////"} if "noisy" in marks else {}

    def _mark_bar(self, ax, x, top, marks):
        if "failed" in marks:
            ax.plot(x, top, marker=FAILED_MARKER, color="red", markersize=8, linestyle="none",
                    clip_on=False)

    def _mark_point(self, ax, x, y, marks):
        """Marks a line (at its last point) or a point of a cell."""
        if "noisy" in marks:
            ax.plot(x, y, marker=NOISY_MARKER, markersize=9, fillstyle="none", color="black",
                    linestyle="none", markeredgewidth=0.9)
        if "failed" in marks:
            ax.plot(x, y, marker=FAILED_MARKER, markersize=8, color="red", linestyle="none")

    def _mark_handles(self, bars):
        """The legend entries of the marks this figure used (one each)."""
        handles = []
        if "noisy" in self._marks_used:
            handles.append(Patch(facecolor="white", edgecolor="black", hatch="////",
                                 label=MARK_LABELS["noisy"]) if bars else
                           Line2D([], [], marker=NOISY_MARKER, fillstyle="none", color="black",
                                  linestyle="none", label=MARK_LABELS["noisy"]))
        if "failed" in self._marks_used:
            handles.append(Line2D([], [], marker=FAILED_MARKER, color="red", linestyle="none",
                                  label=MARK_LABELS["failed"]))
        return handles

    def _mark_footnote(self, fig):
        notes = [MARK_FOOTNOTES[m] for m in ("noisy", "failed") if m in self._marks_used]
        if notes:
            fig.text(0.5, -0.13, "  ".join(notes), ha="center", va="top", fontsize=7,
                     wrap=True)

    def _title(self, ax, title, notes=()):
        """A panel title with its notes below it, wrapped to the panel's width."""
        lines = [title] + [textwrap.fill(n, 70) for n in notes]
        ax.set_title("\n".join(lines), fontsize=9 if notes else 10)

    def _legend_below(self, fig, cells=True, heaps=True, extra=(), title=None, bars=False):
        """One legend for the whole figure, under the panels: a colour per collector and a
        style per heap (or whatever `extra` handles say), the marks the figure used and,
        under it all, their footnote."""
        self._mark_footnote(fig)
        extra = list(extra) + self._mark_handles(bars)
        handles = []
        if cells:
            handles += [Patch(color=self.colour[c], label=c) for c in self.results.collectors()]
        if heaps:
            for heap in self.heaps:
                linestyle, marker = HEAP_STYLES[self.heaps.index(heap) % len(HEAP_STYLES)]
                handles.append(Line2D([], [], color="black", linestyle=linestyle,
                                      marker=None if len(self.variants) > 1 else marker,
                                      label=f"heap {heap}"))
            if len(self.variants) > 1:
                for i, (threads, ea) in enumerate(self.variants):
                    handles.append(Line2D([], [], color="black", linestyle="none",
                                          marker="os^Dv"[i % 5],
                                          label=f"t={threads} ea={ea}"))
        handles += list(extra)
        if not handles:
            return
        fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                   ncol=min(len(handles), 8), fontsize=8, frameon=False, title=title,
                   title_fontsize=8)

    @staticmethod
    def _mark_failed(ax, x, y, runs, rotation=0):
        ax.plot(x, y, "x", color="red", markersize=9)
        ax.annotate(sorted({r.status for r in runs})[0], (x, y), rotation=rotation,
                    textcoords="offset points", xytext=(0, 7), ha="center", fontsize=7,
                    color="red")

    # --- pause-time distribution ---

    def pause_cdf(self):
        workloads = self.results.workloads()
        fig, axes = self._grid(len(workloads))
        for ax, workload in zip(axes, workloads):
            cells = list(self._cells_by(workload).items())
            quiet = []
            for key, runs in cells:
                durations = sorted(p["duration_us"] for r in runs if r.ok for p in r.pauses)
                if not durations:
                    if any(r.ok for r in runs):
                        quiet.append(self._short(key))
                    continue
                y = np.arange(1, len(durations) + 1) / len(durations)
                kwargs = self._line_kwargs(key)
                kwargs.pop("markevery")
                ax.step(durations, y, where="post", markevery=max(1, len(durations) // 5),
                        **kwargs)
                self._mark_point(ax, durations[-1], 1.0, self._marks(runs))
            notes = []
            if quiet:
                notes.append("no pauses: " + ", ".join(quiet))
            if ax.lines:
                ax.set_xscale("log")
                plain_log_ticks(ax)
            else:
                ax.text(0.5, 0.5, "no pauses in the measured iterations", ha="center",
                        transform=ax.transAxes)
            ax.set_ylim(0, 1.02)
            self._title(ax, f"{workload}: pause time distribution", notes)
            ax.set_xlabel("pause duration (µs, log scale)")
            ax.set_ylabel("fraction of pauses ≤ x")
            ax.grid(True, which="both", alpha=0.3)
        fig.suptitle("Pause-time CDF (all repetitions pooled)")
        fig.tight_layout(rect=(0, 0, 1, 0.97))
        self._legend_below(fig)
        return self._save(fig, "pause_cdf")

    # --- pause percentiles ---

    def pause_percentiles(self):
        workloads = self.results.workloads()
        fig, axes = self._grid(len(workloads), width=6.4, cols=min(2, len(workloads)))
        for ax, workload in zip(axes, workloads):
            cells = list(self._cells_by(workload).items())
            width = 0.8 / len(PERCENTILES)
            quiet = []
            for i, (key, runs) in enumerate(cells):
                durations = [p["duration_us"] for r in runs if r.ok for p in r.pauses]
                if not any(r.ok for r in runs):
                    self._mark_failed(ax, i, 1, runs)
                    continue
                if not durations:
                    quiet.append(i)
                    continue
                marks = self._marks(runs)
                for j, (_, p) in enumerate(PERCENTILES):
                    value = float(np.percentile(durations, p, method="inverted_cdf"))
                    ax.bar(i - 0.4 + (j + 0.5) * width, value, width,
                           color=self.colour[key[0]], alpha=0.35 + 0.65 * j / 3,
                           edgecolor="black", linewidth=0.4, **self._bar_kwargs(marks))
                self._mark_bar(ax, i + 0.4, value, marks)
            ax.set_yscale("log")
            plain_log_ticks(ax, "y")
            for i in quiet:  # a cell without pauses says so, at the foot of the axis
                ax.text(i, 0.02, "no pauses", transform=ax.get_xaxis_transform(),
                        rotation=90, ha="center", va="bottom", fontsize=7, color="#555555")
            ax.set_xticks(range(len(cells)))
            ax.set_xticklabels([self._short(k) for k, _ in cells], rotation=45, ha="right",
                               fontsize=7)
            for label, (key, _) in zip(ax.get_xticklabels(), cells):
                label.set_color(self.colour[key[0]])
            ax.set_ylabel("pause (µs, log scale)")
            self._title(ax, f"{workload}: pause p50, p99, p99.9, max")
            ax.grid(True, axis="y", which="both", alpha=0.3)
        fig.tight_layout()
        shades = [Patch(facecolor="#777777", alpha=0.35 + 0.65 * j / 3, edgecolor="black",
                        label=name) for j, (name, _) in enumerate(PERCENTILES)]
        self._legend_below(fig, heaps=False, extra=shades, bars=True,
                           title="colour: collector; bars left to right, light to dark: "
                                 "p50, p99, p99.9, max of all pauses of the cell's runs")
        return self._save(fig, "pause_percentiles")

    # --- throughput ---

    def baseline_runs(self, collector, workload, group):
        """The runs of `collector` a bar of (workload, heap, threads, escape analysis)
        `group` is divided by: its cell at that heap; or, for a collector whose runs of
        the workload never collected (nogc, which gclab run gives one heap, the smallest
        multiple), its runs at whichever heap it ran: with nothing collected the heap
        size does not enter into them."""
        cells = self.results.cells()
        runs = cells.get((collector, workload) + group)
        if runs:
            return runs
        heap_free = [r for key, runs in cells.items()
                     if key[0] == collector and key[1] == workload and key[3:] == group[1:]
                     for r in runs]
        if heap_free and all(not r.get("collections") for r in heap_free if r.ok):
            return heap_free
        return []

    def common_baseline(self):
        """The collector every throughput bar is divided by: --baseline, else nogc when it
        has successful runs for every (workload, heap, threads, escape analysis) group
        (baseline_runs); None when there is no such collector (then the chart shows
        absolute values)."""
        if self.baseline:
            return self.baseline
        groups = {(key[1],) + key[2:] for key in self.results.cells()}
        if "nogc" in self.results.collectors() and all(
                any(r.ok for r in self.baseline_runs("nogc", g[0], g[1:])) for g in groups):
            return "nogc"
        return None

    def throughput(self):
        workloads = self.results.workloads()
        baseline = self.common_baseline()
        collectors = self.results.collectors()
        width = max(5.2, 0.3 * len(collectors) * len(self.heaps) + 1.5)
        # Wide panels (many collectors and heaps) go one under the other.
        fig, axes = self._grid(len(workloads), width=width,
                               cols=1 if width > 8 else min(2, len(workloads)))
        drew_interval = False
        for ax, workload in zip(axes, workloads):
            cells = self._cells_by(workload)
            groups = sorted({k[2:] for k in cells},
                            key=lambda g: (self.heaps.index(g[0]), g[1], g[2]))
            width = 0.8 / len(collectors)
            missing_base = []
            for i, group in enumerate(groups):
                base_runs = self.baseline_runs(baseline, workload, group) if baseline else []
                base = [r.get("ops_per_s") for r in base_runs if r.ok]
                if baseline and not base:
                    missing_base.append(group[0])
                    continue
                for j, collector in enumerate(collectors):
                    runs = cells.get((collector, workload) + group)
                    if not runs:
                        continue
                    x = i - 0.4 + (j + 0.5) * width
                    ok = [r.get("ops_per_s") for r in runs if r.ok]
                    if not ok:
                        self._mark_failed(ax, x, 0, runs, rotation=90)
                        continue
                    if baseline:
                        value, low, high = stats.median_ratio_interval(base, ok)
                    else:
                        value, low, high, _ = stats.median_interval(ok)
                        value, low, high = value / 1e6, low / 1e6, high / 1e6
                    marks = self._marks(runs)
                    ax.bar(x, value, width, color=self.colour[collector], edgecolor="black",
                           linewidth=0.4, **self._bar_kwargs(marks))
                    if low is not None:
                        drew_interval = True
                        ax.errorbar(x, value, yerr=[[value - low], [high - value]],
                                    color="black", capsize=2, linewidth=0.8)
                    self._mark_bar(ax, x, high if high is not None else value, marks)
            if baseline:
                ax.axhline(1.0, color="black", linewidth=0.6)
                ax.set_ylabel(f"throughput / {baseline}'s (median ratio)")
            else:
                ax.set_ylabel("throughput (M ops/s, median)")
            ax.set_xticks(range(len(groups)))
            ax.set_xticklabels([f"heap {g[0]}" + (f"\nt={g[1]}" if g[1] != 1 else "") +
                                (f" ea={g[2]}" if g[2] != "on" else "") for g in groups],
                               fontsize=8)
            notes = []
            if missing_base:
                notes.append(f"no successful {baseline} run at heap {', '.join(missing_base)}:"
                             " not drawn")
            self._title(ax, f"{workload}: throughput", notes)
            ax.grid(True, axis="y", alpha=0.3)
        if baseline:
            interval = ("95% bootstrap interval over both sides' runs" if drew_interval else
                        f"no interval: a bootstrap interval needs "
                        f"{stats.MIN_RUNS_FOR_RATIO_INTERVAL} runs a side")
            fig.suptitle(f"Throughput relative to {baseline} (ops/s, median of repetitions over "
                         f"{baseline}'s median; {interval})", fontsize=10)
        else:
            fig.suptitle("Throughput (ops/s, median of repetitions, with its order-statistics "
                         "interval; no collector ran everywhere to be a common baseline)",
                         fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 0.95))
        self._legend_below(fig, heaps=False, bars=True)
        return self._save(fig, "throughput")

    # --- MMU ---

    def mmu(self):
        workloads = self.results.workloads()
        fig, axes = self._grid(len(workloads))
        for ax, workload in zip(axes, workloads):
            cells = list(self._cells_by(workload).items())
            for key, runs in cells:
                curves = [stats.mmu_curve([(p["start_ms"], p["duration_us"] / 1000)
                                           for p in r.pauses],
                                          r.get("wall_s", 0) * 1000, MMU_WINDOWS_MS)
                          for r in runs if r.ok]
                if not curves:
                    continue
                curve = np.median(np.array(curves, dtype=float), axis=0)
                ax.plot(MMU_WINDOWS_MS, curve, **self._line_kwargs(key))
                self._mark_point(ax, MMU_WINDOWS_MS[-1], curve[-1], self._marks(runs))
            ax.set_xscale("log")
            plain_log_ticks(ax)
            ax.set_ylim(-0.02, 1.02)
            self._title(ax, f"{workload}: minimum mutator utilisation")
            ax.set_xlabel("window (ms, log scale)")
            ax.set_ylabel("MMU (median over repetitions)")
            ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        self._legend_below(fig)
        return self._save(fig, "mmu")

    # --- time-space ---

    def time_space(self):
        by_workload = {}
        for key, runs in self.results.cells().items():
            by_workload.setdefault(key[1], {}).setdefault(key[0:1] + key[3:], []).append(
                (key, runs))
        workloads = sorted(w for w, lines in by_workload.items()
                           if any(len(cells) > 1 for cells in lines.values()))
        if not workloads:
            return []
        multiples = all(r.get("heap_x") for r in self.results.runs if r.ok)
        fig, axes = plt.subplots(2, len(workloads), figsize=(5.4 * len(workloads), 7.2),
                                 squeeze=False)
        self._marks_used = set()
        for col, workload in enumerate(workloads):
            top, bottom = axes[0][col], axes[1][col]
            all_cells = []
            for line, cells in sorted(by_workload[workload].items()):
                all_cells += cells
                points = []
                for key, runs in cells:
                    ok = [r for r in runs if r.ok]
                    x = (float(runs[0].get("heap_x") or 0) if multiples
                         else runs[0].heap_bytes / 2**20)
                    if not ok:
                        for ax in (top, bottom):
                            self._mark_failed(ax, x, 0, runs)
                        continue
                    points.append((x, stats.median_interval([r.get("wall_s") for r in ok]),
                                   stats.median_interval([r.get("gc_cpu_s") for r in ok]),
                                   self._marks(runs)))
                points.sort(key=lambda p: p[0])
                if not points:
                    continue
                colour = self.colour[line[0]]
                marker = "os^Dv"[self.variants.index(line[1:]) % 5]
                for ax, index in ((top, 1), (bottom, 2)):
                    xs = [p[0] for p in points]
                    med = [p[index][0] for p in points]
                    err = [[p[index][0] - p[index][1] for p in points],
                           [p[index][2] - p[index][0] for p in points]]
                    ax.errorbar(xs, med, yerr=err, color=colour, marker=marker, markersize=4,
                                capsize=2, linewidth=1.3)
                    for point in points:
                        self._mark_point(ax, point[0], point[index][0], point[3])
            xlabel = ("heap size (multiple of the collector's minimum heap for the workload)"
                      if multiples else "heap size (MiB)")
            self._title(top, f"{workload}: total time vs heap size")
            top.set_ylabel("wall time (s, median)")
            self._title(bottom, f"{workload}: GC time vs heap size")
            bottom.set_ylabel("GC CPU time (s, median)")
            for ax in (top, bottom):
                ax.set_xlabel(xlabel, fontsize=8)
                ax.set_ylim(bottom=0)
                xs = sorted({float(r.get("heap_x") or 0) if multiples
                             else r.heap_bytes / 2**20 for r in self.results.runs
                             if r.workload == workload})
                ax.set_xticks(xs)
                ax.set_xticklabels([f"{x:g}x" if multiples else f"{x:g}" for x in xs],
                                   fontsize=8)
                ax.grid(True, alpha=0.3)
        fig.suptitle("Time-space trade-off: medians of repetitions with their "
                     "order-statistics interval", fontsize=10)
        fig.tight_layout(rect=(0, 0, 1, 0.96))
        self._legend_below(fig, heaps=False)
        return self._save(fig, "time_space")

    # --- mutator latency ---

    def latency(self):
        """Batch latency by percentile (HdrHistogram's percentile distribution) from the
        latency.csv histograms, all repetitions pooled; simple and metered side by side,
        with the host's floor: the hiccup meter's worst lateness in the same runs."""
        workloads = [w for w in self.results.workloads()
                     if any(r.latency for r in self.results.runs if r.workload == w)]
        if not workloads:
            return []
        fig, axes = plt.subplots(len(workloads), 2, figsize=(12, 3.9 * len(workloads)),
                                 squeeze=False)
        self._marks_used = set()
        quantiles = np.concatenate([np.linspace(0, 0.9, 10), 1 - np.logspace(-1.05, -5, 40)])
        for row, workload in enumerate(workloads):
            cells = list(self._cells_by(workload).items())
            floors = [r.get("hiccup_max_us") for _, runs in cells for r in runs
                      if r.ok and r.get("hiccup_max_us") is not None]
            for ax, kind in zip(axes[row], ("simple", "metered")):
                for key, runs in cells:
                    merged = {}
                    for r in runs:
                        if r.ok:
                            for lower, upper, count in r.latency.get(kind, []):
                                merged[(lower, upper)] = merged.get((lower, upper), 0) + count
                    if not merged:
                        continue
                    buckets = [(lo, up, c) for (lo, up), c in merged.items()]
                    values = stats.histogram_percentiles(buckets, quantiles * 100)
                    total = sum(merged.values())
                    # No more resolution than the batches can give.
                    keep = quantiles <= 1 - 1 / max(total, 1)
                    xs = nines(quantiles[keep])
                    ys = np.array(values, dtype=float)[keep] / 1e3
                    ax.plot(xs, ys, **self._line_kwargs(key))
                    self._mark_point(ax, xs[-1], ys[-1], self._marks(runs))
                if floors:
                    ax.axhline(stats.median(floors), color="black", linestyle=":",
                               linewidth=1)
                ax.set_yscale("log")
                plain_log_ticks(ax, "y")
                ticks = [0, 0.9, 0.99, 0.999, 0.9999, 0.99999]
                ax.set_xticks(nines(np.array(ticks)))
                ax.set_xticklabels(["0%", "90%", "99%", "99.9%", "99.99%", "99.999%"])
                ax.set_xlabel("percentile")
                ax.set_ylabel("batch latency (µs, log scale)")
                self._title(ax, f"{workload}: {kind} latency by percentile")
                ax.grid(True, which="both", alpha=0.3)
        fig.tight_layout()
        floor = Line2D([], [], color="black", linestyle=":",
                       label="host floor: hiccup max (median over the runs)")
        self._legend_below(fig, extra=[floor])
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
        fig, axes = plt.subplots(len(chosen), 1, figsize=(10, 2.2 * len(chosen)), squeeze=False)
        kinds, phases = set(), set()
        for ax, (key, run) in zip(axes[:, 0], chosen):
            xs, ys = [], []
            wall_ms = run.get("wall_s", 0) * 1000
            for ph in run.phases:
                if not ph["in_pause"]:
                    phases.add(ph["phase"])
                    ax.axvspan(ph["start_ms"], ph["start_ms"] + ph["duration_us"] / 1000,
                               color=PHASE_COLOURS.get(ph["phase"], "#BBBBBB"), alpha=0.35,
                               linewidth=0)
            for p in sorted(run.pauses, key=lambda p: p["start_ms"]):
                start, end = p["start_ms"], p["start_ms"] + p["duration_us"] / 1000
                xs += [start, end]
                ys += [p["heap_before_bytes"] / 2**20, p["heap_after_bytes"] / 2**20]
                kinds.add(p["kind"])
                ax.axvspan(start, max(end, start + 0.001 * wall_ms),
                           color=KIND_COLOURS.get(p["kind"], "#444444"), alpha=0.7,
                           linewidth=0)
            ax.plot(xs, ys, color=self.colour[key[0]], linewidth=1)
            if not run.pauses:
                ax.text(0.5, 0.5, "no pauses in this run", ha="center", transform=ax.transAxes)
            ax.set_xlim(0, wall_ms)
            ax.set_ylabel("heap in use\n(MiB)")
            ax.set_title(f"{workload}, {self._cell_name(key)}, run {run.key}", fontsize=9,
                         color=self.colour[key[0]])
            ax.grid(True, alpha=0.3)
        axes[-1][0].set_xlabel("time since the start of the measured iteration (ms)")
        fig.tight_layout()
        handles = [Line2D([], [], color="black", linewidth=1,
                          label="heap in use at pause boundaries")]
        handles += [Patch(color=KIND_COLOURS.get(k, "#444444"), alpha=0.7, label=f"pause: {k}")
                    for k in sorted(kinds)]
        handles += [Patch(color=PHASE_COLOURS.get(p, "#BBBBBB"), alpha=0.35,
                          label=f"concurrent {p}") for p in sorted(phases)]
        fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0),
                   ncol=min(len(handles), 4), fontsize=8, frameon=False)
        return self._save(fig, "timeline")
