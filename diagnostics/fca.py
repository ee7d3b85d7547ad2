"""Floating catchment accessibility: how much supply each resident can reach, and how far it is.

The two-step floating catchment area method (2SFCA) shares every site's supply among the people
within its catchment, then gives every demand point the sum of the shares of the sites it reaches:

1. for each site *j*, the (weighted) demand within reach ``D_j = Σ_i w_ij · d_i`` and its
   ratio ``R_j = S_j / D_j`` (supply per person);
2. for each demand point *i*, the accessibility ``A_i = Σ_j w_ij · R_j``.

Only origin–destination pairs with a cost ``c_ij ≤ max_cost`` take part. Plain 2SFCA (Luo & Wang)
has ``w_ij = 1``; the enhanced method (E2SFCA, Luo & Qi) weights both steps by a distance decay
``w_ij = f(c_ij)``: bands (by default 1, 0.68 and 0.22 over the three thirds of the catchment) or
a Gaussian. The results equal those of PySAL ``access`` (``two_stage_fca`` and
``enhanced_two_stage_fca``, which also weight both steps) wherever ``access`` is defined.

**Supply is conserved.** With the same weights in both steps,
``Σ_i d_i A_i = Σ_i d_i Σ_j w_ij R_j = Σ_j R_j Σ_i w_ij d_i = Σ_j R_j D_j = Σ_{j: D_j > 0} S_j``:
the residents, weighted by their accessibility, hold exactly the supply of the sites that reach
some (weighted) demand. A site with ``D_j = 0`` — no demand point within reach, only empty demand
points, or only pairs whose decay weight is 0 — is *unreached*: its ratio is undefined and its
supply is counted nowhere.

**Where PySAL access is undefined, and what this module does instead.**

- A site whose catchment holds demand points but no weighted demand (``D_j = 0``): ``access``
  divides by zero, so its ratio is ``+inf`` (``NaN`` when its supply is 0 too) and every demand
  point reaching it with a positive weight (they all have zero demand) gets an accessibility of
  ``+inf``; a ``NaN`` ratio, or ``inf × 0`` for a pair of weight 0, is silently skipped by its
  sum. Here the ratio is ``NaN``, the site is flagged ``unreached``, and it adds nothing to any
  accessibility, so that every accessibility stays finite and the identity above holds.
- A site with no pair within ``max_cost`` is dropped by ``access`` without a word; here it is
  ``unreached`` as well, with ``reached_demand`` 0 and ratio ``NaN``.
- A demand point with no site within ``max_cost`` gets ``NaN`` from ``access``; here it gets 0 —
  no supply within reach.

Costs come either from straight-line distances stretched by a detour factor
(:func:`euclidean_costs`) or from any router's origin–destination table (:func:`table_costs`).
Everything is computed on the sparse list of pairs — two sparse matrix products when the pairs are
sorted by origin (as both cost builders return them), two :func:`numpy.bincount` otherwise; nothing
loops over pairs in Python.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.spatial import cKDTree

from geo.errors import InputError, ProblemsError

DETOUR = 1.3
"""Default ratio of network distance to straight-line distance.

