"""A single self-contained HTML page for a results folder, in the order a reader needs
it: the findings (per workload and heap, the fastest collector, the lowest maximum
pause and the best MMU at 10 ms, each against its runner-up), then the charts, then
the tables (sortable: click a column header), then the environment and the matrix.
No external fetches: the charts are embedded and the sorting script is inline."""
import base64
import html
import os

from . import stats
from .lbo import lbo_rows
from .results import heap_order
from .units import human

SIGNIFICANT_P = 0.05

# What each chart shows, one sentence each, printed under it.
CAPTIONS = {
    "pause_cdf": "The distribution of stop-the-world pause times of each collector and heap "
                 "(every pause of every repetition pooled): further left is shorter.",
    "pause_percentiles": "The median, 99th, 99.9th percentile and longest pause of each cell; "
                         "cells whose runs never paused say so.",
    "throughput": "Operations per second of each collector at each heap, as the median ratio "
                  "to one baseline collector for the whole chart, with a bootstrap interval "
                  "that carries both sides' run-to-run noise.",
    "mmu": "Minimum mutator utilisation: the worst fraction of any time window of the given "
           "length left to the program; higher and further left is better.",
    "time_space": "Total wall time and GC CPU time against heap size: the cost each "
                  "collector pays for a tighter heap.",
    "latency": "The program's own latency (batch or request time) by percentile, from the "
               "latency histograms, simple and metered; the dotted line is the host's floor "
               "measured in the same runs.",
    "timeline": "One run per collector: heap in use at each pause, pauses coloured by kind and "
                "concurrent GC work by phase.",
    "lbo": "Lower-bound overhead per benchmark: each cell's cost over the best distilled cost "
           "(total minus the collector's own GC cost) of any collector at any heap.",
}

SORT_SCRIPT = """
document.querySelectorAll('table.sortable').forEach(function (table) {
  table.querySelectorAll('th').forEach(function (th, column) {
    th.title = 'click to sort';
    th.addEventListener('click', function () {
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      var ascending = th.dataset.order !== 'asc';
      table.querySelectorAll('th').forEach(function (h) { delete h.dataset.order; });
      th.dataset.order = ascending ? 'asc' : 'desc';
      function key(row) {
        var cell = row.cells[column];
        var number = cell.dataset.sort === undefined ? NaN : parseFloat(cell.dataset.sort);
        return isNaN(number) ? cell.textContent.trim().toLowerCase() : number;
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        if (typeof x !== typeof y) { x = String(x); y = String(y); }
        var order = x < y ? -1 : x > y ? 1 : 0;
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
"""


class Value:
    """A table cell that sorts by a number but shows text."""

    def __init__(self, text, number=None):
        self.text = text
        self.number = number


def _cell(value):
    if isinstance(value, Value):
        sort = "" if value.number is None else f" data-sort='{value.number!r}'"
        return f"<td{sort}>{html.escape(value.text)}</td>"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"<td data-sort='{value!r}'>{html.escape(str(value))}</td>"
    return f"<td>{html.escape(str(value))}</td>"


def _table(header, rows, sortable=True, table_id=None):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    attributes = (" class='sortable'" if sortable else "") + (f" id='{table_id}'" if table_id
                                                             else "")
    return f"<table{attributes}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _human(column, value):
    return Value(human(column, value), value)


def _interval(column, values):
    """'12.3 ms [12.1 ms, 12.9 ms]' (the order-statistics interval of the median)."""
    med, low, high, confidence = stats.median_interval(values)
    if med is None:
        return Value("-")
    if low == high:
        return Value(human(column, med), med)
    return Value(f"{human(column, med)} [{human(column, low)}, {human(column, high)}]"
                 + ("" if confidence >= 0.95 else f" ({confidence:.0%})"), med)


