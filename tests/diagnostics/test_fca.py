import math

import numpy as np
import pandas as pd
import pytest
from access import Access, weights
from access import fca as access_fca
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

from diagnostics.fca import (
    DETOUR,
    NO_DECAY,
    Costs,
    Decay,
    euclidean_costs,
    nearest_distance,
    parse_decay,
    share_within,
    table_costs,
    two_step_fca,
)
from geo.errors import InputError, ProblemsError

# --------------------------------------------------------------------------------------------
# PySAL access on the same inputs


def _weight_fn(decay: Decay):
    if decay.kind == "bands":
        return weights.step_fn(dict(decay.bands))
    if decay.kind == "gaussian":
        return weights.gaussian(decay.sigma)
    return None


def _frames(demand, supply, cost_df):
    demand_df = pd.DataFrame({"demand": demand}, index=pd.RangeIndex(len(demand), name="geoid"))
    supply_df = pd.DataFrame({"supply": supply}, index=pd.RangeIndex(len(supply), name="geoid"))
    return demand_df, supply_df, cost_df.rename(columns={"destination": "dest"})


def access_accessibility(demand, supply, cost_df, *, decay, max_cost):
    """PySAL access's 2SFCA / E2SFCA per origin position (NaN where access leaves it out)."""
    demand_df, supply_df, cost_df = _frames(demand, supply, cost_df)
    model = Access(
        demand_df=demand_df,
        demand_index=True,
        demand_value="demand",
        supply_df=supply_df,
        supply_index=True,
        supply_value="supply",
        cost_df=cost_df,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    if decay.kind == "none":
        out = model.two_stage_fca(max_cost=max_cost)
    else:
        out = model.enhanced_two_stage_fca(max_cost=max_cost, weight_fn=_weight_fn(decay))
    return out.iloc[:, 0].reindex(range(len(demand))).to_numpy(dtype=float)


def access_reached_demand(demand, supply, cost_df, *, decay, max_cost):
    """access's first step (weighted demand per site), NaN for the sites it leaves out."""
    demand_df, _, cost_df = _frames(demand, supply, cost_df)
    series = access_fca.weighted_catchment(
        demand_df,
        cost_df,
        max_cost,
        cost_source="origin",
        cost_dest="dest",
        cost_cost="cost",
        loc_index="geoid",
        loc_value="demand",
        weight_fn=_weight_fn(decay),
    )
    return series.reindex(range(len(supply))).to_numpy(dtype=float)


def check_against_access(demand, supply, cost_df, costs, *, decay, max_cost):
    """Equal to access to 1e-9 where access is defined; our documented values elsewhere."""
    ours = two_step_fca(demand, supply, costs, decay=decay)
    theirs = access_accessibility(demand, supply, cost_df, decay=decay, max_cost=max_cost)
    defined = np.isfinite(theirs)
    np.testing.assert_allclose(ours.accessibility[defined], theirs[defined], rtol=1e-9, atol=0)
    assert np.isfinite(ours.accessibility).all()

    # access leaves out (NaN) the origins with no site within max_cost: ours gives them 0
    has_pair = np.bincount(costs.origin, minlength=len(demand)) > 0
    assert (np.isnan(theirs) == ~has_pair).all()
    assert (ours.accessibility[~has_pair] == 0).all()
    # access gives +inf to the origins reaching, with a positive weight, a site whose weighted
    # demand is 0 and supply positive (0 / 0 ratios are skipped by its sum)
    w = decay.weights(costs.cost)
    bad_pair = ours.unreached[costs.destination] & (supply[costs.destination] > 0) & (w > 0)
    reaches_bad = np.bincount(costs.origin[bad_pair], minlength=len(demand)) > 0
    assert (np.isposinf(theirs) == reaches_bad).all()
    assert (np.asarray(demand)[reaches_bad] == 0).all()

    # first step: the same weighted demand; sites access leaves out reach no pair at all
    step1 = access_reached_demand(demand, supply, cost_df, decay=decay, max_cost=max_cost)
    listed = ~np.isnan(step1)
    np.testing.assert_allclose(ours.reached_demand[listed], step1[listed], rtol=1e-9, atol=1e-300)
    assert (ours.reached_demand[~listed] == 0).all()
    assert (ours.unreached == ~(ours.reached_demand > 0)).all()
    assert np.isnan(ours.ratio[ours.unreached]).all()
    np.testing.assert_allclose(
        ours.ratio[~ours.unreached], supply[~ours.unreached] / step1[~ours.unreached], rtol=1e-12
    )
    return ours, theirs


def supply_counted(result, demand):
    return float(np.dot(demand, result.accessibility))


# --------------------------------------------------------------------------------------------
# Hand-computed cases: 3 demand points, 2 sites on a line, detour 1.25 so costs are round.
#
#   P0 (0, 0)    demand 10        S0 (0, 0)    supply 3
#   P1 (100, 0)  demand 20        S1 (600, 0)  supply 4
#   P2 (1000, 0) demand 30
#
# straight-line distance × 1.25 = cost; catchment 1000 m (800 m as the crow flies):
#   P0–S0   0 →    0 (S0 stands on P0: kept)    P0–S1 600 →  750
#   P1–S0 100 →  125                            P1–S1 500 →  625
#   P2–S0 1000 → 1250 (beyond 1000: dropped)    P2–S1 400 →  500

ORIGINS = np.array([[0.0, 0.0], [100.0, 0.0], [1000.0, 0.0]])
SITES = np.array([[0.0, 0.0], [600.0, 0.0]])
DEMAND = np.array([10.0, 20.0, 30.0])
SUPPLY = np.array([3.0, 4.0])


@pytest.fixture()
def line_costs():
    return euclidean_costs(ORIGINS, SITES, max_cost=1000, detour=1.25)


def test_euclidean_costs_by_hand(line_costs):
    frame = line_costs.to_frame()
    assert frame.values.tolist() == [[0, 0, 0.0], [0, 1, 750.0], [1, 0, 125.0], [1, 1, 625.0], [2, 1, 500.0]]
    assert (line_costs.n_origins, line_costs.n_destinations, line_costs.unit) == (3, 2, "m")
    assert "1.25" in line_costs.method


def test_two_step_fca_by_hand(line_costs):
    # D0 = 10 + 20 = 30           R0 = 3 / 30 = 0.1
    # D1 = 10 + 20 + 30 = 60      R1 = 4 / 60 = 1/15
    # A0 = R0 + R1 = 1/6, A1 = 1/6, A2 = R1 = 1/15
    # Σ d A = 10/6 + 20/6 + 30/15 = 5 + 2 = 7 = 3 + 4
    result = two_step_fca(DEMAND, SUPPLY, line_costs)
    np.testing.assert_allclose(result.reached_demand, [30, 60])
    np.testing.assert_allclose(result.ratio, [0.1, 1 / 15])
    np.testing.assert_allclose(result.accessibility, [1 / 6, 1 / 6, 1 / 15])
    assert not result.unreached.any()
    assert supply_counted(result, DEMAND) == pytest.approx(7)


def test_enhanced_two_step_fca_by_hand(line_costs):
    # bands over thirds of 1000 m: ≤ 333.3 → 1, ≤ 666.7 → 0.68, ≤ 1000 → 0.22
    # weights: P0–S0 (0) 1, P0–S1 (750) 0.22, P1–S0 (125) 1, P1–S1 (625) 0.68, P2–S1 (500) 0.68
    # D0 = 10·1 + 20·1 = 30                         R0 = 3 / 30 = 0.1
    # D1 = 10·0.22 + 20·0.68 + 30·0.68 = 36.2       R1 = 4 / 36.2
    # A0 = 1·0.1 + 0.22·4/36.2, A1 = 0.1 + 0.68·4/36.2, A2 = 0.68·4/36.2
    # Σ d A = (10 + 20)·0.1 + (10·0.22 + 20·0.68 + 30·0.68)·4/36.2 = 3 + 36.2·4/36.2 = 7
    decay = parse_decay("bands", max_cost=1000)
    result = two_step_fca(DEMAND, SUPPLY, line_costs, decay=decay)
    np.testing.assert_allclose(result.reached_demand, [30, 36.2])
    np.testing.assert_allclose(result.ratio, [0.1, 4 / 36.2])
    np.testing.assert_allclose(
        result.accessibility, [0.1 + 0.22 * 4 / 36.2, 0.1 + 0.68 * 4 / 36.2, 0.68 * 4 / 36.2]
    )
    assert supply_counted(result, DEMAND) == pytest.approx(7)


def test_gaussian_by_hand(line_costs):
    # σ = 500: w(c) = exp(-c² / 500 000); w(0) = 1, w(125) = e^-0.03125, w(500) = e^-0.5,
    # w(625) = e^-0.78125, w(750) = e^-1.125
    w = {c: math.exp(-(c**2) / (2 * 500**2)) for c in (0, 125, 500, 625, 750)}
    d0 = 10 * w[0] + 20 * w[125]
    d1 = 10 * w[750] + 20 * w[625] + 30 * w[500]
    expected = [w[0] * 3 / d0 + w[750] * 4 / d1, w[125] * 3 / d0 + w[625] * 4 / d1, w[500] * 4 / d1]
    result = two_step_fca(DEMAND, SUPPLY, line_costs, decay=parse_decay("gaussian:500", max_cost=1000))
    np.testing.assert_allclose(result.reached_demand, [d0, d1])
    np.testing.assert_allclose(result.accessibility, expected)


@pytest.mark.parametrize("decay", ["none", "bands", "gaussian"])
def test_hand_case_equals_access(line_costs, decay):
    # give access every pair, the dropped P2–S0 (1250) included, and let it apply max_cost itself
    cost_df = pd.DataFrame(
        {
            "origin": [0, 0, 1, 1, 2, 2],
            "destination": [0, 1, 0, 1, 0, 1],
            "cost": [0, 750, 125, 625, 1250, 500],
        }
    )
    check_against_access(
        DEMAND, SUPPLY, cost_df, line_costs, decay=parse_decay(decay, max_cost=1000), max_cost=1000
    )


def test_zero_costs_are_kept():
    # three sites on the first demand point, one 1 m away from the second
    sites = np.array([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0], [101.0, 0.0]])
    costs = euclidean_costs(ORIGINS, sites, max_cost=1000, detour=1.0)
    zero = costs.to_frame().query("cost == 0")
    assert zero[["origin", "destination"]].values.tolist() == [[0, 0], [0, 1], [0, 2]]
    # a lone demand point on a lone site: every bit of supply is its own
    result = two_step_fca(
        np.array([5.0]), np.array([2.0]), euclidean_costs([[3.0, 4.0]], [[3.0, 4.0]], max_cost=0)
    )
    assert result.accessibility.tolist() == [0.4]


