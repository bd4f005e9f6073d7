"""scripts/gclabplot/stats.py held to SciPy (python3-scipy), on generated cases: small
and unequal samples, ties, and the normal approximation's sizes. The same cases, with
SciPy's p-values, are the fixture harness/stats/significance.cc is tested against
(tests/harness/significance_test.cc); this test also keeps that fixture true."""
import json
import math
import os
import sys
import unittest
from itertools import combinations

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "scripts"))
sys.path.insert(0, HERE)
from gclabplot import stats  # noqa: E402
from gclabplot.lbo import lbo_rows  # noqa: E402
import mann_whitney_cases  # noqa: E402

FIXTURE = os.path.join(HERE, "..", "harness", "mann_whitney_scipy.json")


class MannWhitneyAgainstScipy(unittest.TestCase):
    def test_the_fixture_is_what_scipy_says_now(self):
        with open(FIXTURE) as f:
            stored = json.load(f)
        fresh = mann_whitney_cases.fixture()
        self.assertEqual(len(stored), len(fresh))
        for old, new in zip(stored, fresh):
            self.assertEqual((old["a"], old["b"]), (new["a"], new["b"]), old["case"])
            self.assertAlmostEqual(old["p"], new["p"], places=12, msg=old["case"])

    def test_every_case_matches_scipy(self):
        with open(FIXTURE) as f:
            for case in json.load(f):
                with self.subTest(case=case["case"], m=len(case["a"]), n=len(case["b"])):
                    self.assertAlmostEqual(stats.mann_whitney_p(case["a"], case["b"]), case["p"],
                                           delta=1e-9 * max(1.0, case["p"]))

    def test_three_tied_against_three_tied_is_not_significant(self):
        # The normal approximation said 0.047: significant, wrongly.
        self.assertAlmostEqual(stats.mann_whitney_p([1, 1, 1], [2, 2, 2]), 0.1)

    def test_smallest_p_is_reached_by_complete_separation(self):
        for m, n in [(2, 2), (3, 3), (3, 5), (2, 8), (4, 6), (5, 5)]:
            separated = stats.mann_whitney_p(list(range(m)), list(range(100, 100 + n)))
            self.assertAlmostEqual(stats.smallest_mann_whitney_p(m, n), separated)
            # No split of distinct values does better.
            values = list(range(m + n))
            best = min(stats.mann_whitney_p(list(side), [v for v in values if v not in side])
                       for side in combinations(values, m))
            self.assertAlmostEqual(best, separated)
        self.assertAlmostEqual(stats.smallest_mann_whitney_p(3, 5), 2 / math.comb(8, 3))


class Run:
    def __init__(self, **values):
        self.values, self.ok, self.status = values, True, "ok"

    def get(self, name, default=None):
        return self.values.get(name, default)


class Cells:
    def __init__(self, cells):
        self._cells = cells

    def cells(self):
        return self._cells


class LboTest(unittest.TestCase):
    def test_cpu_totals_are_taken_run_by_run(self):
        # Mutator and GC CPU trade off from run to run: the medians of each (2 and 2)
        # add up to 4, but no run cost less than 5.
        runs = [Run(wall_s=1.0, pause_total_ms=0, mutator_cpu_s=m, gc_cpu_s=g)
                for m, g in ((1.0, 4.0), (2.0, 3.0), (3.0, 2.0), (4.0, 1.0), (2.0, 3.0))]
        bound = [Run(wall_s=1.0, pause_total_ms=0, mutator_cpu_s=2.5, gc_cpu_s=0.0)] * 5
        rows = lbo_rows(Cells({("a", "w", "64MiB", 1, "on"): runs,
                               ("b", "w", "64MiB", 1, "on"): bound}))
        lbo_cpu = {row[4]: row[6] for row in rows}
        # The bound is the least distilled CPU (mutator alone): a's median, 2.
        self.assertAlmostEqual(lbo_cpu["a"], 5.0 / 2.0 - 1)  # its runs' median total is 5
        self.assertAlmostEqual(lbo_cpu["b"], 2.5 / 2.0 - 1)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