def summary_rows(results):
    rows = []
    for key, runs in results.cells().items():
        ok = [r for r in runs if r.ok]
        statuses = ", ".join(f"{s} x{sum(r.status == s for r in runs)}"
                             for s in sorted({r.status for r in runs}))
        values = lambda c: [r.get(c) for r in ok]  # noqa: E731
        noisy = sum(r.noisy for r in ok)
        rows.append((key[0], key[1], Value(key[2], heap_order(key[2])[1]), key[3], key[4],
                     Value(f"{len(ok)}/{len(runs)}", len(ok)), statuses,
                     Value(f"{noisy} !" if noisy else "0", noisy),
                     _interval("ops_per_s", values("ops_per_s")),
                     _interval("wall_s", values("wall_s")),
                     _human("gc_cpu_s", stats.median(values("gc_cpu_s"))),
                     _human("collections", stats.median(values("collections"))),
                     _human("pause_p99_us", stats.median(values("pause_p99_us"))),
                     _interval("pause_max_us", values("pause_max_us")),
                     _human("mmu_10ms", stats.median(values("mmu_10ms"))),
                     _human("latency_p99_us", stats.median(values("latency_p99_us"))),
                     _human("latency_metered_p99_us",
                            stats.median(values("latency_metered_p99_us"))),
                     _human("latency_max_us", stats.median(values("latency_max_us"))),
                     _human("hiccup_max_us", stats.median(values("hiccup_max_us")))))
    return rows


# The findings: (title, runs.csv column, whether higher is better).
FINDINGS = (("fastest (throughput)", "ops_per_s", True),
            ("lowest maximum pause", "pause_max_us", False),
            ("best MMU at 10 ms", "mmu_10ms", True))


def findings(results):
    """Per (workload, heap, threads, escape analysis) group and finding: the winner, its
    median and interval, the runner-up, their ratio and the Mann-Whitney p of the
    difference. Cells whose runs never collected (nogc, or a heap so large nothing
    was collected) are not candidates: they measure no collector."""
    groups = {}
    for key, runs in results.cells().items():
        groups.setdefault((key[1], key[2], key[3], key[4]), []).append((key[0], runs))
    out = []
    for group in sorted(groups, key=lambda g: (g[0], heap_order(g[1]), g[2], g[3])):
        candidates, left_out = {}, []
        for collector, runs in groups[group]:
            ok = [r for r in runs if r.ok]
            if not ok:
                continue
            if all(not r.get("collections") for r in ok):
                left_out.append(collector)
                continue
            candidates[collector] = ok
        if not candidates:
            out.append({"group": group, "finding": None, "left_out": left_out})
            continue
        for title, column, higher in FINDINGS:
            values = {c: [r.get(column) for r in ok if r.get(column) is not None]
                      for c, ok in candidates.items()}
            values = {c: v for c, v in values.items() if v}
            ranked = sorted(values, key=lambda c: stats.median(values[c]), reverse=higher)
            if not ranked:
                continue
            best = ranked[0]
            row = {"group": group, "finding": title, "column": column, "best": best,
                   "best_values": values[best], "left_out": left_out}
            tied = [c for c in ranked if stats.median(values[c]) == stats.median(values[best])]
            if len(tied) > 1:
                row["tied"] = tied  # no runner-up: several share the best median
            elif len(ranked) > 1:
                second = ranked[1]
                row["second"] = second
                row["second_values"] = values[second]
                row["p"] = stats.mann_whitney_p(values[best], values[second])
            out.append(row)
    return out


def _findings_html(results):
    rows_by_workload = {}
    for f in findings(results):
        rows_by_workload.setdefault(f["group"][0], []).append(f)
    if not rows_by_workload:
        return "<p>No cell has successful runs of a collector that collected.</p>"
    parts = []
    for workload, rows in sorted(rows_by_workload.items()):
        table = []
        for f in rows:
            _, heap, threads, ea = f["group"]
            where = f"heap {heap}" + (f", t={threads}" if threads != 1 else "") + \
                (f", ea={ea}" if ea != "on" else "")
            if f["finding"] is None:
                why = (f"no collector collected here ({', '.join(f['left_out'])} never did)"
                       if f["left_out"] else "no successful runs")
                table.append((where, "-", why, Value("-"), "-", Value("-"), Value("-"),
                              Value("-")))
                continue
            column = f["column"]
            best = _interval(column, f["best_values"])
            if "tied" in f:
                table.append((where, f["finding"], "tie: " + ", ".join(f["tied"]), best, "-",
                              Value("-"), Value("1.000x", 1.0),
                              Value(f"tie: {len(f['tied'])} collectors share the best median")))
            elif "second" in f:
                second = _interval(column, f["second_values"])
                ratio = stats.median(f["best_values"]) / stats.median(f["second_values"]) \
                    if stats.median(f["second_values"]) else None
                n = f"{len(f['best_values'])}+{len(f['second_values'])} runs"
                verdict = ("significant" if f["p"] < SIGNIFICANT_P else "not significant")
                p = Value(f"p={f['p']:.3f} ({n}): {verdict}", f["p"])
                table.append((where, f["finding"], f["best"], best, f["second"], second,
                              Value("-" if ratio is None else f"{ratio:.3f}x", ratio), p))
            else:
                table.append((where, f["finding"], f["best"], best, "-", Value("-"), Value("-"),
                              Value("only candidate")))
        left_out = sorted({c for f in rows for c in f["left_out"]})
        note = (f"<p class='note'>Left out as candidates (their runs never collected): "
                f"{html.escape(', '.join(left_out))}.</p>" if left_out else "")
        parts.append(f"<h3>{html.escape(workload)}</h3>" + _table(
            ("where", "finding", "best", "its median [interval]", "runner-up",
             "runner-up's median [interval]", "best / runner-up", "Mann-Whitney"),
            table, table_id=f"findings-{workload}") + note)
    return "".join(parts)