# --------------------------------------------------------------------------------------------
# Sites that reach no demand, and what PySAL access returns there
#
#   origins a (demand 0), b (demand 5), c (demand 4, no site within reach)
#   sites   x (supply 2) reaches only a; y (supply 3) reaches b; z (supply 1) has no pair in reach
#   2SFCA: D_x = 0 → x unreached, ratio NaN; D_y = 5 → R_y = 3/5 = 0.6; z unreached
#          A_a = 0 (x adds nothing), A_b = 0.6, A_c = 0; Σ d A = 5·0.6 = 3 = supply of y alone

UNREACHED_TABLE = pd.DataFrame(
    {"origin": ["a", "b", "c", "b"], "destination": ["x", "y", "z", "z"], "cost": [4.0, 12.0, 45.0, 31.0]}
)


def _unreached_case():
    costs = table_costs(UNREACHED_TABLE, ["a", "b", "c"], ["x", "y", "z"], max_cost=30)
    cost_df = UNREACHED_TABLE.assign(
        origin=UNREACHED_TABLE["origin"].map({"a": 0, "b": 1, "c": 2}),
        destination=UNREACHED_TABLE["destination"].map({"x": 0, "y": 1, "z": 2}),
    )
    return np.array([0.0, 5.0, 4.0]), np.array([2.0, 3.0, 1.0]), cost_df, costs


