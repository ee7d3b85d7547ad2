"""Small-count suppression: primary below the threshold, secondary where one would be recoverable."""

from __future__ import annotations

import numpy as np

from diagnostics.privacy import suppressed


def test_primary_and_secondary() -> None:
    counts = np.array([3.0, 40.0, 12.0, 0.0, 7.0, 2.0, 1.0, 9.0])
    parent = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    hidden = suppressed(counts, parent)
    # parent 0: 3 hidden, then the smallest positive other (12) too; 0 is not a small count
    # parent 1: two hidden already (2 and 1), nothing recoverable
    assert hidden.tolist() == [True, False, True, False, False, True, True, False]


def test_threshold_zero_publishes_everything() -> None:
    assert not suppressed(np.array([1.0, 2.0]), np.array([0, 0]), threshold=0).any()


def test_no_parent_only_primary() -> None:
    assert suppressed(np.array([4.0, 50.0]), np.array([-1, -1])).tolist() == [True, False]
