"""Statistics the charts share: medians, 95% confidence intervals, MMU curves."""
import math
import statistics

import numpy as np

# Two-sided 95% quantiles of Student's t, by degrees of freedom (1..30); 1.96 beyond.
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
        2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
        2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def mean_ci95(values):
    """(mean, half-width of the 95% t interval); half-width 0 for one value."""
    values = [v for v in values if v is not None]
    if not values:
        return None, None
    m = statistics.fmean(values)
    if len(values) < 2:
        return m, 0.0
    t = _T95[len(values) - 2] if len(values) - 1 <= len(_T95) else 1.96
    return m, t * statistics.stdev(values) / math.sqrt(len(values))


def mmu_curve(pauses, wall_ms, windows_ms):
    """Minimum mutator utilisation of one run for each window (Cheng & Blelloch).

    pauses: (start_ms, duration_ms) relative to the start of the measured region.
    The worst window starts where a pause starts or ends where a pause ends."""
    if wall_ms <= 0:
        return [None] * len(windows_ms)
    intervals = sorted((max(0.0, s), min(wall_ms, s + d)) for s, d in pauses if s < wall_ms)
    merged = []
    for s, e in intervals:
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    if not merged:
        return [1.0] * len(windows_ms)
    starts = np.array([s for s, _ in merged])
    ends = np.array([e for _, e in merged])
    before = np.concatenate(([0.0], np.cumsum(ends - starts)))  # paused time before each

    def paused_until(t):
        i = np.searchsorted(starts, t, side="right") - 1
        inside = np.where(i >= 0, np.clip(t - starts[np.maximum(i, 0)], 0,
                                          (ends - starts)[np.maximum(i, 0)]), 0.0)
        return np.where(i >= 0, before[np.maximum(i, 0)], 0.0) + inside

    curve = []
    for w in windows_ms:
        if w >= wall_ms:
            curve.append(1.0 - before[-1] / wall_ms)
            continue
        candidates = np.clip(np.concatenate((starts, ends - w)), 0.0, wall_ms - w)
        paused = paused_until(candidates + w) - paused_until(candidates)
        curve.append(float(1.0 - paused.max() / w))
    return curve