def test_unreached_sites_documented_behaviour():
    demand, supply, _, costs = _unreached_case()
    result = two_step_fca(demand, supply, costs)
    assert result.unreached.tolist() == [True, False, True]
    assert np.isnan(result.ratio[[0, 2]]).all() and result.ratio[1] == pytest.approx(0.6)
    assert result.reached_demand.tolist() == [0.0, 5.0, 0.0]
    assert result.accessibility.tolist() == [0.0, pytest.approx(0.6), 0.0]
    assert (
        supply_counted(result, demand) == pytest.approx(supply[~result.unreached].sum()) == pytest.approx(3)
    )


def test_what_access_returns_where_a_site_reaches_no_demand():
    """Pins the behaviour the module docstring describes, for this version of access."""
    demand, supply, cost_df, _ = _unreached_case()
    theirs = access_accessibility(demand, supply, cost_df, decay=NO_DECAY, max_cost=30)
    # a: reaches x whose demand is 0 → 2 / 0 = inf; b: 0.6; c: no site within 30 → left out (NaN)
    assert np.isposinf(theirs[0]) and theirs[1] == pytest.approx(0.6) and np.isnan(theirs[2])
    # z (no pair within reach) is missing from its first step, x divides by a zero demand
    step1 = access_reached_demand(demand, supply, cost_df, decay=NO_DECAY, max_cost=30)
    assert step1[0] == 0 and np.isnan(step1[2])


