"""The atlas on the real Brussels workspace with its diagnostics: one page per commune (or per
neighbourhood), the same classes on every page, the unit's own numbers in its table."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pypdf
import pytest
from pdfpages import A4, flat, inks, page_texts

from diagnostics.levels import built_in_levels, read_inputs
from diagnostics.outputs import store
from diagnostics.supply import definitions, diagnose
from diagnostics.themes import load_themes
from geo.errors import InputError, SourceNotFoundError
from geo.manifest import Provenance
from layers.catalogue import catalogue
from layers.layer import Layer
from maps.atlas import AtlasSpec, atlas_page, commune_of, plan_atlas, write_atlas
from maps.tables import format_indicator


@pytest.fixture(scope="module")
def diagnosed(brussels_with_osm: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the Brussels workspace with the diagnostics stored (as ``socialatlas diagnose``)."""
    path = tmp_path_factory.mktemp("atlas") / "brussels.gpkg"
    shutil.copyfile(brussels_with_osm, path)
    inputs = read_inputs(path)
    result = diagnose(inputs, load_themes(), built_in_levels(inputs))
    store(path, result, Provenance("socialatlas diagnostic", "2024", "", "Statbel"), synthetic=False)
    return path


@pytest.fixture(scope="module")
def layers(diagnosed: Path) -> list[Layer]:
    return catalogue(diagnosed)


def test_commune_atlas_has_19_a4_pages_with_the_same_classes_and_each_communes_numbers(layers, tmp_path):
    spec = AtlasSpec(layer="primary_care_communes", lang="fr")
    plan = plan_atlas(layers, spec)
    (path,) = write_atlas(layers, spec, tmp_path / "communes.pdf", workers=2)
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == plan.pages == 19
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4, abs=0.5)
    texts = page_texts(path)
    legend = [flat(entry.label) for entry in plan.layer.style.legend("fr")]
    assert legend
    table = definitions()
    data = plan.layer.data
    for n, text in enumerate(texts):
        unit = data.iloc[plan.rows[n]]
        assert flat(unit["name_fr"]) in text  # the title: the commune
        assert "Soins de santé primaires" in text and "Offre pour 1 000 personnes cibles" in text
        assert all(label in text for label in legend)  # the same classes on every page
        for indicator in ("sites_located", "target", "rate", "nearest_m", "within_walk"):
            unit_name = str(table.loc[indicator, "unit"])
            status = str(unit["status"]) if table.loc[indicator, "population_based"] else "ok"
            assert flat(format_indicator(unit[indicator], unit_name, "fr", status=status)) in text, indicator
        assert "Sources (millésime)" in text and "© OpenStreetMap contributors" in text
        assert "Statbel" in text and f"page {n + 1} / 19" in text
    assert [flat(data.iloc[i]["code"]) for i in plan.rows] == sorted(map(str, data["code"]), key=int)
    assert min(inks(path, tmp_path)) > 0.1


def test_fixed_breaks_are_the_classes_of_every_page(layers):
    edges = (0, 0.1, 0.2, 0.5, float("inf"))
    plan = plan_atlas(layers, AtlasSpec(layer="pharmacies_neighbourhoods", breaks=edges))
    assert plan.layer.style is not None
    assert list(plan.layer.style.edges()) == list(edges)
    labels = [e.label for e in plan.layer.style.legend("fr")]
    assert labels[0].startswith("0,00 – 0,10") and labels[3].startswith("> 0,50")
    with pytest.raises(InputError, match="outside the edges"):
        plan_atlas(layers, AtlasSpec(layer="pharmacies_neighbourhoods", breaks=(0, 0.1)))