Published measurements of the circuity of urban street networks — the length of the shortest
route divided by the crow-fly distance between the same two points — mostly fall between 1.2 and
1.4 for trips of one to a few kilometres; it is higher for short trips, in irregular historic
centres, and where rail lines, a canal, parks or urban motorways must be walked around (all
found in Brussels). 1.3 is
the middle of that range: a catchment of 1,500 m then reaches sites within about 1,150 m as the
crow flies. Where a router's network times or distances are available, give them to
:func:`table_costs` instead.
"""

LUO_QI_WEIGHTS = (1.0, 0.68, 0.22)
"""Weights of the three equal bands of the catchment in the enhanced 2SFCA (Luo & Qi, 2009)."""

_MAX_LISTED = 10


@dataclass(frozen=True)
class Costs:
    """Sparse origin → destination costs: only the pairs with ``cost <= max_cost``.

    Pairs with a zero cost (a site exactly on a demand point) are kept. The cost builders return
    the pairs sorted by origin then destination, which :func:`two_step_fca` uses for speed; any
    order gives the same result.

    Attributes
    ----------
    origin, destination
        Integer positions into the origins (demand points, ``0..n_origins-1``) and destinations
        (sites, ``0..n_destinations-1``).
    cost
        Cost of each pair: metres for :func:`euclidean_costs`, the table's unit otherwise.
    unit
        ``"m"``, or the unit the origin–destination table is in.
    method
        How the costs were obtained, for method notes.
    """

    origin: np.ndarray
    destination: np.ndarray
    cost: np.ndarray
    n_origins: int
    n_destinations: int
    unit: str
    method: str

    def __post_init__(self) -> None:
        if not len(self.origin) == len(self.destination) == len(self.cost):
            raise ValueError("origin, destination and cost must have the same length")
        for name, index, size in (
            ("origin", self.origin, self.n_origins),
            ("destination", self.destination, self.n_destinations),
        ):
            if len(index) and (index.min() < 0 or index.max() >= size):
                raise ValueError(f"{name} positions must lie in 0..{size - 1}")
        if len(self.cost) and not (np.isfinite(self.cost).all() and self.cost.min() >= 0):
            raise ValueError("costs must be finite and ≥ 0")

    def __len__(self) -> int:
        return len(self.cost)

    def to_frame(self) -> pd.DataFrame:
        """The pairs as a table ``origin, destination, cost`` (integer positions)."""
        return pd.DataFrame({"origin": self.origin, "destination": self.destination, "cost": self.cost})


def _check_limit(value: float, *, name: str = "max_cost") -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a number, not {value!r}") from None
    if not np.isfinite(number) or number < 0:
        raise InputError(f"{name} must be a finite number ≥ 0, not {value!r}")
    return number


def _rows(positions: np.ndarray) -> str:
    """'rows 3, 8 and 12' (1-based), at most a few listed."""
    shown = [str(int(p) + 1) for p in positions[:5]]
    more = f" and {len(positions) - 5} more" if len(positions) > 5 else ""
    if len(shown) == 1:
        return f"row {shown[0]}"
    return f"rows {', '.join(shown)}{more}"


def _coordinates(points: np.ndarray, *, name: str) -> np.ndarray:
    array = np.asarray(points, dtype=float)
    if array.ndim == 1 and array.size == 0:
        array = array.reshape(0, 2)
    if array.ndim != 2 or array.shape[1] != 2:
        raise InputError(f"{name} must be an array of x, y coordinates of shape (n, 2), not {array.shape}")
    bad = np.flatnonzero(~np.isfinite(array).all(axis=1))
    if len(bad):
        raise InputError(f"{name}: missing or infinite coordinates in {_rows(bad)}")
    return array


def euclidean_costs(
    origins: np.ndarray, destinations: np.ndarray, *, max_cost: float, detour: float = DETOUR
) -> Costs:
    """Straight-line distance × detour factor for every origin–destination pair within ``max_cost``.

    Parameters
    ----------
    origins, destinations
        Coordinates of shape ``(n, 2)`` in a metric CRS (EPSG:31370).
    max_cost
        The catchment, in metres of estimated network distance: pairs closer than
        ``max_cost / detour`` as the crow flies are kept (the bound is inclusive).
    detour
        Network distance ÷ straight-line distance; ≥ 1. See :data:`DETOUR` for the default.

    Returns
    -------
    Costs
        In metres, sorted by origin then destination; zero distances are kept.
    """
    a = _coordinates(origins, name="origins")
    b = _coordinates(destinations, name="destinations")
    limit = _check_limit(max_cost)
    if not np.isfinite(detour) or detour < 1:
        raise InputError(f"detour must be a number ≥ 1 (network over straight-line distance), not {detour!r}")
    method = f"Euclidean distance × detour factor {detour:g}"
    if len(a) == 0 or len(b) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Costs(empty, empty.copy(), np.zeros(0), len(a), len(b), "m", method)
    # A slightly wider radius, then the exact test on the cost, so that the bound is c <= max_cost.
    radius = limit / detour * (1 + 1e-9) + 1e-9
    # The structured-array output keeps pairs at distance 0, which sparse matrices may drop.
    pairs = cKDTree(a).sparse_distance_matrix(cKDTree(b), radius, output_type="ndarray")
    cost = pairs["v"] * detour
    keep = cost <= limit
    origin = pairs["i"][keep].astype(np.int64)
    destination = pairs["j"][keep].astype(np.int64)
    order = np.argsort(origin * len(b) + destination, kind="stable")
    return Costs(origin[order], destination[order], cost[keep][order], len(a), len(b), "m", method)


def _positions(
    values: pd.Series, ids: pd.Index, *, role: str, column: str, problems: list[str]
) -> np.ndarray:
    """Positions of the table's ids among the known ids; -1 (and a problem) where unknown or empty."""
    empty = (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()
    codes = values.astype(str).str.strip()
    position = ids.get_indexer(pd.Index(codes))
    position[empty] = -1
    if empty.any():
        problems.append(f"{_rows(np.flatnonzero(empty))}: empty {role} in column {column!r}")
    unknown = (position < 0) & ~empty
    if unknown.any():
        rows = pd.Series(np.flatnonzero(unknown), index=codes[unknown].to_numpy())
        groups = rows.groupby(level=0, sort=False)
        for n, (code, where) in enumerate(groups):
            if n == _MAX_LISTED:
                problems.append(f"… and {groups.ngroups - _MAX_LISTED} more unknown {role} ids")
                break
            problems.append(
                f"{_rows(where.to_numpy())}: {role} {code!r} (column {column!r}) is not one of the "
                f"{len(ids)} {role}s"
            )
    return position


def _unique_ids(ids: Sequence[str], *, name: str) -> pd.Index:
    index = pd.Index([str(i).strip() for i in ids], dtype=object)
    if index.has_duplicates:
        repeated = sorted(set(index[index.duplicated()]))[:_MAX_LISTED]
        raise InputError(f"{name} must not repeat an id; repeated: {', '.join(map(repr, repeated))}")
    return index


def table_costs(
    table: pd.DataFrame,
    origin_ids: Sequence[str],
    destination_ids: Sequence[str],
    *,
    origin: str = "origin",
    destination: str = "destination",
    cost: str = "cost",
    max_cost: float,
    unit: str = "min",
) -> Costs:
    """Costs from a user-supplied origin–destination table (any router's network times or distances).

    Parameters
    ----------
    table
        One row per pair: origin id, destination id, cost. Pairs missing from the table are
        out of reach; costs above ``max_cost`` are dropped; zero costs are kept.
    origin_ids, destination_ids
        The ids of the demand points and of the sites, in the order of the demand and supply
        arrays given to :func:`two_step_fca`. Ids are compared as text.
    origin, destination, cost
        Column names in ``table``.
    max_cost
        The catchment, in ``unit`` (inclusive).
    unit
        The unit of the costs, e.g. ``"min"`` or ``"m"``.

    Returns
    -------
    Costs
        In ``unit``, sorted by origin then destination.

    Raises
    ------
    ProblemsError
        Listing every problem at once: missing columns; empty or unknown ids; empty,
        non-numeric, infinite or negative costs; pairs given twice. Rows are counted from 1,
        header excluded.
    """
    limit = _check_limit(max_cost)
    where = "origin–destination table (rows counted from 1 after the header)"
    roles = {"origin": origin, "destination": destination, "cost": cost}
    missing = [
        f"column {col!r} (the {role} column) is missing" for role, col in roles.items() if col not in table
    ]
    if missing:
        have = ", ".join(map(repr, map(str, table.columns)))
        raise ProblemsError(
            f"{where}: its columns are {have}; name the right ones with origin=, destination=, cost=",
            missing,
        )
    origin_index = _unique_ids(origin_ids, name="origin ids")
    destination_index = _unique_ids(destination_ids, name="destination ids")
    problems: list[str] = []
    o = _positions(table[origin], origin_index, role="origin", column=origin, problems=problems)
    d = _positions(
        table[destination], destination_index, role="destination", column=destination, problems=problems
    )

    raw = table[cost]
    value = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    blank = (raw.isna() | (raw.astype(str).str.strip() == "")).to_numpy()
    checks = [
        (blank, "empty cost"),
        (np.isnan(value) & ~blank, "cost is not a number"),
        (np.isinf(value), "cost is infinite"),
        (value < 0, "cost is negative"),
    ]
    for bad, what in checks:
        rows = np.flatnonzero(bad)
        if len(rows):
            shown = ", ".join(repr(raw.iloc[r]) for r in rows[:5])
            problems.append(
                f"{_rows(rows)}: {what} in column {cost!r}" + (f" ({shown})" if what != "empty cost" else "")
            )

    valid = np.flatnonzero((o >= 0) & (d >= 0))
    key = o[valid].astype(np.int64) * len(destination_index) + d[valid]
    twice = pd.Series(key).duplicated(keep=False).to_numpy()
    if twice.any():
        groups = pd.Series(valid[twice]).groupby(key[twice], sort=False)
        for n, (_, same) in enumerate(groups):
            if n == _MAX_LISTED:
                problems.append(f"… and {groups.ngroups - _MAX_LISTED} more pairs given twice")
                break
            first = int(same.iloc[0])
            pair = (origin_index[o[first]], destination_index[d[first]])
            problems.append(f"{_rows(same.to_numpy())}: the pair {pair} is given more than once")
    if problems:
        raise ProblemsError(where, problems)

    keep = np.flatnonzero(value <= limit)
    keep = keep[np.argsort(o[keep].astype(np.int64) * len(destination_index) + d[keep], kind="stable")]
    return Costs(
        o[keep].astype(np.int64),
        d[keep].astype(np.int64),
        value[keep],
        len(origin_index),
        len(destination_index),
        unit,
        f"origin–destination table ({unit})",
    )


@dataclass(frozen=True)
class Decay:
    """Distance decay: the weight of a pair as a function of its cost.

    ``kind``:

    - ``"none"``: weight 1 for every pair within the catchment (plain 2SFCA);
    - ``"bands"``: ``bands`` holds ``(upper cost, weight)`` in increasing cost; a cost gets the
      weight of the first band whose upper bound it does not exceed (a cost equal to a bound
      belongs to the band below it), and 0 beyond the last bound — as ``access.weights.step_fn``;
    - ``"gaussian"``: ``exp(-c² / (2 σ²))``, 1 at cost 0 — as ``access.weights.gaussian``.
    """

    kind: Literal["none", "bands", "gaussian"]
    bands: tuple[tuple[float, float], ...] = ()
    sigma: float | None = None

    def __post_init__(self) -> None:
        if self.kind not in ("none", "bands", "gaussian"):
            raise InputError(f"decay must be 'none', 'bands' or 'gaussian', not {self.kind!r}")
        if self.kind == "bands":
            uppers = [u for u, _ in self.bands]
            if not self.bands:
                raise InputError("decay 'bands' needs at least one band (upper cost, weight)")
            if not all(np.isfinite(u) and u >= 0 for u in uppers) or any(
                b <= a for a, b in zip(uppers, uppers[1:], strict=False)
            ):
                raise InputError(f"decay band bounds must be finite, ≥ 0 and increasing, not {uppers}")
            if not all(np.isfinite(w) and w >= 0 for _, w in self.bands):
                raise InputError(
                    f"decay band weights must be finite and ≥ 0, not {[w for _, w in self.bands]}"
                )
        if self.kind == "gaussian" and (self.sigma is None or not np.isfinite(self.sigma) or self.sigma <= 0):
            raise InputError(f"a Gaussian decay needs a width sigma > 0, not {self.sigma!r}")

    def weights(self, cost: np.ndarray) -> np.ndarray:
        """Weight of each cost (array in, array out)."""
        cost = np.asarray(cost, dtype=float)
        if self.kind == "bands":
            uppers = np.array([u for u, _ in self.bands])
            values = np.array([w for _, w in self.bands] + [0.0])
            return values[np.searchsorted(uppers, cost, side="left")]
        if self.kind == "gaussian":
            assert self.sigma is not None
            return np.exp(-cost * cost / (2 * self.sigma**2))
        return np.ones_like(cost)

    def describe(self, unit: str = "m") -> str:
        """One line for method notes."""
        if self.kind == "bands":
            steps = ", ".join(f"≤ {u:g} {unit}: {w:g}" for u, w in self.bands)
            return f"distance decay by bands ({steps}; 0 beyond)"
        if self.kind == "gaussian":
            return f"Gaussian distance decay (σ = {self.sigma:g} {unit})"
        return "no distance decay"


NO_DECAY = Decay("none")


def parse_decay(text: str, *, max_cost: float) -> Decay:
    """Read a decay option.

    ``"none"``; ``"bands"`` (Luo & Qi's weights 1, 0.68, 0.22 over the three thirds of
    ``max_cost``); ``"bands:500=1,1000=0.68,1500=0.22"`` (upper cost = weight, increasing);
    ``"gaussian"`` (σ = ``max_cost`` / 2, which gives weights of about 0.95, 0.61 and 0.25 in the
    middle of the three thirds, close to the bands); ``"gaussian:500"`` (σ = 500).
    """
    limit = _check_limit(max_cost)
    spec = str(text).strip().lower()
    kind, _, args = (part.strip() for part in spec.partition(":"))
    usage = "use none, bands, bands:500=1,1000=0.68,1500=0.22, gaussian or gaussian:500"
    if kind == "none" and not args:
        return NO_DECAY
    if kind == "bands":
        if not args:
            return Decay("bands", tuple((limit * (k + 1) / 3, w) for k, w in enumerate(LUO_QI_WEIGHTS)))
        bands = []
        for piece in args.split(","):
            match = re.fullmatch(r"\s*([0-9.eE+-]+)\s*=\s*([0-9.eE+-]+)\s*", piece)
            try:
                if match is None:
                    raise ValueError
                bands.append((float(match[1]), float(match[2])))
            except ValueError:
                raise InputError(
                    f"decay {text!r}: cannot read band {piece.strip()!r}; write upper cost=weight, "
                    "e.g. bands:500=1,1000=0.68,1500=0.22"
                ) from None
        return Decay("bands", tuple(bands))
    if kind == "gaussian":
        if not args:
            return Decay("gaussian", sigma=limit / 2)
        try:
            sigma = float(args)
        except ValueError:
            raise InputError(f"decay {text!r}: the Gaussian width {args!r} is not a number") from None
        return Decay("gaussian", sigma=sigma)
    raise InputError(f"decay {text!r} is not known; {usage}")


@dataclass(frozen=True)
class FCAResult:
    """Floating catchment accessibility.

    Attributes
    ----------
    accessibility
        Per origin (demand point): ``Σ_j w_ij R_j``, supply per person within reach; 0 where no
        site is within reach.
    ratio
        Per destination (site): supply ÷ weighted demand within reach; ``NaN`` where unreached.
    reached_demand
        Per destination: weighted demand within reach ``D_j``.
    unreached
        Per destination: the site reaches no weighted demand (``D_j = 0``); its supply is
        counted nowhere.
    """

    accessibility: np.ndarray
    ratio: np.ndarray
    reached_demand: np.ndarray
    unreached: np.ndarray


def _amounts(values: np.ndarray, *, name: str, length: int, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or len(array) != length:
        raise InputError(f"{name} must hold one value per {what} ({length}), not shape {array.shape}")
    bad = np.flatnonzero(~np.isfinite(array) | (array < 0))
    if len(bad):
        raise InputError(f"{name} must be finite and ≥ 0; {what}s at positions {bad[:5].tolist()} are not")
    return array


def two_step_fca(
    demand: np.ndarray, supply: np.ndarray, costs: Costs, *, decay: Decay = NO_DECAY
) -> FCAResult:
    """Two-step floating catchment accessibility: 2SFCA, or E2SFCA with a decay.

    The decay weights both steps, as PySAL ``access`` does; see the module notes for the
    conservation identity and for how sites that reach no demand are handled.

    Parameters
    ----------
    demand
        Demand at each origin (residents, target population), ``costs.n_origins`` values ≥ 0.
    supply
        Supply at each destination (places, beds, 1 per site), ``costs.n_destinations`` values ≥ 0.
    costs
        From :func:`euclidean_costs` or :func:`table_costs`.
    decay
        :data:`NO_DECAY` for 2SFCA; from :func:`parse_decay` for E2SFCA (thresholds and σ in
        the unit of ``costs``).
    """
    d = _amounts(demand, name="demand", length=costs.n_origins, what="origin")
    s = _amounts(supply, name="supply", length=costs.n_destinations, what="destination")
    w = None if decay.kind == "none" else decay.weights(costs.cost)
    matrix = _origin_matrix(costs, w)
    if matrix is not None:
        reached = matrix.T @ d
    else:
        pulled = d[costs.origin] if w is None else w * d[costs.origin]
        reached = np.bincount(costs.destination, weights=pulled, minlength=costs.n_destinations)
    reached = np.asarray(reached, dtype=float)
    unreached = ~(reached > 0)
    ratio = np.full(costs.n_destinations, np.nan)
    np.divide(s, reached, out=ratio, where=~unreached)
    counted = np.where(unreached, 0.0, ratio)  # an unreached site hands out nothing
    if matrix is not None:
        accessibility = matrix @ counted
    else:
        pushed = counted[costs.destination] if w is None else w * counted[costs.destination]
        accessibility = np.bincount(costs.origin, weights=pushed, minlength=costs.n_origins)
    return FCAResult(
        accessibility=np.asarray(accessibility, dtype=float),
        ratio=ratio,
        reached_demand=reached,
        unreached=unreached,
    )


def _origin_matrix(costs: Costs, weight: np.ndarray | None) -> sparse.csr_array | None:
    """The pair weights as an origins × destinations CSR matrix, if the pairs are sorted by origin.

    Both cost builders sort their pairs by origin, so the matrix costs no sort: its row pointers
    are found by bisection. Its entries are weights (1 without decay), never costs, so a pair at
    cost 0 is an entry like any other. Two sparse products then replace two
    :func:`numpy.bincount` over the pairs, which remain the path for unsorted pairs.
    """
    origin = costs.origin
    if len(origin) > 1 and not (origin[1:] >= origin[:-1]).all():
        return None
    indptr = np.searchsorted(origin, np.arange(costs.n_origins + 1), side="left")
    data = np.ones(len(origin)) if weight is None else weight
    return sparse.csr_array((data, costs.destination, indptr), shape=(costs.n_origins, costs.n_destinations))


def nearest_distance(origins: np.ndarray, destinations: np.ndarray) -> np.ndarray:
    """Straight-line distance from each origin to its nearest destination (KD-tree).

    In the units of the coordinates (metres in EPSG:31370); ``inf`` for every origin when there
    is no destination. Multiply by :data:`DETOUR` for an estimate of the network distance.
    """
    a = _coordinates(origins, name="origins")
    b = _coordinates(destinations, name="destinations")
    if len(b) == 0:
        return np.full(len(a), np.inf)
    if len(a) == 0:
        return np.zeros(0)
    distance, _ = cKDTree(b).query(a, k=1)
    return np.asarray(distance, dtype=float)


def share_within(demand: np.ndarray, distance: np.ndarray, *, limit: float) -> float:
    """Share of the demand (0–1) whose distance is at most ``limit`` (inclusive).

    ``NaN`` when the total demand is 0. Distances may be ``inf`` (nothing reachable).
    """
    d = _amounts(demand, name="demand", length=len(np.asarray(demand)), what="origin")
    dist = np.asarray(distance, dtype=float)
    if dist.shape != d.shape:
        raise InputError(f"distance must hold one value per demand value ({len(d)}), not shape {dist.shape}")
    if np.isnan(dist).any():
        raise InputError(f"distance is missing at positions {np.flatnonzero(np.isnan(dist))[:5].tolist()}")
    bound = _check_limit(limit, name="limit")
    total = d.sum()
    if total == 0:
        return float("nan")
    return float(d[dist <= bound].sum() / total)