def test_unreached_case_against_access():
    demand, supply, cost_df, costs = _unreached_case()
    for decay in ("none", "bands", "bands:10=1,20=0.5", "gaussian:2"):
        check_against_access(
            demand, supply, cost_df, costs, decay=parse_decay(decay, max_cost=30), max_cost=30
        )


def test_zero_weights_make_a_site_unreached():
    # bands stop at 20 within a catchment of 30, so a pair at 25 is within reach but weighs 0:
    # a–x at 5 weighs 1 → D_x = 2, R_x = 1/2, A_a = 1 · 1/2; y's only pair (b–y) is at 25 →
    # D_y = 5 · 0 = 0 → y unreached, A_b = 0
    table = pd.DataFrame({"origin": ["a", "b"], "destination": ["x", "y"], "cost": [5.0, 25.0]})
    costs = table_costs(table, ["a", "b"], ["x", "y"], max_cost=30)
    result = two_step_fca(
        np.array([2.0, 5.0]), np.array([1.0, 1.0]), costs, decay=parse_decay("bands:10=1,20=0.5", max_cost=30)
    )
    assert result.unreached.tolist() == [False, True]
    assert result.accessibility.tolist() == [0.5, 0.0]


# --------------------------------------------------------------------------------------------
# Random problems: equal to access, and supply conserved


@st.composite
def problems(draw):
    n = draw(st.integers(1, 8))
    m = draw(st.integers(1, 6))
    pairs = draw(
        st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, m - 1)), max_size=n * m, unique=True)
    )
    # integer costs land on band edges and on the catchment bound (30) often
    cost = draw(st.lists(st.integers(0, 40), min_size=len(pairs), max_size=len(pairs)))
    amount = st.one_of(st.just(0.0), st.integers(1, 50).map(float), st.floats(0.01, 1e4))
    demand = np.array(draw(st.lists(amount, min_size=n, max_size=n)))
    supply = np.array(draw(st.lists(amount, min_size=m, max_size=m)))
    decay = draw(
        st.sampled_from(
            ["none", "bands", "bands:10=1,20=0.68,30=0.22", "bands:10=1,20=0.5", "gaussian", "gaussian:3"]
        )
    )
    table = pd.DataFrame(
        {
            "origin": [p[0] for p in pairs],
            "destination": [p[1] for p in pairs],
            "cost": np.array(cost, dtype=float),
        }
    )
    return demand, supply, table, parse_decay(decay, max_cost=30)


