"""``socialatlas diagnose`` and ``socialatlas layers`` from the command line, on real Brussels."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from service.cli import main


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as done:
        main(args)
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def test_marolles_anneessens(
    brussels_with_osm: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "marolles"
    code, text, _ = _run(
        ["diagnose", str(brussels_with_osm), "--area", "Marolles", "--area", "Anneessens", "-o", str(out)],
        capsys,
    )
    assert code == 0
    assert "study area: Marolles + Anneessens (2 neighbourhoods), communes 21004" in text
    layers = set(pyogrio.list_layers(out / "diagnostic.gpkg")[:, 0])
    assert {"study_area", "study_adjacent", "study_sites", "indicators", "profile", "method"} <= layers
    indicators = pd.read_csv(out / "csv" / "indicators.csv", dtype={"code": str})
    pharmacies = indicators[(indicators["theme"] == "pharmacies")].set_index(["level", "code"])
    assert {
        ("study_area", "area"),
        ("study_area", "ring"),
        ("communes", "21004"),
        ("region", "region"),
    } <= set(pharmacies.index)
    sheets = pd.ExcelFile(out / "diagnostic.xlsx").sheet_names
    assert "indicators" in sheets and "profile" in sheets


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--area", "Marolle"], "did you mean 'MAROLLES'"),
        (["--theme", "pharmacy"], "unknown theme 'pharmacy'"),
        (["--area", "Marolles", "--ring", "-5"], "--ring"),
        (["--demand", "cells", "--costs", "od.csv"], "od.csv: the table has a header but no rows"),
        (
            ["--area", "Marolles", "--demand", "cells", "--costs", "od2.csv"],
            "--costs: an origin–destination table needs",
        ),
    ],
)
def test_bad_requests_fail_cleanly(
    brussels_with_osm: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    workspace = tmp_path / "w.gpkg"
    shutil.copyfile(brussels_with_osm, workspace)
    (tmp_path / "od.csv").write_text("origin,destination,cost\n", encoding="utf-8")
    (tmp_path / "od2.csv").write_text("origin,destination,cost\n21004A00-,osm:1,3.5\n", encoding="utf-8")
    before = workspace.read_bytes()
    code, _, err = _run(
        ["diagnose", str(workspace), *[str(tmp_path / a) if a.endswith(".csv") else a for a in args]], capsys
    )
    assert code == 2 and message in err and "Traceback" not in err
    assert workspace.read_bytes() == before


def test_store_then_export_layers(
    brussels_with_osm: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    workspace = tmp_path / "w.gpkg"
    shutil.copyfile(brussels_with_osm, workspace)
    code, text, _ = _run(["diagnose", str(workspace), "--theme", "pharmacies"], capsys)
    assert code == 0 and "stored in" in text
    code, text, _ = _run(["layers", "list", str(workspace)], capsys)
    assert code == 0 and "pharmacies_neighbourhoods" in text
    code, text, _ = _run(
        ["layers", "export", str(workspace), "--layer", "pharmacies_sectors", "--layer", "communes",
         "-o", str(tmp_path / "two.gpkg")],
        capsys,
    )  # fmt: skip
    assert code == 0
    assert {"pharmacies_sectors", "communes", "layer_styles"} <= set(
        pyogrio.list_layers(tmp_path / "two.gpkg")[:, 0]
    )
    code, text, _ = _run(
        ["layers", "style", str(workspace), "pharmacies_neighbourhoods", "--format", "sld"], capsys
    )
    assert code == 0 and "StyledLayerDescriptor" in text
