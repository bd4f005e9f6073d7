"""Entry points: plot.py and report.py share this."""
import argparse
import csv
import os
import sys

from .charts import Charts
from .lbo import COLUMNS as LBO_COLUMNS, lbo_chart, lbo_rows
from .report import write_report
from .results import ResultsError, load


def _write_lbo_csv(rows, path):
    tmp = path + ".tmp"
    with open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(LBO_COLUMNS)
        for row in rows:
            writer.writerow([("" if v is None else f"{v:.4f}" if isinstance(v, float) else v)
                             for v in row])
    os.replace(tmp, path)
    return path


def draw_all(results, out_dir, formats, baseline):
    charts = Charts(results, out_dir, formats, baseline)
    paths = []
    for draw in (charts.pause_cdf, charts.pause_percentiles, charts.throughput, charts.mmu,
                 charts.time_space, charts.latency, charts.timeline):
        paths += draw()
    rows = lbo_rows(results)
    paths += lbo_chart(charts, rows)
    paths.append(_write_lbo_csv(rows, os.path.join(out_dir, "lbo.csv")))
    return paths


def main(argv, report):
    parser = argparse.ArgumentParser(
        prog=os.path.basename(argv[0]),
        description=("writes charts (and with --report or as report.py, an HTML page) "
                     "from a gclab results folder into RESULTS_DIR/charts/"))
    parser.add_argument("results_dir")
    parser.add_argument("--svg", action="store_true", help="also write SVG charts")
    parser.add_argument("--baseline", help="collector to divide every throughput by "
                        "(default: nogc when it ran successfully in every cell group; "
                        "else absolute throughput)")
    parser.add_argument("--report", action="store_true", help="also write report.html")
    args = parser.parse_args(argv[1:])
    try:
        results = load(args.results_dir)
    except ResultsError as e:
        sys.stderr.write(f"{parser.prog}: {e}\n")
        return 2
    if args.baseline and args.baseline not in results.collectors():
        sys.stderr.write(f"{parser.prog}: --baseline {args.baseline} is not in this folder; "
                         f"valid: {', '.join(results.collectors())}\n")
        return 2
    out_dir = os.path.join(args.results_dir, "charts")
    try:
        paths = draw_all(results, out_dir, ("png", "svg") if args.svg else ("png",),
                         args.baseline)
        if report or args.report:
            path = write_report(results, paths, os.path.join(args.results_dir, "report.html"))
            print(os.path.abspath(path))
        else:
            for path in paths:
                print(path)
    except OSError as e:
        sys.stderr.write(f"{parser.prog}: cannot write into {out_dir}: {e.strerror}\n")
        return 2
    return 0