@given(problems())
@settings(max_examples=60, deadline=None)
def test_equals_access_where_defined(problem):
    demand, supply, table, decay = problem
    costs = table_costs(
        table, [str(i) for i in range(len(demand))], [str(j) for j in range(len(supply))], max_cost=30
    )
    check_against_access(demand, supply, table, costs, decay=decay, max_cost=30)


@given(problems())
@settings(max_examples=300, deadline=None)
def test_supply_is_conserved(problem):
    demand, supply, table, decay = problem
    costs = table_costs(
        table, [str(i) for i in range(len(demand))], [str(j) for j in range(len(supply))], max_cost=30
    )
    result = two_step_fca(demand, supply, costs, decay=decay)
    counted = supply[~result.unreached].sum()
    assert supply_counted(result, demand) == pytest.approx(counted, rel=1e-9, abs=1e-9)
    # an unreached site reaches no positive weighted demand; a reached one does
    w = decay.weights(costs.cost) * demand[costs.origin]
    positive = np.bincount(costs.destination[w > 0], minlength=len(supply)) > 0
    assert (result.unreached == ~positive).all()


@given(problems(), st.randoms(use_true_random=False))
@settings(max_examples=100, deadline=None)
def test_order_of_pairs_does_not_matter(problem, random):
    # sorted pairs take the sparse-matrix path, shuffled ones the bincount path
    demand, supply, table, decay = problem
    costs = table_costs(
        table, [str(i) for i in range(len(demand))], [str(j) for j in range(len(supply))], max_cost=30
    )
    order = list(range(len(costs)))
    random.shuffle(order)
    shuffled = Costs(
        costs.origin[order],
        costs.destination[order],
        costs.cost[order],
        len(demand),
        len(supply),
        "min",
        "shuffled",
    )
    a = two_step_fca(demand, supply, costs, decay=decay)
    b = two_step_fca(demand, supply, shuffled, decay=decay)
    np.testing.assert_allclose(a.accessibility, b.accessibility, rtol=1e-12, atol=0)
    np.testing.assert_allclose(a.reached_demand, b.reached_demand, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(a.unreached, b.unreached)


def test_shuffled_hand_case():
    costs = euclidean_costs(ORIGINS, SITES, max_cost=1000, detour=1.25)
    order = [4, 2, 0, 3, 1]
    shuffled = Costs(costs.origin[order], costs.destination[order], costs.cost[order], 3, 2, "m", "shuffled")
    assert costs.origin.tolist() == [0, 0, 1, 1, 2] and shuffled.origin.tolist() == [2, 1, 0, 1, 0]
    np.testing.assert_allclose(two_step_fca(DEMAND, SUPPLY, shuffled).accessibility, [1 / 6, 1 / 6, 1 / 15])


@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 60),
    st.integers(1, 30),
    st.floats(0, 400),
    st.floats(1, 2),
)
@settings(max_examples=60, deadline=None)
def test_euclidean_costs_match_brute_force(seed, n, m, max_cost, detour):
    rng = np.random.default_rng(seed)
    origins = rng.integers(0, 20, (n, 2)) * 50.0  # a coarse grid: many coincident points
    sites = rng.integers(0, 20, (m, 2)) * 50.0
    costs = euclidean_costs(origins, sites, max_cost=max_cost, detour=detour)
    full = cdist(origins, sites) * detour
    i, j = np.nonzero(full <= max_cost)
    assert costs.origin.tolist() == i.tolist() and costs.destination.tolist() == j.tolist()
    np.testing.assert_allclose(costs.cost, full[i, j], rtol=1e-12, atol=1e-9)


def test_euclidean_costs_bound_is_inclusive():
    # 800 m × 1.25 = 1000 = max_cost: kept; 800.5 m → 1000.625: dropped
    costs = euclidean_costs([[0.0, 0.0], [0.5, 0.0]], [[800.5, 0.0]], max_cost=1000, detour=1.25)
    assert costs.origin.tolist() == [1] and costs.cost.tolist() == [1000.0]


