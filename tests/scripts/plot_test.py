"""Tests of scripts/plot.py and scripts/report.py on real results folders: one made
by gclab in this test run, and a small checked-in fixture (with failed runs).

  plot_test.py SOURCE_DIR REAL_RESULTS_DIR
"""
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(sys.argv[1], "scripts"))
from gclabplot import stats  # noqa: E402
from gclabplot.charts import Charts  # noqa: E402
from gclabplot.lbo import lbo_rows  # noqa: E402
from gclabplot.results import SCHEMA_VERSION, load  # noqa: E402

SOURCE_DIR = sys.argv[1]
REAL_RESULTS = sys.argv[2]
FIXTURE = os.path.join(SOURCE_DIR, "tests", "scripts", "fixture-results")
PLOT = os.path.join(SOURCE_DIR, "scripts", "plot.py")
REPORT = os.path.join(SOURCE_DIR, "scripts", "report.py")
CHARTS = ("pause_cdf", "pause_percentiles", "throughput", "mmu", "latency", "timeline", "lbo")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def run(script, *args):
    return subprocess.run([sys.executable, script, *args], capture_output=True, text=True,
                          timeout=600)


class PlotTest(unittest.TestCase):
    def copy(self, folder):
        tmp = tempfile.mkdtemp(prefix="gclab-plot-test-")
        self.addCleanup(shutil.rmtree, tmp)
        target = os.path.join(tmp, "results")
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns("charts", "report.html"))
        return target

    def check_charts(self, folder, extra=()):
        for name in CHARTS + tuple(extra):
            path = os.path.join(folder, "charts", f"{name}.png")
            self.assertTrue(os.path.isfile(path), f"{path} was not written")
            with open(path, "rb") as f:
                data = f.read()
            self.assertEqual(data[:8], PNG_MAGIC, f"{path} is not a PNG")
            # A chart with axes, labels and data is tens of KB; an empty figure is ~2 KB.
            self.assertGreater(len(data), 15_000, f"{path} is suspiciously small")
        with open(os.path.join(folder, "charts", "lbo.csv")) as f:
            self.assertGreater(len(f.read().splitlines()), 1)

    def test_real_results_folder_from_this_test_run(self):
        folder = self.copy(REAL_RESULTS)
        out = run(PLOT, folder, "--svg")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.check_charts(folder)
        self.assertTrue(os.path.isfile(os.path.join(folder, "charts", "throughput.svg")))

    def test_fixture_with_failed_runs_and_two_heaps(self):
        folder = self.copy(FIXTURE)
        out = run(REPORT, folder)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.check_charts(folder, extra=("time_space",))
        report = out.stdout.strip().splitlines()[-1]
        self.assertEqual(report, os.path.abspath(os.path.join(folder, "report.html")))
        with open(report) as f:
            page = f.read()
        self.assertEqual(page.count("data:image/png;base64,"), len(CHARTS) + 1)
        self.assertIn("oom", page)  # the fixture's failed runs are reported, not dropped

    def test_the_report_names_no_folder_of_the_machine_that_made_it(self):
        folder = os.path.abspath(self.copy(FIXTURE))
        manifest_path = os.path.join(folder, "manifest.json")
        with open(manifest_path) as f:
            manifest = json.load(f)
        manifest["command_line"] = ["gclab", "run", "--collectors=marksweep",
                                    f"--out={folder}", f"--minheap-cache={folder}/cache.csv"]
        with open(manifest_path, "w") as f:
            json.dump(manifest, f)
        out = run(REPORT, folder)
        self.assertEqual(out.returncode, 0, out.stderr)
        with open(os.path.join(folder, "report.html")) as f:
            page = f.read()
        self.assertNotIn(os.path.dirname(folder), page)
        self.assertIn("--out=.../results --minheap-cache=.../cache.csv", page)
        self.assertIn("--collectors=marksweep", page)

    def test_noisy_runs_are_marked_in_the_report_and_charts(self):
        folder = self.copy(FIXTURE)
        path = os.path.join(folder, "runs.csv")
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        marked = next(r for r in rows if r["status"] == "ok")
        for row in rows:
            ok = row["status"] == "ok"
            row["noisy"] = "1" if row is marked else ("0" if ok else "")
            row["noisy_because"] = "other processes used 0.61 CPUs" if row is marked else ""
        with open(path, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
            writer.writeheader()
            writer.writerows(rows)
        out = run(REPORT, folder)
        self.assertEqual(out.returncode, 0, out.stderr)
        with open(os.path.join(folder, "report.html")) as f:
            page = f.read()
        noisy_section = page.split("<h2>Noisy runs")[1].split("<h2>")[0]
        self.assertIn(marked["run_key"], noisy_section)
        self.assertIn("other processes used 0.61 CPUs", noisy_section)
        self.assertIn("1 !", page)  # the summary's noisy column

    def test_many_noisy_cells_are_marked_on_the_data_not_listed_in_titles(self):
        # Every successful run noisy (a busy machine): each chart marks those cells on
        # the data, with one legend entry and one footnote; no title grows a list.
        results = load(FIXTURE)
        for run in results.runs:
            if run.ok:
                run.noisy = True
        figures = {}

        class Capturing(Charts):
            def _save(self, fig, name):
                figures[name] = fig
                return [name]

        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        charts = Capturing(results, tmp)
        for draw in (charts.pause_cdf, charts.pause_percentiles, charts.throughput,
                     charts.mmu, charts.time_space, charts.latency):
            draw()
        self.assertEqual(set(figures), {"pause_cdf", "pause_percentiles", "throughput", "mmu",
                                        "time_space", "latency"})
        noisy_cells = sum(1 for runs in results.cells().values()
                          if any(r.ok and r.noisy for r in runs))
        self.assertGreater(noisy_cells, 5)
        for name, fig in figures.items():
            with self.subTest(chart=name):
                for ax in fig.axes:
                    self.assertNotIn("noisy", ax.get_title())
                    self.assertLessEqual(ax.get_title().count("\n"), 1, ax.get_title())
                labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
                self.assertEqual(labels.count("cell with noisy runs"), 1, labels)
                footnotes = [t.get_text() for t in fig.texts if "host was busy" in t.get_text()]
                self.assertEqual(len(footnotes), 1)
        hatched = [patch for ax in figures["throughput"].axes for patch in ax.patches
                   if patch.get_hatch() == "////"]
        drawn = [patch for ax in figures["throughput"].axes for patch in ax.patches]
        self.assertGreater(len(hatched), 5)
        self.assertEqual(len(hatched), len(drawn))  # every drawn bar is of a noisy cell
        diamonds = [line for ax in figures["mmu"].axes for line in ax.lines
                    if line.get_marker() == "H"]
        self.assertGreater(len(diamonds), 5)

    def test_latency_histograms_agree_with_the_exact_percentiles(self):
        results = load(FIXTURE)
        checked = 0
        for run in results.runs:
            if not run.ok or not run.latency.get("simple"):
                continue
            for kind, column in (("simple", "latency_p99_us"),
                                 ("metered", "latency_metered_p99_us")):
                total = sum(c for _, _, c in run.latency[kind])
                self.assertEqual(total, run.get("latency_batches"), run.key)
                from_histogram = stats.histogram_percentiles(run.latency[kind], [99])[0] / 1e3
                exact = run.get(column)
                # The bucket's upper bound: never below the exact value, at most 1% above.
                self.assertGreaterEqual(from_histogram, exact - 1e-3, run.key)
                self.assertLessEqual(from_histogram, exact * 1.01 + 1e-3, run.key)
                checked += 1
        self.assertGreater(checked, 10)

    def test_one_throughput_baseline_for_the_whole_chart(self):
        results = load(FIXTURE)
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        # nogc ran out of memory everywhere in the fixture: no common baseline, so the
        # chart shows absolute values rather than a different baseline per panel.
        self.assertIsNone(Charts(results, tmp).common_baseline())
        self.assertEqual(Charts(results, tmp, baseline="copying").common_baseline(), "copying")
        for run in results.runs:
            if run.collector == "nogc":
                run.status = "ok"
                run.metrics.update(ops_per_s=1.0)
        self.assertEqual(Charts(results, tmp).common_baseline(), "nogc")
        # gclab run gives nogc one heap: its runs, which never collected, are the
        # baseline at every heap.
        heaps = sorted({r.heap_label for r in results.runs if r.collector == "nogc"})
        self.assertGreater(len(heaps), 1)
        results.runs = [r for r in results.runs
                        if r.collector != "nogc" or r.heap_label == heaps[0]]
        for run in results.runs:
            if run.collector == "nogc":
                run.metrics.update(collections=0)
        charts = Charts(results, tmp)
        self.assertEqual(charts.common_baseline(), "nogc")
        other_heap = next(r for r in results.runs if r.collector != "nogc" and r.ok
                          and r.heap_label != heaps[0])
        group = (other_heap.heap_label, other_heap.threads, other_heap.escape_analysis)
        self.assertTrue(all(r.collector == "nogc" and r.heap_label == heaps[0]
                            for r in charts.baseline_runs("nogc", other_heap.workload, group)))
        for run in results.runs:
            if run.collector == "nogc":
                run.metrics.update(collections=3)  # a baseline that collects is heap-bound
        self.assertIsNone(Charts(results, tmp).common_baseline())

    def test_lbo_has_one_bound_per_benchmark_over_all_heaps(self):
        rows = lbo_rows(load(FIXTURE))
        by_benchmark = {}
        for row in rows:
            by_benchmark.setdefault(row[:3], set()).add((row[7], row[8]))
        self.assertEqual(len(by_benchmark), 2)  # binary-trees and server
        for bench, bounds in by_benchmark.items():
            self.assertEqual(len(bounds), 1, f"{bench} has several bounds: {bounds}")
        for row in rows:
            if row[5] is not None:
                self.assertGreaterEqual(row[5], 0)
                self.assertGreaterEqual(row[6], 0)
        self.assertEqual(len({row[3] for row in rows}), 2)  # both heaps in one benchmark

    def test_statistics_match_gclab_compare(self):
        self.assertAlmostEqual(stats.mann_whitney_p([1, 2, 3], [4, 5, 6]), 0.1)
        self.assertAlmostEqual(stats.mann_whitney_p([1, 2, 3, 4], [5, 6, 7, 8]), 2 / 70)
        self.assertEqual(stats.median_interval([3, 1, 2]), (2, 1, 3, 0.75))
        med, low, high, confidence = stats.median_interval(list(range(1, 11)))
        self.assertEqual((med, low, high), (5.5, 2, 9))
        self.assertGreaterEqual(confidence, 0.95)
        ratio, low, high = stats.median_ratio_interval([10, 10.5, 9.5, 10.2, 9.8],
                                                       [20, 21, 19, 20.4, 19.6])
        self.assertAlmostEqual(ratio, 2.0)
        self.assertLess(low, 2.0)
        self.assertGreater(high, 2.0)
        # Below five runs a side, no interval (as gclab compare prints none).
        self.assertEqual(stats.median_ratio_interval([10, 10.5, 9.5], [20, 21, 19]),
                         (2.0, None, None))

    def expect_one_error_line(self, folder, fragment):
        out = run(PLOT, folder)
        self.assertEqual(out.returncode, 2, out.stderr)
        lines = out.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, out.stderr)
        self.assertIn(fragment, lines[0])
        self.assertEqual(out.stdout, "")
        self.assertFalse(os.path.exists(os.path.join(folder, "charts")))

    def test_foreign_folder(self):
        tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, tmp)
        self.expect_one_error_line(tmp, "is not a gclab results folder (no manifest.json)")

    def test_missing_folder(self):
        self.expect_one_error_line("/nonexistent/gclab-results", "is not a folder")

    def test_other_schema_version(self):
        folder = self.copy(FIXTURE)
        path = os.path.join(folder, "manifest.json")
        with open(path) as f:
            manifest = json.load(f)
        manifest["schema_version"] = 2
        with open(path, "w") as f:
            json.dump(manifest, f)
        self.expect_one_error_line(folder, "has results schema version 2; these scripts read "
                                           f"version {SCHEMA_VERSION}")

    def test_malformed_manifest_and_runs(self):
        folder = self.copy(FIXTURE)
        with open(os.path.join(folder, "manifest.json"), "w") as f:
            f.write("{not json")
        self.expect_one_error_line(folder, "is not readable JSON")
        folder = self.copy(FIXTURE)
        with open(os.path.join(folder, "runs.csv"), "w") as f:
            f.write("a,b\n1,2\n")
        self.expect_one_error_line(folder, "runs.csv lacks column(s) run_key")


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0]], verbosity=2)
