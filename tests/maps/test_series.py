"""Map series on the real Brussels workspace (one map per theme) and the demonstration region (one
map per COCOF accreditation): pages, size, texts, counts, the same extent and scale everywhere."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from pdfpages import A4, flat, inks, page_sizes, page_texts

from geo.errors import InputError
from layers.catalogue import catalogue
from layers.layer import Layer
from maps.kinds import supply_sites
from maps.page import PageSpec
from maps.series import SeriesSpec, plan_series, series_page, write_series


@pytest.fixture(scope="module")
def brussels(brussels_with_osm: Path) -> list[Layer]:
    return catalogue(brussels_with_osm)


@pytest.fixture(scope="module")
def demo(demo_workspace: Path) -> list[Layer]:
    return catalogue(demo_workspace / "demo.gpkg")


def test_theme_series_of_brussels_has_one_a4_page_per_theme_after_an_index(brussels, tmp_path):
    themes = [layer for layer in brussels if layer.id.startswith("sites_")]
    assert themes  # the OSM sites answer some themes
    spec = SeriesSpec(by="theme")
    plan = plan_series(brussels, spec)
    path = write_series(brussels, spec, tmp_path / "themes.pdf", workers=2)
    texts = page_texts(path)
    assert len(texts) == len(themes) + 1 == plan.pages
    assert all(size == pytest.approx(A4, abs=0.5) for size in page_sizes(path))
    index = texts[0]
    assert "Lieux d'activité par thème" in index and "Région de Bruxelles-Capitale" in index
    for n, layer in enumerate(themes):
        count = len(supply_sites(layer.data))
        title = flat(layer.text("title", "fr"))
        assert title in index and f"{n + 2} {title} {count}" in index  # page, theme, sites
        page = texts[n + 1]
        assert title in page and f"Carte {n + 1} / {len(themes)}" in page
        (drawn,) = plan.maps[n]
        legend = drawn.style.legend("fr")
        assert sum(entry.count for entry in legend) == count  # every site drawn counted once
        for entry in legend:
            assert f"{flat(entry.label)} ({entry.count})" in page
        assert "© OpenStreetMap contributors" in page and "Statbel" in page
        assert "Sources (millésime)" in page and "Échelle 1:" in page
    ink = inks(path, tmp_path)
    assert len(ink) == len(texts) and ink[0] > 0.01
    assert min(ink[1:]) > 0.08  # every map page is a filled map


def test_every_map_of_a_series_has_the_same_extent_and_scale(brussels):
    plan = plan_series(brussels, SeriesSpec(by="theme", index=False))
    frames = []
    for i in range(plan.pages):
        fig = series_page(plan, i)
        ax = fig.axes[0]  # the map frame comes first
        frames.append((ax.get_xlim(), np.mean(ax.get_ylim()), ax.get_position().width, fig.get_size_inches()))
    first = frames[0]
    for xlim, centre, width, size in frames[1:]:
        assert xlim == pytest.approx(first[0], abs=0.01)
        assert centre == pytest.approx(first[1], abs=0.01)
        assert width == pytest.approx(first[2]) and tuple(size) == pytest.approx(tuple(first[3]))


def test_a_series_over_a_need_layer_draws_the_need_on_every_page(brussels, tmp_path):
    spec = SeriesSpec(by="theme", values=("pharmacies", "primary"), need="need_share_cpas", index=False)
    path = write_series(brussels, spec, tmp_path / "need.pdf", workers=1)
    texts = page_texts(path)
    need = next(layer for layer in brussels if layer.id == "need_share_cpas")
    assert len(texts) == 2
    for text in texts:
        assert need.text("title", "fr").split(" (")[0] in text
        assert all(flat(e.label) in text for e in need.style.legend("fr")[:3])


def test_cocof_accreditation_series_of_the_demo_region(demo, tmp_path):
    spec = SeriesSpec(by="accreditation", values=("A-COCOF-0[1-5]",), page=PageSpec(lang="fr"))
    path = write_series(demo, spec, tmp_path / "cocof.pdf", workers=2)
    texts = page_texts(path)
    assert len(texts) == 6  # index + A-COCOF-01 … 05
    wanted = {layer.extra["accreditation"]: layer for layer in demo if layer.group == "series"}
    counts = []
    for n, key in enumerate(f"A-COCOF-0{i}" for i in range(1, 6)):
        layer = wanted[key]
        count = len(supply_sites(layer.data))
        counts.append(count)
        page = texts[n + 1]
        assert key in page and layer.text("title", "fr") in page
        assert f"{layer.text('title', 'fr')} ({count})" in page  # legend with the sites drawn
        assert "Données de démonstration synthétiques" in page
        assert key in texts[0]
    assert counts[:2] == [40, 22] and counts[3:] == [5, 5]
    assert all(size == pytest.approx(A4, abs=0.5) for size in page_sizes(path))
    assert all(ink > 0.01 for ink in inks(path, tmp_path))


def test_brussels_sites_carry_no_accreditation_series(brussels):
    with pytest.raises(InputError, match="no accreditation"):
        plan_series(brussels, SeriesSpec(by="accreditation"))


def test_unknown_values_name_the_known_ones(brussels):
    with pytest.raises(InputError, match="pharmacies"):
        plan_series(brussels, SeriesSpec(by="theme", values=("dentists",)))


def test_orientation_asked_is_kept(brussels):
    plan = plan_series(brussels, SeriesSpec(page=replace(PageSpec(), orientation="landscape")))
    assert plan.page.orientation == "landscape"
    fig = series_page(plan, 1)
    width, height = fig.get_size_inches()
    assert width > height