def test_euclidean_costs_without_points():
    costs = euclidean_costs(np.zeros((0, 2)), SITES, max_cost=1000)
    assert len(costs) == 0 and costs.n_destinations == 2
    result = two_step_fca(np.zeros(0), SUPPLY, costs)
    assert result.unreached.all() and len(result.accessibility) == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"detour": 0.9}, "detour must be a number ≥ 1"),
        ({"max_cost": -1}, "max_cost must be a finite number ≥ 0"),
        ({"max_cost": float("nan")}, "max_cost must be a finite number"),
        ({"origins": np.zeros((2, 3))}, "origins must be an array of x, y coordinates"),
        ({"destinations": [[0.0, np.nan]]}, "destinations: missing or infinite coordinates in row 1"),
    ],
)
def test_euclidean_costs_errors(kwargs, message):
    args = {"origins": ORIGINS, "destinations": SITES, "max_cost": 1000, **kwargs}
    with pytest.raises(InputError, match=message):
        euclidean_costs(**args)


def test_default_detour_is_documented():
    assert DETOUR == 1.3
    assert "1.3" in euclidean_costs(ORIGINS, SITES, max_cost=10).method


# --------------------------------------------------------------------------------------------
# Origin–destination tables


def test_table_costs_maps_ids_and_keeps_zero_costs():
    table = pd.DataFrame(
        {
            "from": ["21004A00-", "21004A01-", "21004A01-", "21004A00-"],
            "to": [17, 18, 17, 18],  # numbers in the table, text in the ids: compared as text
            "minutes": [0.0, 9.5, "12", 31.0],
        }
    )
    costs = table_costs(
        table,
        ["21004A00-", "21004A01-"],
        ["18", "17"],
        origin="from",
        destination="to",
        cost="minutes",
        max_cost=30,
    )
    assert costs.to_frame().values.tolist() == [[0, 1, 0.0], [1, 0, 9.5], [1, 1, 12.0]]
    assert (costs.unit, costs.n_origins, costs.n_destinations) == ("min", 2, 2)


def _table_error(table, **kwargs):
    with pytest.raises(ProblemsError) as error:
        table_costs(table, ["a", "b"], ["x", "y"], max_cost=30, **kwargs)
    return str(error.value)


def test_table_costs_names_missing_columns():
    message = _table_error(pd.DataFrame({"origin": ["a"], "dest": ["x"], "time": [1.0]}))
    assert "column 'destination' (the destination column) is missing" in message
    assert "column 'cost' (the cost column) is missing" in message
    assert "'origin', 'dest', 'time'" in message


def test_table_costs_names_unknown_ids_and_their_rows():
    table = pd.DataFrame(
        {"origin": ["a", "q", "b", "q", None], "destination": ["x", "x", "w", "y", "y"], "cost": [1.0] * 5}
    )
    message = _table_error(table)
    assert "rows 2, 4: origin 'q' (column 'origin') is not one of the 2 origins" in message
    assert "row 3: destination 'w' (column 'destination') is not one of the 2 destinations" in message
    assert "row 5: empty origin in column 'origin'" in message


def test_table_costs_names_bad_costs_and_their_rows():
    table = pd.DataFrame(
        {
            "origin": ["a", "a", "b", "b", "a"],
            "destination": ["x", "y", "x", "y", "x"],
            "cost": [1.0, "ten", -2.5, None, np.inf],
        }
    )
    message = _table_error(table)
    assert "row 2: cost is not a number in column 'cost' ('ten')" in message
    assert "row 3: cost is negative in column 'cost' (-2.5)" in message
    assert "row 4: empty cost in column 'cost'" in message
    assert "row 5: cost is infinite in column 'cost' (inf)" in message
    assert "rows 1, 5: the pair ('a', 'x') is given more than once" in message
    assert "5 problems" in message


def test_table_costs_reports_repeated_ids():
    with pytest.raises(InputError, match="origin ids must not repeat an id; repeated: 'a'"):
        table_costs(UNREACHED_TABLE, ["a", "b", "a"], ["x", "y", "z"], max_cost=30)


