"""The diagnostic report of Marolles + Anneessens on the real Brussels workspace (FR, NL) and of the
demonstration area: pages, size, texts, and the numbers of the diagnostic's tables, exactly."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from pdfpages import A4, flat, inks, page_texts

from diagnostics.levels import built_in_levels, read_inputs
from diagnostics.study_area import AreaDiagnostic, diagnose_area, study_area
from diagnostics.supply import definitions
from diagnostics.themes import load_themes
from geo.errors import InputError
from maps.frame import BaseMap
from maps.report import ReportSpec, plan_report, write_report
from maps.report_methods import sites_table
from maps.report_pages import theme_label, underserved_table
from maps.tables import format_indicator


class Case:
    """An area diagnostic with what the report needs besides it."""

    def __init__(self, path: Path, units: list[str]) -> None:
        inputs = read_inputs(path)
        levels = built_in_levels(inputs)
        area = study_area(inputs, levels, units=units)
        self.result: AreaDiagnostic = diagnose_area(inputs, load_themes(), levels, area)
        self.base = BaseMap(inputs.units["communes"], inputs.units["region"], inputs.units["neighbourhoods"])
        self.provenance = inputs.provenance
        self.synthetic = inputs.synthetic

    def write(self, path: Path, spec: ReportSpec, workers: int = 2) -> Path:
        return write_report(
            self.result,
            self.base,
            path,
            spec=spec,
            provenance=self.provenance,
            synthetic=self.synthetic,
            workers=workers,
        )


@pytest.fixture(scope="module")
def marolles(brussels_with_osm: Path) -> Case:
    return Case(brussels_with_osm, ["Marolles", "Anneessens"])


@pytest.fixture(scope="module")
def french(marolles: Case, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = marolles.write(tmp_path_factory.mktemp("report") / "marolles.pdf", ReportSpec(lang="fr"))
    return path, page_texts(path)


def cell(rows, level: str, code: str, indicator: str, lang: str = "fr") -> str:  # noqa: ANN001
    """A value of the indicator table formatted as the report prints it."""
    row = rows[(rows["level"] == level) & (rows["code"] == code)].iloc[0]
    table = definitions()
    status = str(row["status"]) if table.loc[indicator, "population_based"] else "ok"
    return flat(format_indicator(row[indicator], str(table.loc[indicator, "unit"]), lang, status=status))


def test_report_pages_are_a4_with_cover_contents_and_page_numbers(marolles, french, tmp_path):
    path, texts = french
    plan = plan_report(marolles.result, marolles.base, provenance=marolles.provenance)
    assert len(texts) == plan.total
    themes = list(marolles.result.diagnostic.themes["theme"])
    assert len(texts) >= 3 + len(themes) + 2  # cover, location, profile, themes, annex, methods
    for page in pypdf.PdfReader(path).pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == pytest.approx(A4, abs=0.5)
    cover = texts[0]
    assert "Pré-diagnostic social-santé" in cover and "Marolles + Anneessens" in cover
    assert "MAROLLES (8)" in cover and "ANNEESSENS (10)" in cover and "Bruxelles" in cover
    assert "Sommaire" in cover and "Sources et attributions" in cover
    assert "© OpenStreetMap contributors" in cover and "Statbel" in cover
    assert "synthétiques" not in cover
    for title, number in plan.contents:  # every section where the contents say it starts
        assert flat(title) in texts[number - 1]
    for n, text in enumerate(texts):
        assert f"page {n + 1} / {len(texts)}" in text
    assert min(inks(path, tmp_path)) > 0.01
    assert pypdf.PdfReader(path).metadata.title == "Pré-diagnostic social-santé — Marolles + Anneessens"


def test_location_page_has_the_map_furniture_and_the_adjacent_units(marolles, french):
    _, texts = french
    page = texts[1]
    assert "Localisation de la zone d'étude" in page
    assert "Zone d'étude" in page and "Alentours (1 km)" in page and "Unités adjacentes" in page
    assert "Limites" in page and "Région" in page and "Commune" in page  # legend
    assert "500 m" in page or "1 km" in page  # scale bar
    for _, unit in marolles.result.area.adjacent.units.iterrows():
        assert flat(unit["name_fr"]) in page
    population = marolles.result.profile
    total = population[(population["indicator"] == "pop_total") & (population["level"] == "study_area")]
    assert flat(format_indicator(total["value"].iloc[0], "persons", "fr")) in page


def test_profile_page_prints_the_profile_table_exactly(marolles, french):
    _, texts = french
    page = texts[2]
    profile = marolles.result.profile
    assert "Profil de la population et des besoins" in page and "Part des habitants (%)" in page
    for _, row in profile.iterrows():
        status = str(row["status"])
        assert flat(row["label_fr"]) in page
        assert flat(format_indicator(row["value"], "persons", "fr", status=status)) in page
        assert flat(format_indicator(row["share_of_residents"], "%", "fr", status=status)) in page


def test_every_theme_page_prints_the_indicator_table_numbers(marolles, french):
    _, texts = french
    plan = plan_report(marolles.result, marolles.base)
    table = marolles.result.diagnostic.indicators
    for theme in plan.themes:
        page = texts[plan.pages.index(("theme", theme))]
        rows = table[table["theme"] == theme]
        assert flat(theme_label(plan, theme)) in page
        for level, code in (
            ("study_area", "area"),
            ("study_area", "ring"),
            ("communes", "21004"),
            ("region", "region"),
        ):
            for indicator in ("sites_located", "sites_active", "target", "rate"):
                assert cell(rows, level, code, indicator) in page, (theme, level, indicator)
        for indicator in ("fca_e2sfca", "nearest_m", "within_walk", "lq"):
            assert cell(rows, "study_area", "area", indicator) in page, (theme, indicator)
        sectors = underserved_table(plan, theme)
        if sectors is not None:
            for row in sectors.rows:
                assert flat(row[0]) in page and flat(row[-1]) in page  # name and score
        adjacent = rows[rows["level"] == "adjacent"]
        for _, unit in adjacent.iterrows():
            assert (
                f"{flat(unit['name_fr'])} ({cell(rows, 'adjacent', unit['code'], 'sites_located')})" in page
            )


def test_theme_maps_count_the_sites_the_table_counts(marolles, french):
    _, texts = french
    plan = plan_report(marolles.result, marolles.base)
    table = marolles.result.diagnostic.indicators
    drawn = 0
    for theme in plan.themes:
        rows = table[table["theme"] == theme]
        if int(plan.result.diagnostic.themes.set_index("theme").loc[theme, "sites"]) == 0:
            continue
        page = texts[plan.pages.index(("theme", theme))]
        inside = cell(rows, "study_area", "area", "sites_located")
        around = cell(rows, "study_area", "ring", "sites_located")
        assert "Lieux du thème dans la zone et ses alentours" in page
        if inside != "0":
            assert f"Dans la zone d'étude ({inside})" in page
        if around != "0":
            assert f"Dans les alentours ({around})" in page
        drawn += 1
    assert drawn >= 3


def test_annex_lists_the_sites_and_methods_define_everything(marolles, french):
    _, texts = french
    plan = plan_report(marolles.result, marolles.base, provenance=marolles.provenance)
    annex = " ".join(t for (kind, _), t in zip(plan.pages, texts, strict=True) if kind == "annex")
    sites = sites_table(plan)
    assert sites is not None and len(sites.rows) == len(marolles.result.sites)
    for row in sites.rows:
        assert flat(row[0]) in annex and flat(row[3]) in annex
    methods = " ".join(t for (kind, _), t in zip(plan.pages, texts, strict=True) if kind == "methods")
    for _, row in marolles.result.diagnostic.definitions.iterrows():
        assert flat(row["label_fr"]) in methods
    for _, row in marolles.result.diagnostic.themes.iterrows():
        assert flat(row["label_fr"]) in methods
    assert "Définitions des indicateurs" in methods and "Notes de méthode" in methods
    assert "Score de sous-desserte" in methods and "Secret statistique" in methods
    assert "Sources et attributions" in methods and "ODbL 1.0" in methods


def test_dutch_report_speaks_dutch_with_dutch_numbers(marolles, tmp_path):
    spec = ReportSpec(lang="nl", themes=("primary_care", "pharmacies"))
    path = marolles.write(tmp_path / "nl.pdf", spec, workers=1)
    texts = page_texts(path)
    assert len(texts) == plan_report(marolles.result, marolles.base, spec=spec).total
    text = " ".join(texts)
    assert "Sociaal-gezondheidsprediagnose" in text and "Studiegebied" in text and "Gewest" in text
    assert "Brussel" in text and "Inhoud" in text and "pagina 1 /" in text
    assert "Pré-diagnostic" not in text and "Zone d'étude" not in text
    rows = marolles.result.diagnostic.indicators
    rows = rows[rows["theme"] == "primary_care"]
    assert cell(rows, "study_area", "area", "target", "nl") in text
    assert "." in cell(rows, "region", "region", "target", "nl")  # 1.246.136
    assert cell(rows, "region", "region", "target", "nl") in text


def test_demo_report_says_synthetic_and_compares_three_communes(demo_workspace, tmp_path):
    case = Case(demo_workspace / "demo.gpkg", ["Port Haut", "Houblon Centre"])
    assert case.synthetic and len(case.result.area.communes) == 3
    spec = ReportSpec(themes=("primary_care",))
    texts = page_texts(case.write(tmp_path / "demo.pdf", spec))
    assert all("Données de démonstration synthétiques" in text for text in texts)
    theme = texts[3]
    rows = case.result.diagnostic.indicators
    rows = rows[rows["theme"] == "primary_care"]
    for code in case.result.area.communes:
        assert cell(rows, "communes", code, "rate") in theme
        assert cell(rows, "communes", code, "target") in theme


def test_report_spec_problems_are_reported_together(marolles):
    with pytest.raises(InputError) as error:
        plan_report(marolles.result, marolles.base, spec=ReportSpec(lang="de", size="A5"))
    assert "'de'" in str(error.value) and "A5" in str(error.value)
    with pytest.raises(InputError, match="dentists"):
        plan_report(marolles.result, marolles.base, spec=ReportSpec(themes=("dentists",)))
