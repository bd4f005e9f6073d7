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