# --------------------------------------------------------------------------------------------
# Decay


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("none", NO_DECAY),
        (" None ", NO_DECAY),
        ("bands", Decay("bands", ((500.0, 1.0), (1000.0, 0.68), (1500.0, 0.22)))),
        ("bands:500=1,1000=0.68,1500=0.22", Decay("bands", ((500.0, 1.0), (1000.0, 0.68), (1500.0, 0.22)))),
        ("BANDS: 300 = 1, 900 = 0.5", Decay("bands", ((300.0, 1.0), (900.0, 0.5)))),
        ("gaussian", Decay("gaussian", sigma=750.0)),
        ("gaussian:500", Decay("gaussian", sigma=500.0)),
    ],
)
def test_parse_decay(text, expected):
    assert parse_decay(text, max_cost=1500) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("linear", "decay 'linear' is not known; use none, bands"),
        ("bands:500", "cannot read band '500'; write upper cost=weight"),
        ("bands:500=1,400=0.5", "band bounds must be finite, ≥ 0 and increasing"),
        ("bands:500=-1", "band weights must be finite and ≥ 0"),
        ("gaussian:wide", "the Gaussian width 'wide' is not a number"),
        ("gaussian:0", "needs a width sigma > 0"),
        ("none:3", "is not known"),
    ],
)
def test_parse_decay_errors(text, message):
    with pytest.raises(InputError, match=message):
        parse_decay(text, max_cost=1500)


def test_band_weights_equal_access_step_function_on_the_edges():
    decay = parse_decay("bands:10=1,20=0.68,30=0.22", max_cost=40)
    costs = np.array([0, 5, 10, np.nextafter(10, 11), 19.999, 20, 25, 30, np.nextafter(30, 31), 35, 40])
    step = weights.step_fn(dict(decay.bands))
    assert decay.weights(costs).tolist() == [step(c) for c in costs]
    assert decay.weights(costs).tolist() == [1, 1, 1, 0.68, 0.68, 0.68, 0.22, 0.22, 0, 0, 0]


def test_gaussian_weights_equal_access():
    decay = parse_decay("gaussian:20", max_cost=60)
    costs = np.array([0.0, 20, 40, 60])
    np.testing.assert_allclose(decay.weights(costs), weights.gaussian(20)(costs), rtol=1e-15)
    assert decay.weights(costs)[1] == pytest.approx(math.exp(-0.5))


def test_default_gaussian_is_close_to_the_bands():
    # σ = max_cost / 2, read in the middle of each third: ≈ 0.95, 0.61, 0.25 against 1, 0.68, 0.22
    w = parse_decay("gaussian", max_cost=1500).weights(np.array([250.0, 750.0, 1250.0]))
    np.testing.assert_allclose(w, [1, 0.68, 0.22], atol=0.08)


def test_decay_describes_itself():
    assert parse_decay("bands", max_cost=1500).describe() == (
        "distance decay by bands (≤ 500 m: 1, ≤ 1000 m: 0.68, ≤ 1500 m: 0.22; 0 beyond)"
    )
    assert parse_decay("gaussian:8", max_cost=30).describe("min") == "Gaussian distance decay (σ = 8 min)"


# --------------------------------------------------------------------------------------------
# Inputs of two_step_fca


def test_two_step_fca_checks_its_inputs(line_costs):
    with pytest.raises(InputError, match=r"demand must hold one value per origin \(3\)"):
        two_step_fca(DEMAND[:2], SUPPLY, line_costs)
    with pytest.raises(InputError, match=r"supply must be finite and ≥ 0; destinations at positions \[1\]"):
        two_step_fca(DEMAND, np.array([1.0, -1.0]), line_costs)
    with pytest.raises(InputError, match=r"demand must be finite and ≥ 0; origins at positions \[0\]"):
        two_step_fca(np.array([np.nan, 1, 1]), SUPPLY, line_costs)


