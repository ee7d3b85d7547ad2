"""Themes are data: the built-in file, user files, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from diagnostics.themes import load_themes, supply_mask
from geo.errors import ProblemsError


def test_builtin_themes_cover_the_clss_priorities() -> None:
    themes = load_themes()
    for theme_id in (
        "primary_care",
        "pharmacies",
        "mental_health",
        "addiction",
        "home_care",
        "seniors",
        "early_childhood",
        "social_aid",
        "food_aid",
        "housing_aid",
        "cocof_medical_houses",
        "cocof_palliative",
    ):
        assert theme_id in themes.themes
    childcare = themes.themes["early_childhood"]
    assert childcare.target == "pop_0_2" and childcare.capacity == "capacity_places" and childcare.norm == 33
    for theme in themes.themes.values():
        assert all(theme.label(lang) for lang in ("fr", "nl", "en"))
    assert sum(themes.weights.values()) == pytest.approx(1.0)


def test_user_theme_added_and_replacing(tmp_path: Path) -> None:
    extra = tmp_path / "mine.toml"
    extra.write_text(
        '[themes.dentists]\nlabel_fr = "Dentistes"\ntags = ["amenity=dentist"]\ntarget = "pop_total"\n'
        "catchment = 1000\n"
        '[themes.pharmacies]\nlabel_fr = "Officines"\ncategories = ["C-SP-03"]\ntarget = "pop_total"\n'
        "catchment = 600\n",
        encoding="utf-8",
    )
    themes = load_themes([extra])
    assert themes.themes["dentists"].tags == ("amenity=dentist",)
    assert themes.themes["dentists"].label("nl") == "Dentistes"  # falls back to French
    assert themes.themes["pharmacies"].catchment == 600


def test_every_problem_reported_at_once(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[themes.x]\nlabel_fr = "X"\ntarget = "children"\ncatchment = -5\ncolour = "red"\n', encoding="utf-8"
    )
    with pytest.raises(ProblemsError) as error:
        load_themes([bad])
    message = str(error.value)
    for expected in ("bad.toml [themes.x]", "'children'", "catchment", "colour", "at least one of sectors"):
        assert expected in message


def test_supply_mask_skips_unpublished_and_head_offices() -> None:
    import pandas as pd

    sites = pd.DataFrame(
        {
            "categories": ["C-SM-01", "C-SM-02", "C-SP-03", "", "C-SM-01"],
            "accreditations": ["", "", "", "A-COCOF-02", ""],
            "tags": ["", "", "", "", ""],
            "published": [True, True, True, True, False],
            "head_office_only": [False, True, False, False, False],
        }
    )
    theme = load_themes().themes["mental_health"]  # sector S-SM or accreditation A-COCOF-02
    mask = supply_mask(sites, theme, sector_of={"C-SM-01": "S-SM", "C-SM-02": "S-SM", "C-SP-03": "S-SP"})
    assert mask.tolist() == [True, False, False, True, False]
