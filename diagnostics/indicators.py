"""Indicator arithmetic: rates, empirical Bayes smoothing, equity indices, standard scores.

Pure functions over arrays. Missing or undefined values are NaN; what they mean (no data, not
applicable, suppressed) is said by the caller in a status column.
"""

from __future__ import annotations

import numpy as np


def rate(numerator: np.ndarray, denominator: np.ndarray, *, per: float = 1000.0) -> np.ndarray:
    """``numerator / denominator × per``; NaN where the denominator is not positive or missing."""
    num = np.asarray(numerator, dtype=float)
    den = np.asarray(denominator, dtype=float)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    ok = np.isfinite(den) & (den > 0) & np.isfinite(num)
    np.divide(num, den, out=out, where=ok)
    return out * per


def eb_rates(events: np.ndarray, population: np.ndarray, *, per: float = 1000.0) -> np.ndarray:
    """Global empirical Bayes smoothed rates (Marshall 1991), per ``per``.

    Each raw rate ``r_i = e_i / n_i`` is pulled towards the overall rate ``b = Σe / Σn`` by
    ``w_i = s² / (s² + b / n_i)``, where ``s² = Σ n_i (r_i − b)² / Σ n_i − b / n̄`` is the
    between-unit variance (0 when negative: then every rate becomes ``b``). Units with a small
    population move most. Units without a positive population get NaN.
    """
    e = np.asarray(events, dtype=float)
    n = np.asarray(population, dtype=float)
    ok = np.isfinite(e) & np.isfinite(n) & (n > 0)
    out = np.full(len(e), np.nan)
    if not ok.any():
        return out
    e_ok, n_ok = e[ok], n[ok]
    b = e_ok.sum() / n_ok.sum()
    r = e_ok / n_ok
    s2 = max(float((n_ok * (r - b) ** 2).sum() / n_ok.sum() - b / n_ok.mean()), 0.0)
    w = s2 / (s2 + b / n_ok) if s2 > 0 else np.zeros(len(n_ok))
    out[ok] = (w * r + (1 - w) * b) * per
    return out


def _valid(values: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(values, dtype=float)
    w = np.ones(len(x)) if weights is None else np.asarray(weights, dtype=float)
    ok = np.isfinite(x) & np.isfinite(w) & (w > 0)
    return x[ok], w[ok]


def gini(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Gini coefficient of ``values`` across units, each counted ``weights`` times (e.g. its target
    population): 0 when every resident has the same value, towards 1 when one unit holds it all.

    Computed as half the weighted mean absolute difference over the weighted mean,
    ``G = Σᵢ Σⱼ wᵢ wⱼ |xᵢ − xⱼ| / (2 W² x̄)``, in O(n log n) by sorting.
    """
    x, w = _valid(values, weights)
    if len(x) == 0 or (x < 0).any():
        return float("nan")
    total = w.sum()
    mean = (w * x).sum() / total
    if mean == 0:
        return 0.0
    order = np.argsort(x)
    x, w = x[order], w[order]
    cum_w = np.cumsum(w)
    cum_wx = np.cumsum(w * x)
    # Σᵢ wᵢ Σ_{j<i} wⱼ (xᵢ − xⱼ), doubled for the symmetric pairs
    pairs = (w * (x * (cum_w - w) - (cum_wx - w * x))).sum()
    return float(2 * pairs / (2 * total**2 * mean))


def theil(values: np.ndarray, weights: np.ndarray | None = None) -> float:
    """Theil T index: ``(1/W) Σ wᵢ (xᵢ/x̄) ln(xᵢ/x̄)``, 0 for perfect equality, ln(W) at most.

    Units with a value of 0 contribute 0 (the limit of x ln x).
    """
    x, w = _valid(values, weights)
    if len(x) == 0 or (x < 0).any():
        return float("nan")
    mean = (w * x).sum() / w.sum()
    if mean == 0:
        return 0.0
    s = x / mean
    terms = np.zeros(len(s))
    pos = s > 0
    terms[pos] = s[pos] * np.log(s[pos])
    return float((w * terms).sum() / w.sum())


def zscores(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Standard scores of ``values`` over the units of ``mask``; 0 where all are equal, NaN outside."""
    x = np.asarray(values, dtype=float)
    out = np.full(len(x), np.nan)
    ok = mask & np.isfinite(x)
    if not ok.any():
        return out
    sd = x[ok].std()
    out[ok] = (x[ok] - x[ok].mean()) / sd if sd > 0 else 0.0
    return out