def median_interval(values):
    """(median, low, high, confidence): the distribution-free interval for the median
    from order statistics, as gclab's tables print it (harness/stats/stats.h,
    MedianWithInterval): [x(k), x(n+1-k)] for the largest k whose coverage is at least
    95%; with fewer than 6 values, [min, max] and the coverage it has (75% for 3)."""
    values = sorted(v for v in values if v is not None)
    n = len(values)
    if not n:
        return None, None, None, 0.0
    med = statistics.median(values)
    below, term, k, confidence = 0.0, 0.5 ** n, 0, 0.0
    for candidate in range(1, n // 2 + 1):
        below += term
        term = term * (n - (candidate - 1)) / candidate
        if 1 - 2 * below >= 0.95:
            k, confidence = candidate, 1 - 2 * below
        else:
            break
    if k == 0:
        return med, values[0], values[-1], 1 - 2 * 0.5 ** n
    return med, values[k - 1], values[n - k], confidence


def _doubled_rank_sum_counts(group_sizes, m):
    """counts[s]: the splits of the pooled values (in tie groups of these sizes, in
    order) that put m of them on one side with doubled rank sum s (harness/stats/
    significance.cc, DoubledRankSumCounts)."""
    total = sum(group_sizes)
    max_sum = total * (total + 1)
    ways = np.zeros((m + 1, max_sum + 1))
    ways[0, 0] = 1.0
    first_rank = 1
    for t in group_sizes:
        doubled_rank = 2 * first_rank + t - 1
        for k in range(m, 0, -1):  # descending: ways[k - j] still holds the old counts
            for j in range(1, min(t, k) + 1):
                shift = j * doubled_rank
                if shift <= max_sum:
                    ways[k, shift:] += math.comb(t, j) * ways[k - j, :max_sum + 1 - shift]
        first_rank += t
    return ways[m]


def mann_whitney_p(a, b):
    """Two-sided Mann-Whitney U p-value, as `gclab compare` computes it
    (harness/stats/significance.h): with both sides <= 50, exact over every split of
    the pooled values, ties given their mean rank (scipy.stats.permutation_test); else
    the normal approximation with tie and continuity corrections
    (scipy.stats.mannwhitneyu, method="asymptotic"). 1 when a side is empty."""
    m, n = len(a), len(b)
    if not m or not n:
        return 1.0
    pooled = sorted([(x, True) for x in a] + [(x, False) for x in b], key=lambda p: p[0])
    doubled_rank_sum_a, tie_term, groups, i = 0, 0.0, [], 0
    while i < len(pooled):
        j = i
        while j < len(pooled) and pooled[j][0] == pooled[i][0]:
            j += 1
        doubled_rank_sum_a += (i + 1 + j) * sum(1 for k in range(i, j) if pooled[k][1])
        tie_term += (j - i) ** 3 - (j - i)
        groups.append(j - i)
        i = j
    if m <= 50 and n <= 50:
        counts = _doubled_rank_sum_counts(groups, m)
        at_most = counts[:doubled_rank_sum_a + 1].sum()
        at_least = counts[doubled_rank_sum_a:].sum()
        return float(min(1.0, 2 * min(at_most, at_least) / counts.sum()))
    u_a = doubled_rank_sum_a / 2 - m * (m + 1) / 2
    total = m + n
    variance = m * n / 12 * ((total + 1) - tie_term / (total * (total - 1)))
    if variance <= 0:
        return 1.0
    z = max(0.0, abs(u_a - m * n / 2) - 0.5) / math.sqrt(variance)
    return min(1.0, math.erfc(z / math.sqrt(2)))


def smallest_mann_whitney_p(m, n):
    """The smallest p mann_whitney_p can give for sides of m and n values: 2 / C(m+n, m)
    (3+3: 0.1, 3+5: 0.036, 2+8: 0.044); 0 beyond the exact sizes, 1 for an empty side."""
    if not m or not n:
        return 1.0
    if m > 50 or n > 50:
        return 0.0
    return min(1.0, 2 / math.comb(m + n, m))


# Fewer runs than this on a side get no bootstrap interval (harness/stats/significance.h).
MIN_RUNS_FOR_RATIO_INTERVAL = 5


def median_ratio_interval(base, other, resamples=10000, seed=1):
    """(median(other) / median(base), low, high): a 95% percentile-bootstrap interval
    that resamples both sides independently, so it carries the noise of both. low and
    high are None with fewer than MIN_RUNS_FOR_RATIO_INTERVAL runs on a side, where a
    percentile bootstrap cannot have its coverage (1+1 runs give a zero-width one)."""
    base = np.asarray([v for v in base if v is not None], dtype=float)
    other = np.asarray([v for v in other if v is not None], dtype=float)
    if not len(base) or not len(other) or np.median(base) == 0:
        return None, None, None
    ratio = float(np.median(other) / np.median(base))
    if min(len(base), len(other)) < MIN_RUNS_FOR_RATIO_INTERVAL:
        return ratio, None, None
    rng = np.random.default_rng(seed)
    num = np.median(rng.choice(other, size=(resamples, len(other))), axis=1)
    den = np.median(rng.choice(base, size=(resamples, len(base))), axis=1)
    keep = den != 0
    ratios = num[keep] / den[keep]
    if not len(ratios):
        return ratio, None, None
    return ratio, float(np.quantile(ratios, 0.025)), float(np.quantile(ratios, 0.975))


def histogram_percentiles(buckets, percentiles):
    """Percentiles from latency.csv buckets [(lower_ns, upper_ns, count)]: for each p, the
    upper bound of the bucket where the cumulative count first reaches p% (at most
    1% above the exact value)."""
    buckets = sorted(buckets)
    total = sum(c for _, _, c in buckets)
    result = []
    for p in percentiles:
        need = math.ceil(total * p / 100) if total else 0
        seen, value = 0, None
        for _, upper, count in buckets:
            seen += count
            if seen >= max(need, 1):
                value = upper
                break
        result.append(value)
    return result
