"""The printed map page on the real Brussels workspace and the demonstration one: PDF size, text, ink."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pypdf
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread

from geo.errors import InputError, SourceNotFoundError
from layers import styles
from layers.catalogue import catalogue, find
from layers.layer import Layer
from maps.frame import BaseMap, fit_extent, plot_map, resolve_frame
from maps.kinds import KINDS, make_map, register
from maps.page import PageSpec, PdfInfo, map_page, save_pdf, save_png

A4 = (595.28, 841.89)
A3 = (841.89, 1190.55)


POPULATION = {
    "fr": "Population par commune",
    "nl": "Bevolking per gemeente",
    "en": "Population by municipality",
}


def with_styles(layers: list[Layer]) -> list[Layer]:
    """The catalogue plus an indicator layer: population by commune, the smallest one suppressed."""
    communes = find(layers, "communes")
    assert communes is not None
    data = communes.data.copy()
    smallest = data["population"].idxmin()
    data["population_status"] = "ok"
    data.loc[smallest, "population_status"] = "suppressed"
    data["population"] = data["population"].astype(float)
    data.loc[smallest, "population"] = np.nan
    style = styles.graduated(
        data["population"], field="population", k=4, status=data["population_status"], title=POPULATION
    )
    indicator = replace(
        communes, id="population", title=POPULATION, data=data, style=style, group="indicators"
    )
    return [*layers, indicator]


@pytest.fixture(scope="module")
def brussels(brussels_with_osm: Path) -> list[Layer]:
    return with_styles(catalogue(brussels_with_osm))


@pytest.fixture(scope="module")
def demo(demo_workspace: Path) -> list[Layer]:
    return with_styles(catalogue(demo_workspace / "demo.gpkg"))


def pdf_text(path: Path) -> str:
    reader = pypdf.PdfReader(path)
    return "\n".join(page.extract_text() for page in reader.pages)


def page_size(path: Path, page: int = 0) -> tuple[float, float]:
    box = pypdf.PdfReader(path).pages[page].mediabox
    return float(box.width), float(box.height)


def ink(path: Path, tmp_path: Path) -> float:
    """Fraction of non-white pixels of the first page rendered at 40 dpi by pdftoppm."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(path), str(tmp_path / "ink")], check=True
    )
    (png,) = tmp_path.glob("ink*.png")
    pixels = imread(png)[:, :, :3]
    return float(np.mean(np.any(pixels < 0.97, axis=2)))


def test_sites_page_of_brussels_is_a_filled_a4_page_with_its_texts(brussels, tmp_path):
    spec = PageSpec(title="Lieux d'activité sociale et de santé", lang="fr")
    fig = make_map("sites", brussels, spec, by="sector")
    path = save_pdf(
        fig, tmp_path / "sites.pdf", info=PdfInfo(subject="Offre", keywords=("Bruxelles", "CLSS"))
    )
    reader = pypdf.PdfReader(path)
    assert len(reader.pages) == 1
    assert page_size(path) in (pytest.approx(A4, abs=0.5), pytest.approx(A4[::-1], abs=0.5))
    text = pdf_text(path)
    assert "Lieux d'activité sociale et de santé" in text
    assert "Région de Bruxelles-Capitale" in text  # default subtitle: the region
    flat = text.replace("\u00a0", " ")
    assert "Lieux d'activité par secteur" in text  # default title of the legend block
    assert "Santé physique (487)" in flat and "Sans catégorie (760)" in flat  # legend with counts
    assert re.search(r"\b0\b", text) and re.search(r"\b\d+(,\d)? k?m\b", text)  # scale bar
    assert "© OpenStreetMap contributors" in text and "Statbel" in text  # attribution
    assert "Sources (millésime)" in text and "(2024)" in text  # vintage
    assert "EPSG:31370" in text and "Échelle 1:" in text
    assert "Uccle" in text and "Anderlecht" in text  # commune names are text, not paths
    assert "synthétiques" not in text
    metadata = reader.metadata
    assert metadata is not None
    assert metadata.title == "Lieux d'activité sociale et de santé"
    assert metadata.author == "socialatlas" and metadata.subject == "Offre"
    assert "CLSS" in str(metadata.get("/Keywords")) and metadata.creation_date is not None
    assert 0.08 < ink(path, tmp_path) < 0.9


def test_fonts_are_embedded_truetype_not_type3(brussels, tmp_path):
    path = save_pdf(make_map("sites", brussels, PageSpec()), tmp_path / "fonts.pdf")
    fonts = pypdf.PdfReader(path).pages[0]["/Resources"]["/Font"]
    subtypes = set()
    for ref in fonts.values():
        font = ref.get_object()
        subtypes.add(str(font["/Subtype"]))
        for descendant in font.get("/DescendantFonts", []):
            descriptor = descendant.get_object()["/FontDescriptor"].get_object()
            assert "/FontFile2" in descriptor  # the TrueType program is in the file
    assert "/Type3" not in subtypes and subtypes <= {"/Type0", "/TrueType"}


