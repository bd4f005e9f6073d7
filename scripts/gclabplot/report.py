"""A single self-contained HTML page for a results folder: environment, matrix,
summary and LBO tables, and every chart embedded."""
import base64
import html
import os

from . import stats
from .lbo import lbo_rows


def _table(header, rows):
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>"
                   for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _fmt(value, digits=3):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}g}"
    return str(value)


def summary_rows(results):
    rows = []
    for key, runs in results.cells().items():
        ok = [r for r in runs if r.ok]
        statuses = ", ".join(f"{s} x{sum(r.status == s for r in runs)}"
                             for s in sorted({r.status for r in runs}))
        med = lambda c: stats.median([r.get(c) for r in ok])  # noqa: E731
        noisy = sum(r.noisy for r in ok)
        rows.append((key[0], key[1], key[2], key[3], key[4], f"{len(ok)}/{len(runs)}", statuses,
                     f"{noisy} !" if noisy else "0",
                     _fmt(med("ops_per_s")), _fmt(med("wall_s")), _fmt(med("gc_cpu_s")),
                     _fmt(med("collections")), _fmt(med("pause_p99_us")),
                     _fmt(med("pause_max_us")), _fmt(med("latency_p99_us")),
                     _fmt(med("latency_metered_p99_us")), _fmt(med("latency_max_us")),
                     _fmt(med("hiccup_max_us"))))
    return rows


def write_report(results, chart_paths, out_path):
    m = results.manifest
    build, host = m.get("build", {}), m.get("host", {})
    env = [(k, build.get(k)) for k in ("gclab_version", "git_commit", "build_type", "compiler",
                                         "cxx_flags", "checks", "abseil", "jemalloc")]
    env += [(k, host.get(k)) for k in ("cpu_model", "cores", "memory_bytes", "kernel",
                                       "hostname")]
    env += [("date_utc", m.get("date_utc")), ("command_line", " ".join(m.get("command_line", [])))]
    matrix = sorted((m.get("matrix") or {}).items())
    lbo = [(w, h, t, ea, c, "-" if lw is None else f"{100 * lw:.1f}%",
            "-" if lc is None else f"{100 * lc:.1f}%", note)
           for w, h, t, ea, c, lw, lc, note in lbo_rows(results)]
    charts = []
    for path in chart_paths:
        if not path.endswith(".png"):
            continue
        with open(path, "rb") as f:
            data = base64.b64encode(f.read()).decode("ascii")
        name = os.path.splitext(os.path.basename(path))[0].replace("_", " ")
        charts.append(f"<h3>{html.escape(name)}</h3><img alt='{html.escape(name)}' "
                      f"src='data:image/png;base64,{data}'>")
    noisy_runs = [r for r in results.runs if r.ok and r.noisy]
    noisy = _table(("run", "collector", "workload", "heap", "why", "CPU/wall", "other CPU s",
                    "steal s", "hiccup max µs"),
                   [(r.key, r.collector, r.workload, r.heap_label, r.noisy_because,
                     _fmt(r.get("cpu_per_wall")), _fmt(r.get("other_cpu_s")),
                     _fmt(r.get("steal_s")), _fmt(r.get("hiccup_max_us")))
                    for r in noisy_runs]) if noisy_runs else "<p>none</p>"
    failed = [r for r in results.runs if not r.ok]
    failures = _table(("run", "collector", "workload", "heap", "status", "error"),
                      [(r.key, r.collector, r.workload, r.heap_label, r.status, r.error)
                       for r in failed]) if failed else "<p>none</p>"
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>gclab results: {html.escape(results.path)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 1400px; }}
table {{ border-collapse: collapse; font-size: 12px; margin-bottom: 1.5em; }}
th, td {{ border: 1px solid #bbb; padding: 3px 6px; text-align: left; }}
th {{ background: #eee; }}
img {{ max-width: 100%; border: 1px solid #ddd; margin-bottom: 1em; }}
</style></head><body>
<h1>gclab results</h1>
<p>Folder: <code>{html.escape(os.path.abspath(results.path))}</code>; schema version
{html.escape(str(m.get("schema_version")))}; {len(results.runs)} runs, {len(failed)} failed.</p>
<h2>Environment</h2>{_table(("what", "value"), [(k, _fmt(v)) for k, v in env])}
<h2>Matrix</h2>{_table(("flag", "value"), [(k, v if isinstance(v, str) else ", ".join(map(str, v)) if isinstance(v, list) else v) for k, v in matrix])}
<h2>Summary (medians over successful repetitions)</h2>
{_table(("collector", "workload", "heap", "threads", "escape analysis", "ok", "statuses",
         "noisy", "ops/s", "wall s", "GC CPU s", "collections", "pause p99 µs", "pause max µs",
         "latency p99 µs", "metered p99 µs", "latency max µs", "host floor: hiccup max µs"),
        summary_rows(results))}
<p>Noisy runs are included above and in the charts; "host floor" is the worst lateness of
a thread that only sleeps and wakes (a hiccup meter) in the same runs: a batch no slower
than it may have been delayed by the host rather than by the collector.</p>
<h2>Noisy runs (the machine was busy with other work)</h2>{noisy}
<h2>Failed runs</h2>{failures}
<h2>Lower-bound overhead (Cai, Blackburn et al., ISPASS 2022)</h2>
<p>Each collector's cost over the best distilled cost among the collectors run (total
minus the collector's own GC cost: stop-the-world pause time for wall time, GC CPU for
CPU time), per workload and heap.</p>
{_table(("workload", "heap", "threads", "escape analysis", "collector", "LBO wall",
         "LBO CPU", "failures"), lbo)}
<h2>Charts</h2>
{"".join(charts)}
</body></html>
"""
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        f.write(page)
    os.replace(tmp, out_path)
    return out_path