def _smallest_p_note(results):
    """Which run counts of the findings can never give a significant p."""
    unreachable = sorted({(len(f["best_values"]), len(f["second_values"]))
                          for f in findings(results) if "p" in f
                          and stats.smallest_mann_whitney_p(len(f["best_values"]),
                                                            len(f["second_values"]))
                          >= SIGNIFICANT_P})
    if not unreachable:
        return "Every comparison here has enough runs to reach it."
    sizes = "; ".join(f"{m}+{n} runs (smallest possible p "
                      f"{stats.smallest_mann_whitney_p(m, n):.3f})" for m, n in unreachable)
    return (f"With these run counts no difference can reach it: {sizes}. More repetitions "
            "(<code>--reps</code>, or <code>--reps=auto</code>) are needed to call a difference "
            "significant there.")


def without_machine_paths(argument):
    """A command-line argument with an absolute path cut to its last component, so that
    the page names no folder of the machine that made it: --out=/tmp/a/run -> --out=.../run."""
    flag, equals, value = argument.partition("=") if argument.startswith("-") else ("", "", argument)
    if not value.startswith("/"):
        return argument
    return f"{flag}{equals}.../{os.path.basename(value.rstrip('/'))}"


def write_report(results, chart_paths, out_path):
    m = results.manifest
    build, host = m.get("build", {}), m.get("host", {})
    env = [(k, build.get(k)) for k in ("gclab_version", "git_commit", "build_type", "compiler",
                                         "cxx_flags", "checks", "abseil", "jemalloc")]
    env += [(k, host.get(k)) for k in ("cpu_model", "cores", "memory_bytes", "kernel",
                                       "hostname")]
    env += [("date_utc", m.get("date_utc")),
            ("command_line", " ".join(map(without_machine_paths, m.get("command_line", []))))]
    env = [(k, "-" if v is None else str(v)) for k, v in env]
    matrix = [(k, ", ".join(map(str, v)) if isinstance(v, list) else str(v))
              for k, v in sorted((m.get("matrix") or {}).items())]
    lbo = [(w, t, ea, Value(h, heap_order(h)[1]), c,
            Value("-" if lw is None else f"{100 * lw:.1f}%", lw),
            Value("-" if lc is None else f"{100 * lc:.1f}%", lc), bw, bc, note)
           for w, t, ea, h, c, lw, lc, bw, bc, note in lbo_rows(results)]
    charts = []
    for path in chart_paths:
        if not path.endswith(".png"):
            continue
        with open(path, "rb") as f:
            data = base64.b64encode(f.read()).decode("ascii")
        stem = os.path.splitext(os.path.basename(path))[0]
        name = stem.replace("_", " ")
        charts.append(f"<figure id='chart-{stem}'><h3>{html.escape(name)}</h3>"
                      f"<img alt='{html.escape(name)}' src='data:image/png;base64,{data}'>"
                      f"<figcaption>{html.escape(CAPTIONS.get(stem, ''))}</figcaption></figure>")
    noisy_runs = [r for r in results.runs if r.ok and r.noisy]
    noisy = _table(("run", "collector", "workload", "heap", "why", "CPU/wall", "other CPU",
                    "steal", "hiccup max"),
                   [(r.key, r.collector, r.workload, r.heap_label, r.noisy_because,
                     _human("cpu_per_wall", r.get("cpu_per_wall")),
                     _human("other_cpu_s", r.get("other_cpu_s")),
                     _human("steal_s", r.get("steal_s")),
                     _human("hiccup_max_us", r.get("hiccup_max_us")))
                    for r in noisy_runs]) if noisy_runs else "<p>none</p>"
    failed = [r for r in results.runs if not r.ok]
    failures = _table(("run", "collector", "workload", "heap", "status", "error"),
                      [(r.key, r.collector, r.workload, r.heap_label, r.status, r.error)
                       for r in failed]) if failed else "<p>none</p>"
    folder_name = os.path.basename(os.path.abspath(results.path))
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>gclab results: {html.escape(folder_name)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 1400px; }}
table {{ border-collapse: collapse; font-size: 12px; margin-bottom: 1.5em; }}
th, td {{ border: 1px solid #bbb; padding: 3px 6px; text-align: left; }}
th {{ background: #eee; }}
table.sortable th {{ cursor: pointer; }}
th[data-order=asc]::after {{ content: " ▲"; }}
th[data-order=desc]::after {{ content: " ▼"; }}
img {{ max-width: 100%; border: 1px solid #ddd; }}
figure {{ margin: 0 0 2em 0; }}
figcaption, .note {{ font-size: 13px; color: #333; }}
</style></head><body>
<h1>gclab results</h1>
<p>Folder: <code>{html.escape(folder_name)}</code>; {len(results.runs)} runs,
{len(failed)} failed, {len(noisy_runs)} noisy; results schema
{html.escape(str(m.get("schema_version")))}. Medians over successful repetitions, with the
distribution-free interval of the median (95% where there are 6 or more runs; with fewer,
the range and its coverage, e.g. 75% for 3).</p>
<h2 id="findings">Findings</h2>
<p>Per workload and heap: the best collector by each measure and its runner-up (or a
tie, when several share the best median). The Mann-Whitney test asks whether their runs
differ; "significant" means p &lt; {SIGNIFICANT_P}; p is exact up to 50 runs a side (every
split of the pooled runs, tied values at their mean rank). {_smallest_p_note(results)}</p>
{_findings_html(results)}
<h2 id="charts">Charts</h2>
{"".join(charts)}
<h2 id="summary">Summary (medians over successful repetitions)</h2>
{_table(("collector", "workload", "heap", "threads", "escape analysis", "ok", "statuses",
         "noisy", "throughput [interval]", "wall time [interval]", "GC CPU", "collections",
         "pause p99", "pause max [interval]", "MMU 10 ms", "latency p99", "metered p99",
         "latency max", "host floor: hiccup max"),
        summary_rows(results), table_id="summary-table")}
<p class="note">Noisy runs count in every statistic of this report (the findings above,
the summary, the charts and the LBO table) as in <code>gclab compare</code>: one rule. They
are counted and marked, and <code>gclab run --rerun-noisy</code> repeats them. "host floor" is the
worst lateness of a thread that only sleeps and wakes (a hiccup meter) in the same runs:
a batch no slower than it may have been delayed by the host rather than by the
collector.</p>
<h2>Lower-bound overhead (Cai, Blackburn et al., ISPASS 2022)</h2>
<p class="note">Each cell's cost over the best distilled cost (total minus the collector's
own GC cost: stop-the-world pause time for wall time, GC CPU for CPU time) of any
collector at any heap size of the same benchmark; "bound" says which cell set it.</p>
{_table(("workload", "threads", "escape analysis", "heap", "collector", "LBO wall",
         "LBO CPU", "wall bound", "CPU bound", "failures"), lbo)}
<h2>Noisy runs (the machine was busy with other work)</h2>{noisy}
<h2>Failed runs</h2>{failures}
<h2 id="environment">Environment</h2>{_table(("what", "value"), env, sortable=False)}
<h2 id="matrix">Matrix</h2>{_table(("flag", "value"), matrix, sortable=False)}
<script>{SORT_SCRIPT}</script>
</body></html>
"""
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(page)
    os.replace(tmp, out_path)
    return out_path