def test_units_without_residents_show_the_status_not_a_zero(layers):
    plan = plan_atlas(layers, AtlasSpec(layer="primary_care_neighbourhoods"))
    data = plan.layer.data
    empty = int(np.flatnonzero(data["status"].to_numpy() == "not_applicable")[0])
    page = plan.rows.index(empty)
    figure = atlas_page(plan, page)
    cells = figure.axes[0].texts  # the page's own texts: title, table cells, footer
    label = next(t for t in cells if t.get_text() == "Offre pour 1 000 personnes cibles")
    row = [t.get_text() for t in cells if abs(t.get_position()[1] - label.get_position()[1]) < 1e-6]
    assert row == ["Offre pour 1 000 personnes cibles", "s.o.", "pour 1 000"]  # never 0
    legend = " ".join(t.get_text() for ax in figure.axes for t in ax.texts)
    assert "Sans objet (non résidentiel)" in legend


def test_per_commune_atlas_writes_one_pdf_per_commune(layers, tmp_path):
    hoods = next(layer for layer in layers if layer.id == "primary_care_neighbourhoods")
    communes = next(layer for layer in layers if layer.id == "communes")
    owner = commune_of(hoods.data, communes.data)
    codes = hoods.data["code"].astype(str).to_numpy()
    chosen = (*codes[owner == "21013"][:3], *codes[owner == "21009"][:2])  # Saint-Gilles and Ixelles
    expected = {
        str(c): int((owner[np.isin(codes, chosen)] == c).sum()) for c in set(owner[np.isin(codes, chosen)])
    }
    spec = AtlasSpec(layer="primary_care_neighbourhoods", units=chosen, lang="nl")
    paths = write_atlas(layers, spec, tmp_path / "per_commune", per_commune=True, workers=2)
    assert sorted(p.name.split("-")[0] for p in paths) == sorted(expected)
    for path in paths:
        texts = page_texts(path)
        assert len(texts) == expected[path.name.split("-")[0]]
        for n, text in enumerate(texts):
            assert f"pagina {n + 1} / {len(texts)}" in text and "Bronnen (jaargang)" in text
    assert sorted(p.name for p in paths) == ["21009-elsene.pdf", "21013-sint-gillis.pdf"]


def test_one_worker_and_two_workers_write_the_same_pages(layers, tmp_path):
    spec = AtlasSpec(layer="food_aid_neighbourhoods", units=("8", "10", "77"))
    one = page_texts(write_atlas(layers, spec, tmp_path / "one.pdf", workers=1)[0])
    two = page_texts(write_atlas(layers, spec, tmp_path / "two.pdf", workers=2)[0])
    assert len(one) == 3 and one == two


def test_atlas_errors_name_what_is_wrong(layers, tmp_path):
    with pytest.raises(SourceNotFoundError, match="primary_care_communes"):
        plan_atlas(layers, AtlasSpec(layer="dentists_communes"))
    with pytest.raises(InputError, match="not an indicator layer"):
        plan_atlas(layers, AtlasSpec(layer="communes"))
    with pytest.raises(InputError, match="9999"):
        plan_atlas(layers, AtlasSpec(layer="primary_care_communes", units=("9999",)))
    with pytest.raises(InputError, match="rate"):
        plan_atlas(layers, AtlasSpec(layer="primary_care_communes", indicator="no_such"))
    with pytest.raises(InputError, match="folder"):
        write_atlas(layers, AtlasSpec(layer="primary_care_communes"), tmp_path / "x.pdf", per_commune=True)


def test_custom_zones_get_their_own_pages_and_their_commune(layers, tmp_path):
    from dataclasses import replace

    communes = next(layer for layer in layers if layer.id == "primary_care_communes")
    zones = communes.data[communes.data["code"].isin(["21013", "21009"])].copy()
    zones["code"] = ["Z1", "Z2"]
    zones["name_fr"] = zones["name_nl"] = ["Zone Sud", "Zone Ouest"]
    zoning = replace(
        communes,
        id="primary_care_zoning_clss",
        data=zones,
        extra={**communes.extra, "level": "zoning_clss"},
    )
    plan = plan_atlas([*layers, zoning], AtlasSpec(layer="primary_care_zoning_clss"))
    assert plan.pages == 2 and set(plan.communes) == {"21013", "21009"}  # each zone's commune
    figure = atlas_page(plan, 0)
    texts = " ".join(t.get_text() for ax in figure.axes for t in ax.texts)
    assert "Zone clss Z1" in texts and "Zone clss : Zone" in texts