@pytest.mark.parametrize(
    ("origin", "destination", "cost", "message"),
    [
        ([0, 0], [0], [1.0, 2.0], "same length"),
        ([0, 2], [0, 0], [1.0, 2.0], r"origin positions must lie in 0..1"),
        ([0, 1], [0, -1], [1.0, 2.0], r"destination positions must lie in 0..0"),
        ([0, 1], [0, 0], [1.0, -2.0], "costs must be finite and ≥ 0"),
        ([0, 1], [0, 0], [np.nan, 2.0], "costs must be finite and ≥ 0"),
    ],
)
def test_costs_check_their_pairs(origin, destination, cost, message):
    with pytest.raises(ValueError, match=message):
        Costs(np.array(origin), np.array(destination), np.array(cost), 2, 1, "m", "test")


# --------------------------------------------------------------------------------------------
# Nearest distance and share within


def test_nearest_distance_by_hand():
    # (3, 4) is 5 from (0, 0) and 5 from (6, 8); (6, 8) is on a site; (10, 8) is 4 from (6, 8)
    origins = np.array([[3.0, 4.0], [6.0, 8.0], [10.0, 8.0], [-6.0, -8.0]])
    sites = np.array([[0.0, 0.0], [6.0, 8.0]])
    assert nearest_distance(origins, sites).tolist() == [5.0, 0.0, 4.0, 10.0]


def test_nearest_distance_without_sites_is_infinite():
    assert nearest_distance(ORIGINS, np.zeros((0, 2))).tolist() == [math.inf] * 3
    assert nearest_distance(np.zeros((0, 2)), SITES).tolist() == []


@pytest.mark.parametrize(
    ("limit", "expected"),
    [
        (99.0, 0.0),  # nobody within 99
        (100.0, 10 / 60),  # the bound is inclusive
        (500.0, 30 / 60),
        (1e12, 30 / 60),  # infinity (no site at all) is never within
    ],
)
def test_share_within_by_hand(limit, expected):
    demand = np.array([10.0, 20.0, 30.0])
    distance = np.array([100.0, 500.0, np.inf])
    assert share_within(demand, distance, limit=limit) == pytest.approx(expected)


def test_share_within_edge_cases():
    assert math.isnan(share_within(np.zeros(2), np.array([1.0, 2.0]), limit=5))
    with pytest.raises(InputError, match="one value per demand value"):
        share_within(np.ones(2), np.ones(3), limit=5)
    with pytest.raises(InputError, match="limit must be a finite number ≥ 0"):
        share_within(np.ones(2), np.ones(2), limit=-1)


def test_nearest_distance_and_share_within_together():
    distance = nearest_distance(ORIGINS, SITES)  # 0, 100, 400
    assert distance.tolist() == [0.0, 100.0, 400.0]
    assert share_within(DEMAND, distance, limit=100) == pytest.approx(0.5)  # (10 + 20) / 60


# --------------------------------------------------------------------------------------------
# Real data: Brussels sector populations and the OpenStreetMap sites


def test_brussels_sectors_and_osm_sites(brussels_with_osm):
    from geo.workspace import read_table

    sectors = read_table(brussels_with_osm, "sectors")
    sites = read_table(brussels_with_osm, "sites")
    sites = sites[sites.geometry.notna() & ~sites.geometry.is_empty]
    points = sectors.geometry.representative_point()
    origins = np.column_stack([points.x, points.y])
    destinations = np.column_stack([sites.geometry.x, sites.geometry.y])
    demand = sectors["population"].to_numpy(dtype=float)
    supply = np.ones(len(sites))
    costs = euclidean_costs(origins, destinations, max_cost=1000)
    assert len(sites) > 1000 and len(costs) > 10_000
    for decay in ("none", "bands", "gaussian"):
        ours, _ = check_against_access(
            demand, supply, costs.to_frame(), costs, decay=parse_decay(decay, max_cost=1000), max_cost=1000
        )
        assert supply_counted(ours, demand) == pytest.approx(supply[~ours.unreached].sum(), rel=1e-9)
    # every site within 1 km (network estimate) of some populated sector point is reached
    distance = nearest_distance(destinations, origins[demand > 0])
    assert (ours.unreached == (distance * DETOUR > 1000)).all()
    # most residents have a site within 1 km as the crow flies
    assert share_within(demand, nearest_distance(origins, destinations), limit=1000) > 0.9