def test_page_zoomed_to_a_commune_shows_neighbourhoods_and_an_inset(brussels, tmp_path):
    spec = PageSpec(title="Ixelles", focus="Elsene", lang="nl")
    fig = make_map("sites", brussels, spec)
    assert len(fig.axes) == 3  # map, legend, inset
    map_ax = fig.axes[0]
    x0, x1 = map_ax.get_xlim()
    assert x1 - x0 < 10000
    path = save_pdf(fig, tmp_path / "ixelles.pdf")
    text = pdf_text(path)
    assert "Gemeente: Elsene" in text  # subtitle and legend line of the focus unit
    assert "Monitoringwijk" in text and "Bronnen (jaargang)" in text
    assert "Elsene" in text and "Ixelles" not in text.replace("Ixelles", "", 1)  # the title says Ixelles once
    assert 0.05 < ink(path, tmp_path) < 0.9


@pytest.mark.parametrize("focus", [None, "Bruxelles", "Saint-Gilles"])
def test_unit_names_on_a_real_page_do_not_collide(brussels, focus):
    from maps.furniture import renderer_of

    fig = make_map("sites", brussels, PageSpec(focus=focus, lang="en"))
    renderer = renderer_of(fig)
    map_ax = fig.axes[0]
    frame = map_ax.get_window_extent(renderer)
    labels = [t for t in map_ax.texts if 12 <= t.get_zorder() < 13 and t.get_color() != "white"]
    furniture = [p.get_window_extent(renderer) for p in map_ax.patches if p.get_zorder() == 20]  # backings
    assert len(labels) >= 8 and len(furniture) == 2
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i, a in enumerate(boxes):
        assert frame.x0 <= a.x0 and a.x1 <= frame.x1 and frame.y0 <= a.y0 and a.y1 <= frame.y1
        assert not any(a.overlaps(b) for b in boxes[i + 1 :] + furniture), labels[i].get_text()


def test_proportional_circles_sit_above_the_boundaries(brussels, tmp_path):
    hoods = find(brussels, "neighbourhoods")
    assert hoods is not None
    style = styles.proportional(
        hoods.data["population"], field="population", geometry="polygons", unit="hab."
    )
    layer = replace(hoods, id="pop", title={"fr": "Population par quartier"}, style=style)
    fig = make_map("proportional", [*brussels, layer], PageSpec(), layer="pop")
    map_ax = fig.axes[0]
    circles = [c for c in map_ax.collections if hasattr(c, "get_sizes") and len(c.get_sizes()) > 1]
    assert circles and all(c.get_zorder() > 6 for c in circles)  # above the commune lines (3.2)
    text = pdf_text(save_pdf(fig, tmp_path / "prop.pdf"))
    assert "Population par quartier" in text and "hab." in text


def test_whole_region_has_no_inset(brussels):
    fig = make_map("sites", brussels, PageSpec())
    assert len(fig.axes) == 2  # map and legend


def test_demo_page_says_the_data_are_synthetic(demo, tmp_path):
    fig = make_map("supply_over_need", demo, PageSpec(lang="fr"), need="population")
    path = save_pdf(fig, tmp_path / "demo.pdf")
    text = pdf_text(path)
    assert "Données de démonstration synthétiques" in text
    assert "Synthetische demonstratiegegevens" in text and "Synthetic demonstration data" in text
    assert "Population par commune et lieux d'activité" in text
    assert "Secret statistique (< seuil) (1)" in text and "Lieux d'activité (4" in text
    assert 0.1 < ink(path, tmp_path) < 0.95


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("fr", ["Sources (millésime)", "Réalisation", "Limites", "Commune"]),
        ("nl", ["Bronnen (jaargang)", "Opgemaakt met socialatlas", "Grenzen", "Gemeente"]),
        ("en", ["Sources (vintage)", "Produced with socialatlas", "Boundaries", "Municipality"]),
    ],
)
def test_page_labels_follow_the_language(demo, tmp_path, lang, words):
    path = save_pdf(make_map("choropleth", demo, PageSpec(lang=lang), layer="population"), tmp_path / "p.pdf")
    text = pdf_text(path)
    for word in words:
        assert word in text
    assert {
        "fr": "Population par commune",
        "nl": "Bevolking per gemeente",
        "en": "Population by municipality",
    }[lang] in text


def test_english_pages_name_communes_in_both_languages(brussels, tmp_path):
    fig = make_map("sites", brussels, PageSpec(lang="en", focus="communes:21009"))
    text = pdf_text(save_pdf(fig, tmp_path / "en.pdf"))
    assert "Municipality: Ixelles / Elsene" in text


@pytest.mark.parametrize(
    ("extent", "expected"),
    [
        ((140000.0, 165000.0, 170000.0, 172000.0), "landscape"),  # a wide strip
        ((148000.0, 160000.0, 150000.0, 176000.0), "portrait"),  # a tall strip
    ],
)
def test_automatic_orientation_follows_the_frame(brussels, tmp_path, extent, expected):
    fig = make_map("sites", brussels, PageSpec(extent=extent))
    width, height = page_size(save_pdf(fig, tmp_path / "o.pdf"))
    assert (width > height) == (expected == "landscape")
    assert sorted((width, height)) == pytest.approx(sorted(A4), abs=0.5)


