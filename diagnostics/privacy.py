"""Statistical disclosure control: small need counts are never published.

A need count strictly between 0 and the threshold (default 5) is *primarily* suppressed. Because
totals of the parent unit are published, a single suppressed unit within its parent could be
recovered by subtraction; the smallest other positive count of that parent is then suppressed too
(*secondary* suppression). Every value derived from a suppressed count (rates per target, coverage,
shares) is suppressed with it — the caller clears those through the status column.
"""

from __future__ import annotations

import numpy as np

THRESHOLD = 5


def small(counts: np.ndarray, *, threshold: float = THRESHOLD) -> np.ndarray:
    """True where a count is positive and below ``threshold``."""
    c = np.asarray(counts, dtype=float)
    return np.isfinite(c) & (c > 0) & (c < threshold)


def suppressed(counts: np.ndarray, parent: np.ndarray, *, threshold: float = THRESHOLD) -> np.ndarray:
    """Primary and secondary suppression of ``counts`` grouped by ``parent`` (-1 = no parent).

    Returns the mask of counts to suppress. Within each parent, as long as exactly one count is
    suppressed while others are published, the smallest published positive count is added.
    """
    c = np.asarray(counts, dtype=float)
    out = small(c, threshold=threshold)
    if threshold <= 0:
        return out
    for p in np.unique(parent[parent >= 0]):
        members = np.flatnonzero(parent == p)
        hidden = out[members]
        if hidden.sum() != 1:
            continue
        candidates = members[~hidden & np.isfinite(c[members]) & (c[members] > 0)]
        if len(candidates):
            out[candidates[np.argmin(c[candidates])]] = True
    return out
