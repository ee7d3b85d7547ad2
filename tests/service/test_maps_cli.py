"""``socialatlas map | series | atlas | report`` on the demonstration workspace, through click."""

from __future__ import annotations

from pathlib import Path

import pypdf
import pytest
from click.testing import CliRunner

from geo.errors import InputError
from service.maps_cli import atlas_command, map_command, report_command, series_command


@pytest.fixture(scope="module")
def demo(demo_workspace: Path) -> Path:
    return demo_workspace / "demo.gpkg"


def run(command, *args: object):  # noqa: ANN001, ANN201
    return CliRunner().invoke(command, [str(a) for a in args], catch_exceptions=True)


def pages(path: Path) -> int:
    return len(pypdf.PdfReader(path).pages)


def test_map_writes_a_png_and_a_pdf(demo, tmp_path):
    done = run(
        map_command,
        demo,
        "--kind",
        "choropleth",
        "--layer",
        "primary_care_communes",
        "-o",
        tmp_path / "m.png",
    )
    assert done.exit_code == 0, done.output
    assert (tmp_path / "m.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    done = run(
        map_command,
        demo,
        "--kind",
        "sites",
        "--by",
        "authority",
        "--focus",
        "99001",
        "-o",
        tmp_path / "m.pdf",
    )
    assert done.exit_code == 0, done.output
    assert pages(tmp_path / "m.pdf") == 1


def test_map_rejects_options_the_kind_does_not_take_and_other_files(demo, tmp_path):
    done = run(
        map_command,
        demo,
        "--kind",
        "choropleth",
        "--layer",
        "communes",
        "--by",
        "sector",
        "-o",
        tmp_path / "x.pdf",
    )
    assert isinstance(done.exception, InputError) and "--by" in str(done.exception)
    done = run(map_command, demo, "-o", tmp_path / "x.svg")
    assert isinstance(done.exception, InputError) and ".pdf or .png" in str(done.exception)
    assert not (tmp_path / "x.pdf").exists()


def test_series_atlas_and_report_commands(demo, tmp_path):
    done = run(
        series_command,
        demo,
        "--by",
        "accreditation",
        "--value",
        "A-COCOF-01",
        "--no-index",
        "-o",
        tmp_path / "s.pdf",
    )
    assert done.exit_code == 0, done.output
    assert pages(tmp_path / "s.pdf") == 1
    done = run(
        atlas_command,
        demo,
        "--layer",
        "primary_care_communes",
        "--unit",
        "99001",
        "--unit",
        "99002",
        "--workers",
        1,
        "-o",
        tmp_path / "a.pdf",
    )
    assert done.exit_code == 0, done.output
    assert pages(tmp_path / "a.pdf") == 2
    done = run(
        report_command,
        demo,
        "--area",
        "Port Haut",
        "--theme",
        "primary_care",
        "--lang",
        "nl",
        "-o",
        tmp_path / "r.pdf",
    )
    assert done.exit_code == 0, done.output
    assert "SYNTHETIC" in done.output and "Port Haut" in done.output
    text = pypdf.PdfReader(tmp_path / "r.pdf").pages[0].extract_text()
    assert "Sociaal-gezondheidsprediagnose" in text


def test_atlas_needs_a_pdf_or_a_folder(demo, tmp_path):
    done = run(atlas_command, demo, "--layer", "primary_care_communes", "-o", tmp_path / "a.png")
    assert isinstance(done.exception, InputError) and ".pdf" in str(done.exception)
