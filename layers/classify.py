"""Class breaks for choropleth maps: quantiles, Fisher–Jenks, equal intervals and fixed breaks.

Breaks are returned as ``edges``, an increasing array of ``k + 1`` numbers for ``k`` classes. Classes
are closed above, as in QGIS and mapclassify: class 0 is ``[e0, e1]`` and class ``i`` is
``(e_i, e_{i+1}]``. Missing values (NaN, None, ±inf) take no part in the breaks and fall in no class.

The data-driven methods keep every class non-empty and every edge distinct:

* one distinct value gives one class ``[v, v]``;
* ``m <= k`` distinct values give ``m`` classes, one per value, whose inner edges are the midpoints
  between consecutive values;
* quantile edges are data values (the ⌈i·n/k⌉-th smallest), so ties merge classes rather than
  emptying them;
* Fisher–Jenks is the exact optimum (least within-class sum of squared deviations), computed by
  dynamic programming over the distinct values weighted by their counts, so equal values never
  straddle two classes. It costs O(k·m·log m) for m distinct values: milliseconds for the 724 sectors
  of Brussels, well under a second for tens of thousands of distinct values.

Equal intervals and fixed breaks are what they say, and may leave a class empty. Fixed breaks are the
way to make two maps comparable: compute them once (for instance with :func:`breaks` on the values
of both maps) and give the same edges to both. ``-inf`` and ``inf`` are allowed as the first and
last fixed edge for open-ended classes.

With ``centre`` (a reference value such as 0 for a difference or 1 for a location quotient), breaks
are computed separately below and above the centre, the centre becomes an edge, and the classes are
shared between the two sides in proportion to their number of values.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from geo.errors import InputError

Method = Literal["quantiles", "jenks", "equal", "fixed"]
METHODS: tuple[str, ...] = ("quantiles", "jenks", "equal", "fixed")


def as_float(values: object, *, parameter: str = "values") -> np.ndarray:
    """Values as a 1-D float array, with None, pandas NA and non-finite numbers as NaN."""
    if isinstance(values, pd.Series | pd.Index):
        numeric = pd.to_numeric(pd.Series(values), errors="coerce")
        if (numeric.isna() & pd.Series(values).notna()).any():
            raise InputError(f"{parameter}: holds values that are not numbers")
        out = numeric.to_numpy(dtype=float, na_value=np.nan)
    else:
        try:
            out = np.asarray(values, dtype=float).ravel()
        except (TypeError, ValueError):
            raise InputError(f"{parameter}: holds values that are not numbers") from None
    out = np.array(out, dtype=float, copy=True).ravel()
    out[~np.isfinite(out)] = np.nan
    return out


def breaks(
    values: object,
    *,
    method: Method | str = "quantiles",
    k: int = 5,
    fixed: Sequence[float] | np.ndarray | None = None,
    centre: float | None = None,
) -> np.ndarray:
    """Class edges for ``values``.

    Parameters
    ----------
    values
        Numbers (array, Series, list); NaN, None and infinities are ignored.
    method
        ``quantiles`` (equal counts), ``jenks`` (Fisher–Jenks natural breaks, exact), ``equal``
        (equal intervals) or ``fixed`` (the edges given in ``fixed``).
    k
        Wanted number of classes; fewer come back when the data have fewer distinct values.
    fixed
        The edges for ``method="fixed"``: increasing, at least two.
    centre
        Optional reference value made an edge (see the module docstring).

    Returns
    -------
    numpy.ndarray
        Increasing edges (``len == classes + 1``); empty when no value is finite (except for fixed
        breaks, which do not depend on the values).
    """
    if method not in METHODS:
        raise InputError(
            f"method: {method!r} is not a classification method; use one of {', '.join(METHODS)}"
        )
    if method == "fixed":
        return _fixed_edges(fixed)
    if not isinstance(k, int | np.integer) or isinstance(k, bool) or k < 1:
        raise InputError(f"k: the number of classes must be a whole number of at least 1, not {k!r}")
    x = as_float(values)
    x = x[~np.isnan(x)]
    if x.size == 0:
        return np.empty(0)
    if centre is None:
        return _data_edges(x, str(method), int(k))
    return _centred_edges(x, str(method), int(k), float(centre))


def classify(values: object, edges: Sequence[float] | np.ndarray) -> np.ndarray:
    """Class index of each value for ``edges`` (closed above); -1 for missing or out-of-range values."""
    v = as_float(values)
    e = np.asarray(edges, dtype=float)
    out = np.full(v.shape, -1, dtype=np.int64)
    if e.size < 2:
        return out
    inside = ~np.isnan(v) & (v >= e[0]) & (v <= e[-1])
    out[inside] = np.searchsorted(e[1:-1], v[inside], side="left")
    return out


def finite_edge(edge: float | None) -> float:
    """An edge as a finite number (±1e300 for ±inf, 0 for None), for formats without infinities."""
    x = 0.0 if edge is None else float(edge)
    return max(min(x, 1e300), -1e300)


def jenks(values: object, k: int) -> np.ndarray:
    """Exact Fisher–Jenks breaks: the edges minimising the within-class sum of squared deviations."""
    return breaks(values, method="jenks", k=k)


def within_class_ss(values: object, edges: Sequence[float] | np.ndarray) -> float:
    """Sum over classes of the squared deviations from the class mean (what Fisher–Jenks minimises)."""
    v = as_float(values)
    cls = classify(v, edges)
    keep = cls >= 0
    v, cls = v[keep], cls[keep]
    if v.size == 0:
        return 0.0
    n = np.bincount(cls)
    s = np.bincount(cls, weights=v)
    mean = np.divide(s, n, out=np.zeros_like(s), where=n > 0)
    return float(np.sum((v - mean[cls]) ** 2))


def _fixed_edges(fixed: Sequence[float] | np.ndarray | None) -> np.ndarray:
    if fixed is None:
        raise InputError("fixed: method 'fixed' needs the class edges, e.g. fixed=[0, 10, 20, 50]")
    try:
        e = np.asarray(fixed, dtype=float).ravel()
    except (TypeError, ValueError):
        raise InputError(f"fixed: {fixed!r} is not a list of numbers") from None
    problems = []
    if e.size < 2:
        problems.append("give at least two edges")
    if np.isnan(e).any():
        problems.append("edges must be numbers, not NaN")
    if e.size > 2 and not np.isfinite(e[1:-1]).all():
        problems.append("only the first and last edges may be infinite")
    if e.size >= 2 and not (np.diff(e) > 0).all():
        problems.append("edges must be strictly increasing")
    if problems:
        raise InputError(f"fixed: {list(e)} — " + "; ".join(problems))
    return e


def _data_edges(x: np.ndarray, method: str, k: int) -> np.ndarray:
    distinct, counts = np.unique(x, return_counts=True)
    m = distinct.size
    if m == 1:
        return np.array([distinct[0], distinct[0]])
    if m <= k:
        return np.concatenate([distinct[:1], (distinct[:-1] + distinct[1:]) / 2, distinct[-1:]])
    if method == "quantiles":
        ordered = np.sort(x)
        ranks = -(-np.arange(1, k) * ordered.size // k)  # ceil(i·n/k), in exact integer arithmetic
        return np.unique(np.concatenate([distinct[:1], ordered[ranks - 1], distinct[-1:]]))
    if method == "equal":
        return np.linspace(distinct[0], distinct[-1], k + 1)
    return _fisher_jenks(distinct, counts.astype(float), k)


def _centred_edges(x: np.ndarray, method: str, k: int, centre: float) -> np.ndarray:
    below, above = x[x <= centre], x[x > centre]
    if above.size == 0:  # everything at or below the centre: the centre closes the range
        edges = _data_edges(x, method, k)
        return np.append(edges[:-1], centre)
    if below.size == 0 or below.min() == centre:  # nothing (or only the centre) below: it opens it
        edges = _data_edges(x, method, k)
        return np.concatenate([[centre], edges[1:]])
    k_below = min(max(1, round(k * below.size / x.size)), max(1, k - 1))
    k_above = max(1, k - k_below)
    lower = _data_edges(below, method, k_below)
    upper = _data_edges(above, method, k_above)
    return np.concatenate([lower[:-1], [centre], upper[1:]])


def _fisher_jenks(values: np.ndarray, weights: np.ndarray, k: int) -> np.ndarray:
    """Optimal partition of sorted distinct ``values`` (with ``weights``) into ``k`` contiguous classes.

    ``current[e]`` is the least within-class sum of squares of the first ``e`` values split into
    ``j + 1`` classes, ``back[j, e]`` the start of the last of those classes. That start never moves
    left when ``e`` grows (the cost obeys the quadrangle inequality), so each row is filled by divide
    and conquer, one level of all intervals at a time: O(m log m) work per class instead of O(m²),
    with the same optimum.
    """
    m = values.size
    v = values - np.average(values, weights=weights)  # centred, for precise sums of squares
    W = np.concatenate([[0.0], np.cumsum(weights)])
    S = np.concatenate([[0.0], np.cumsum(weights * v)])
    Q = np.concatenate([[0.0], np.cumsum(weights * v * v)])

    previous = np.full(m + 1, np.inf)
    previous[1:] = (Q[1:] - Q[0]) - (S[1:] - S[0]) ** 2 / (W[1:] - W[0])
    back = np.zeros((k, m + 1), dtype=np.int64)
    for j in range(1, k):
        current = np.full(m + 1, np.inf)
        first = m if j == k - 1 else j + 1  # j + 1 classes need j + 1 values; the last row needs e = m
        # intervals of end points [lo, hi] whose best start lies in [s_lo, s_hi]; one level at a time
        lo, hi = np.array([first]), np.array([m])
        s_lo, s_hi = np.array([j]), np.array([m - 1])
        while lo.size:
            e = (lo + hi) // 2
            length = np.minimum(s_hi, e - 1) - s_lo + 1
            offset = np.concatenate([[0], np.cumsum(length)[:-1]])
            which = np.repeat(np.arange(e.size), length)
            starts = s_lo[which] + np.arange(which.size) - offset[which]
            ends = e[which]
            within = (Q[ends] - Q[starts]) - (S[ends] - S[starts]) ** 2 / (W[ends] - W[starts])
            total = previous[starts] + within
            lowest = np.minimum.reduceat(total, offset)
            hits = np.flatnonzero(total <= lowest[which])
            pick = starts[hits[np.searchsorted(which[hits], np.arange(e.size))]]
            current[e], back[j, e] = lowest, pick
            lo, hi = np.concatenate([lo, e + 1]), np.concatenate([e - 1, hi])
            s_lo, s_hi = np.concatenate([s_lo, pick]), np.concatenate([pick, s_hi])
            keep = lo <= hi
            lo, hi, s_lo, s_hi = lo[keep], hi[keep], s_lo[keep], s_hi[keep]
        previous = current
    cuts = []
    e = m
    for j in range(k - 1, 0, -1):
        e = int(back[j, e])
        cuts.append(e)
    cuts.reverse()  # start index of classes 1..k-1
    return np.concatenate([values[:1], values[np.asarray(cuts, dtype=np.int64) - 1], values[-1:]])