def test_a3_landscape_when_asked(brussels, tmp_path):
    fig = make_map("sites", brussels, PageSpec(size="A3", orientation="landscape"))
    assert page_size(save_pdf(fig, tmp_path / "a3.pdf")) == pytest.approx(A3[::-1], abs=0.5)


def test_several_pages_in_one_pdf_and_a_png(brussels, tmp_path):
    pages = [make_map("sites", brussels, PageSpec(focus=name)) for name in ("Uccle", "Evere")]
    path = save_pdf(pages, tmp_path / "two.pdf")
    assert len(pypdf.PdfReader(path).pages) == 2
    png = save_png(pages[0], tmp_path / "uccle.png", dpi=30)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_failed_save_leaves_the_previous_file_and_no_temporary(brussels, tmp_path):
    path = tmp_path / "keep.pdf"
    path.write_bytes(b"previous")
    broken = Figure()
    broken.add_axes((0, 0, 1, 1)).text(0, 0, "$\\undefinedcommand$")  # mathtext error at draw time
    with pytest.raises(ValueError):
        save_pdf([make_map("sites", brussels, PageSpec()), broken], path)
    assert path.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["keep.pdf"]


def test_spec_problems_are_reported_together(brussels):
    with pytest.raises(InputError) as error:
        map_page([], BaseMap.from_layers(brussels), PageSpec(size="A5", lang="de", orientation="up"))
    message = str(error.value)
    assert "A5" in message and "'de'" in message and "'up'" in message


def test_unknown_focus_suggests_names(brussels):
    with pytest.raises(InputError, match="Ixelles"):
        make_map("sites", brussels, PageSpec(focus="Ixeles"))


def test_kinds_check_their_layers(brussels):
    with pytest.raises(SourceNotFoundError, match="population"):
        make_map("choropleth", brussels, PageSpec(), layer="no_such_layer")
    with pytest.raises(InputError, match="points"):
        make_map("sites", brussels, PageSpec(), layer="communes")
    sectors = find(brussels, "sectors")
    assert sectors is not None
    with pytest.raises(InputError, match="no style"):
        make_map("choropleth", [*brussels, replace(sectors, id="bare", style=None)], PageSpec(), layer="bare")
    with pytest.raises(InputError, match="choropleth"):
        make_map("no_such_kind", brussels, PageSpec())
    with pytest.raises(InputError, match="option 'layer' is required"):
        make_map("choropleth", brussels, PageSpec())
    with pytest.raises(InputError, match="unknown option 'colour'"):
        make_map("sites", brussels, PageSpec(), colour="red")


def test_a_user_kind_registers_like_the_built_ins(brussels):
    assert {"sites", "choropleth", "proportional", "supply_over_need"} <= set(KINDS)

    @register("communes_only")
    def communes_only(layers, spec, **options):
        return map_page([], BaseMap.from_layers(layers), spec)

    try:
        fig = make_map("communes_only", brussels, PageSpec(title="Communes"))
        assert fig.get_label() == "Communes"
    finally:
        KINDS.pop("communes_only")


def test_frame_extent_and_fit(brussels):
    base = BaseMap.from_layers(brussels)
    frame = resolve_frame(base, focus="Uccle", margin=0.1)
    assert frame.focus is not None and frame.focus_name == "Commune : Uccle" and frame.neighbourhoods
    x0, y0, x1, y1 = frame.focus.bounds
    extent = frame.extent
    assert extent[0] < x0 and extent[2] > x1 and extent[1] < y0 and extent[3] > y1
    fitted = fit_extent(extent, 190, 100)
    assert (fitted[2] - fitted[0]) / (fitted[3] - fitted[1]) == pytest.approx(1.9)
    assert (
        fitted[0] <= extent[0]
        and fitted[2] >= extent[2]
        and fitted[1] <= extent[1]
        and fitted[3] >= extent[3]
    )
    whole = resolve_frame(base)
    assert whole.whole_region and not whole.neighbourhoods


def test_plot_map_draws_on_a_new_or_a_given_axes(brussels):
    sites = find(brussels, "sites")
    assert sites is not None
    base = BaseMap.from_layers(brussels)
    fig, ax = plot_map([sites], base)
    assert isinstance(fig, Figure) and ax in fig.axes
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    assert x0 <= base.bounds[0] and x1 >= base.bounds[2] and y0 <= base.bounds[1] and y1 >= base.bounds[3]
    own = Figure(figsize=(4, 3))
    own_ax = own.add_subplot(1, 2, 2)
    dots = replace(sites, style=styles.single(geometry="points", colour="#0072b2"))
    fig2, ax2 = plot_map([dots], base, ax=own_ax, frame=resolve_frame(base, focus="Evere"), labels=False)
    assert fig2 is own and ax2 is own_ax
    assert any(len(c.get_offsets()) == len(sites.data) for c in ax2.collections)  # the style drew the sites
