import numpy as np
import pandas as pd
import pytest

from geo.workspace import read_table


@pytest.fixture(scope="module")
def need(brussels_workspace):
    return read_table(brussels_workspace, "need")


@pytest.fixture(scope="module")
def sectors(brussels_workspace):
    return read_table(brussels_workspace, "sectors")


def _level(need, level, indicator):
    rows = need[(need["level"] == level) & (need["indicator"] == indicator)]
    return rows.set_index("code")["value"]


@pytest.mark.parametrize(
    "indicator",
    ["pop_total", "pop_65_79", "pop_80_plus", "pop_65_plus", "cpas_beneficiaries", "bim_beneficiaries"],
)
def test_counts_add_up_at_every_level(need, indicator):
    total = _level(need, "sectors", indicator).sum()
    assert _level(need, "communes", indicator).sum() == pytest.approx(total)
    assert _level(need, "neighbourhoods", indicator).sum() == pytest.approx(total)
    assert _level(need, "region", indicator)["region"] == pytest.approx(total)


def test_commune_populations_are_sums_of_sectors(brussels_workspace, need):
    communes = read_table(brussels_workspace, "communes").set_index("code")
    assert communes["population"].sum() == 1_246_136
    assert (_level(need, "communes", "pop_total") == communes["population"]).all()


def test_sector_estimate_is_population_times_neighbourhood_share(need, sectors):
    """An independent recomputation for sectors lying wholly in one residential neighbourhood."""
    shares = need[(need["indicator"] == "share_80_plus") & (need["level"] == "neighbourhoods")]
    latest = shares[shares["year"] == shares["year"].max()].set_index("code")["value"]
    nested = sectors[
        (sectors["neighbourhood_share"] >= 0.999) & sectors["neighbourhood_code"].isin(latest.index)
    ].set_index("code")
    estimate = _level(need, "sectors", "pop_80_plus").loc[nested.index]
    expected = nested["population"] * nested["neighbourhood_code"].map(latest) / 100
    assert len(nested) > 400
    assert np.allclose(estimate, expected)


def test_every_figure_says_its_method(need):
    assert need["method"].notna().all() and (need["method"] != "").all()
    sector_methods = need[need["level"] == "sectors"]["method"]
    assert sector_methods.str.startswith(("observed", "estimated")).all()


def test_non_residential_neighbourhoods_get_no_published_rates(brussels_workspace, need):
    hoods = read_table(brussels_workspace, "neighbourhoods")
    non_residential = set(hoods.loc[~hoods["residential"].astype(bool), "code"])
    assert len(non_residential) == 27
    published = need[(need["level"] == "neighbourhoods") & (need["method"] == "published")]
    assert not set(published["code"]) & non_residential
    # sectors split with a park or railway zone put their residents in the residential part;
    # only sectors lying wholly in a non-residential zone (institutions) keep some: 0.3 % here
    pop = _level(need, "neighbourhoods", "pop_total")
    assert 0 < pop.reindex(sorted(non_residential)).fillna(0).sum() < 0.005 * pop.sum()


def test_ambiguous_published_values_are_left_out(need):
    """Codes 37 and 109 hold two conflicting series in the published export; neither is used."""
    cpas = need[(need["indicator"] == "share_cpas") & (need["level"] == "neighbourhoods")]
    assert not cpas[cpas["code"].isin(["37", "109"])]["year"].isin([2005, 2006]).any()
    assert pd.Index(cpas["code"]).nunique() >= 110
