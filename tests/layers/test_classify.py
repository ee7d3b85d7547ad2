"""Class breaks: hand cases with known answers, and Fisher–Jenks against exhaustive search."""

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InputError
from layers.classify import breaks, classify, within_class_ss


def brute_force_jenks(values, k):
    """The least within-class sum of squares over every split of the sorted distinct values."""
    distinct = np.unique(values)
    best = np.inf
    for cuts in itertools.combinations(range(1, distinct.size), k - 1):
        edges = np.concatenate([distinct[:1], distinct[np.array(cuts, dtype=int) - 1], distinct[-1:]])
        best = min(best, within_class_ss(values, edges))
    return best


def quadratic_jenks(values, k):
    """Textbook O(k·m²) dynamic programme on the distinct values weighted by their counts."""
    distinct, counts = np.unique(values, return_counts=True)
    m = distinct.size
    w = np.concatenate([[0], np.cumsum(counts)])
    s = np.concatenate([[0], np.cumsum(counts * distinct)])
    q = np.concatenate([[0], np.cumsum(counts * distinct**2)])

    def cost(a, b):
        return q[b] - q[a] - (s[b] - s[a]) ** 2 / (w[b] - w[a])

    table = np.full((k + 1, m + 1), np.inf)
    table[0, 0] = 0
    for j in range(1, k + 1):
        for e in range(j, m + 1):
            table[j, e] = min(table[j - 1, a] + cost(a, e) for a in range(j - 1, e))
    return table[k, m]


@pytest.mark.parametrize(
    ("values", "method", "k", "expected"),
    [
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "equal", 3, [1, 4, 7, 10]),
        ([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "quantiles", 5, [1, 2, 4, 6, 8, 10]),
        ([1, 2, 3, 10, 11, 12, 30, 31, 32], "jenks", 3, [1, 3, 12, 32]),
        ([0, 0, 0, 0, 1, 2, 5, 9], "quantiles", 4, [0, 2, 9]),  # ties merge classes
        ([5, 5, 5], "jenks", 4, [5, 5]),  # all equal: one class [v, v]
        ([1, 1, 2, 2, 3], "jenks", 5, [1, 1.5, 2.5, 3]),  # 3 distinct values for 5 classes: 3 classes
        ([1, 1, 2, 2, 3], "quantiles", 5, [1, 1.5, 2.5, 3]),
        ([2, 4], "equal", 2, [2, 3, 4]),
        ([1, np.nan, 3, None, 2, np.inf], "equal", 2, [1, 2, 3]),  # missing and infinite values ignored
    ],
)
def test_breaks_hand_cases(values, method, k, expected):
    assert breaks(np.array(values, dtype=float), method=method, k=k).tolist() == pytest.approx(expected)


def test_no_finite_value_gives_no_class():
    assert breaks([], k=5).size == 0
    assert breaks([np.nan, np.nan], method="jenks").size == 0
    assert classify([np.nan, 1.0], np.empty(0)).tolist() == [-1, -1]


def test_classes_are_closed_above_and_missing_values_are_minus_one():
    edges = [0, 10, 20, 50]
    values = [0, 5, 10, 10.0001, 20, 50, 50.1, -1, np.nan]
    assert classify(values, edges).tolist() == [0, 0, 0, 1, 1, 2, -1, -1, -1]
    assert classify(pd.Series([1.0, None], dtype="Float64"), [1, 2]).tolist() == [0, -1]


def test_fixed_breaks_are_kept_and_may_be_open_ended():
    edges = breaks([1, 2, 3], method="fixed", fixed=[-np.inf, 0, 10, np.inf])
    assert edges.tolist() == [-np.inf, 0, 10, np.inf]
    assert classify([-5, 0, 5, 1e9], edges).tolist() == [0, 0, 1, 2]


@pytest.mark.parametrize(
    ("fixed", "message"),
    [
        (None, "needs the class edges"),
        ([1], "at least two"),
        ([3, 2, 1], "strictly increasing"),
        ([0, np.inf, 5], "first and last"),
        (["a", "b"], "not a list of numbers"),
    ],
)
def test_bad_fixed_breaks_are_refused_with_a_reason(fixed, message):
    with pytest.raises(InputError, match=message):
        breaks([1, 2], method="fixed", fixed=fixed)


def test_bad_parameters_are_refused():
    with pytest.raises(InputError, match="not a classification method"):
        breaks([1, 2], method="natural")
    with pytest.raises(InputError, match="at least 1"):
        breaks([1, 2], k=0)
    with pytest.raises(InputError, match="not numbers"):
        breaks(["a", "b"], k=2)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(-50, 50), min_size=2, max_size=11),
    st.integers(1, 5),
)
def test_jenks_is_the_exhaustive_optimum(ints, k):
    values = np.array(ints, dtype=float) * 1.5
    edges = breaks(values, method="jenks", k=k)
    distinct = np.unique(values)
    if distinct.size <= k:
        assert edges.size - 1 == (distinct.size if distinct.size > 1 else 1)
        return
    assert edges.size == k + 1
    assert within_class_ss(values, edges) == pytest.approx(brute_force_jenks(values, k), abs=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_jenks_equals_the_quadratic_programme_on_larger_inputs(seed):
    rng = np.random.default_rng(seed)
    values = np.round(rng.lognormal(2, 1, 300), 1)  # with ties
    k = 3 + seed
    edges = breaks(values, method="jenks", k=k)
    assert edges.size == k + 1
    assert within_class_ss(values, edges) == pytest.approx(quadratic_jenks(values, k), rel=1e-9)


def test_jenks_never_splits_equal_values():
    values = np.array([1, 1, 1, 1, 2, 2, 2, 9, 9, 10])
    edges = breaks(values, method="jenks", k=3)
    classes = classify(values, edges)
    for v in np.unique(values):
        assert np.unique(classes[values == v]).size == 1


@pytest.mark.parametrize("method", ["quantiles", "jenks", "equal"])
def test_every_class_of_real_sector_data_is_used_once(brussels_workspace, method):
    from geo.workspace import read_table

    sectors = read_table(brussels_workspace, "sectors")
    density = sectors["population"] / (sectors.area / 1e6)
    edges = breaks(density, method=method, k=6)
    assert np.all(np.diff(edges) > 0) and edges.size == 7
    assert edges[0] == density.min() and edges[-1] == density.max()
    counts = np.bincount(classify(density, edges), minlength=6)
    assert counts.sum() == len(sectors)
    if method != "equal":
        assert (counts > 0).all()
    if method == "quantiles":
        assert counts.max() - counts.min() <= 0.05 * len(sectors)


def test_centre_becomes_an_edge_and_classes_split_around_it():
    values = np.array([-5, -4, -3, -1, 0, 1, 2, 3, 4, 8, 9, 10])
    edges = breaks(values, method="quantiles", k=4, centre=0)
    assert 0 in edges.tolist() and edges[0] == -5 and edges[-1] == 10
    assert np.all(np.diff(edges) > 0)
    below = breaks([0.5, 0.7, 0.9], method="equal", k=2, centre=1)  # all values below the centre
    assert below.tolist() == pytest.approx([0.5, 0.7, 1])
    above = breaks([1, 1.5, 2], method="equal", k=2, centre=1)  # the centre is the smallest value
    assert above[0] == 1 and above[-1] == 2
