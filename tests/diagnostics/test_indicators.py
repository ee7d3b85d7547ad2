"""Rates, empirical Bayes smoothing, equity indices: hand cases and brute-force comparisons."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from diagnostics.indicators import eb_rates, gini, rate, theil, zscores


def test_rate_is_nan_where_undefined() -> None:
    out = rate(np.array([1, 2, 3, np.nan]), np.array([1000, 0, np.nan, 10]))
    assert out[0] == 1.0 and np.isnan(out[1:]).all()


def _gini_brute(x: np.ndarray, w: np.ndarray) -> float:
    units = list(zip(x, w, strict=True))
    pairs = sum(wi * wj * abs(xi - xj) for (xi, wi), (xj, wj) in itertools.product(units, repeat=2))
    return pairs / (2 * w.sum() ** 2 * (w * x).sum() / w.sum())


def test_gini_hand_cases() -> None:
    assert gini(np.array([1.0, 1.0, 1.0])) == 0
    assert gini(np.array([0.0, 0.0, 0.0, 4.0])) == pytest.approx(0.75)  # (n − 1) / n
    assert np.isnan(gini(np.array([np.nan])))


@given(
    st.lists(
        st.tuples(st.floats(0, 100, allow_nan=False), st.floats(0.1, 50, allow_nan=False)),
        min_size=1,
        max_size=12,
    )
)
def test_gini_equals_brute_force(pairs: list[tuple[float, float]]) -> None:
    x = np.array([p[0] for p in pairs])
    w = np.array([p[1] for p in pairs])
    if (w * x).sum() == 0:
        assert gini(x, w) == 0
    else:
        assert gini(x, w) == pytest.approx(_gini_brute(x, w), abs=1e-9)


def test_theil_hand_cases() -> None:
    assert theil(np.array([2.0, 2.0])) == 0
    # one of n units holds everything: T = ln(n)
    assert theil(np.array([0.0, 0.0, 0.0, 5.0])) == pytest.approx(np.log(4))


def test_empirical_bayes_pulls_small_units_most() -> None:
    events = np.array([1.0, 100.0, 50.0])
    population = np.array([10.0, 10_000.0, 10_000.0])
    smoothed = eb_rates(events, population)
    raw = rate(events, population)
    overall = events.sum() / population.sum() * 1000
    # the unit of 10 people (raw 100 per 1,000) moves almost to the overall rate
    assert abs(smoothed[0] - overall) < abs(raw[0] - overall) / 5
    # the large units barely move
    assert smoothed[1] == pytest.approx(raw[1], rel=0.05)


def test_empirical_bayes_identical_rates_stay() -> None:
    smoothed = eb_rates(np.array([1.0, 2.0, 4.0]), np.array([100.0, 200.0, 400.0]))
    assert smoothed == pytest.approx([10.0, 10.0, 10.0])


def test_zscores() -> None:
    z = zscores(np.array([1.0, 2.0, 3.0, 100.0]), np.array([True, True, True, False]))
    assert z[:3] == pytest.approx([-1.2247449, 0, 1.2247449]) and np.isnan(z[3])
    assert (zscores(np.array([5.0, 5.0]), np.array([True, True])) == 0).all()
