"""The Mann-Whitney cases both implementations (harness/stats/significance.cc and
scripts/gclabplot/stats.py) are held to, with SciPy's p-value for each.

    mann_whitney_cases.py --write tests/harness/mann_whitney_scipy.json

SciPy is the oracle: up to 50 values a side, scipy.stats.permutation_test over every
split of the pooled values with the rank sum (mean ranks for ties) as the statistic;
beyond, scipy.stats.mannwhitneyu(method="asymptotic"). The cases are generated from a
fixed seed: small and unequal sides, ties (whole-numbered values, a side all tied,
everything tied), clear and no differences, and two large samples.
"""
import json
import sys

import numpy as np
from scipy import stats


def cases():
    rng = np.random.default_rng(20261207)
    out = []
    sizes = [(2, 2), (2, 3), (2, 8), (3, 3), (3, 5), (4, 4), (4, 7), (5, 5), (5, 6),
             (6, 6), (7, 3), (8, 8)]
    for m, n in sizes:
        for kind in ("continuous", "shifted", "ties", "heavy-ties"):
            if kind == "continuous":
                a, b = rng.normal(10, 1, m), rng.normal(10, 1, n)
            elif kind == "shifted":
                a, b = rng.normal(10, 1, m), rng.normal(11.5, 1, n)
            elif kind == "ties":
                a, b = rng.integers(0, 6, m), rng.integers(1, 7, n)
            else:
                a, b = rng.integers(0, 2, m), rng.integers(0, 3, n)
            out.append((kind, [round(float(x), 6) for x in a], [round(float(x), 6) for x in b]))
    out.append(("three tied against three tied", [1.0] * 3, [2.0] * 3))
    out.append(("all tied", [5.0] * 4, [5.0] * 4))
    out.append(("one side tied inside the other", [3.0] * 5, [1.0, 2.0, 3.0, 4.0, 5.0]))
    big_a = [round(float(x), 6) for x in rng.normal(10, 1, 60)]
    big_b = [round(float(x), 6) for x in rng.normal(10.6, 1, 70)]
    out.append(("large", big_a, big_b))
    out.append(("large with ties", [float(x) for x in rng.integers(0, 10, 55)],
                [float(x) for x in rng.integers(1, 11, 60)]))
    return out


def rank_sum(x, y, axis=-1):
    pooled = np.concatenate([x, y], axis=axis)
    return np.take(stats.rankdata(pooled, axis=axis), range(x.shape[axis]), axis=axis).sum(axis=axis)


def scipy_p(a, b):
    if len(a) <= 50 and len(b) <= 50:
        result = stats.permutation_test((np.array(a), np.array(b)), rank_sum, vectorized=True,
                                        permutation_type="independent", alternative="two-sided",
                                        n_resamples=np.inf)
        return float(result.pvalue)
    return float(stats.mannwhitneyu(a, b, method="asymptotic", use_continuity=True).pvalue)


def fixture():
    return [{"case": kind, "a": a, "b": b, "p": scipy_p(a, b)} for kind, a, b in cases()]


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] != "--write":
        sys.exit("usage: mann_whitney_cases.py --write FILE")
    with open(sys.argv[2], "w") as out:
        json.dump(fixture(), out, indent=1)
        out.write("\n")
