"""The command line as a user types it: exit codes, one-line errors, nothing half-written."""

import hashlib
import json

import pytest

from service.cli import main


def run(capsys, *argv):
    with pytest.raises(SystemExit) as done:
        main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return done.value.code, out, err


def test_help_lists_the_commands(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "workspace" in out and "demo" in out


def test_version(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("socialatlas, version ")


def test_build_the_real_workspace(capsys, brussels_dir, tmp_path):
    code, out, err = run(
        capsys, "workspace", "build", "brussels-2024", "--data-dir", brussels_dir, "-o", tmp_path / "b.gpkg"
    )
    assert code == 0, err
    assert "724 sectors, 145 neighbourhoods, 19 communes" in out
    assert "population: 1,246,136" in out
    assert "600 of 724 sectors ≥ 99 % in one neighbourhood, 696 ≥ 95 %, worst 80.3%" in out
    code, out, _ = run(capsys, "workspace", "info", tmp_path / "b.gpkg")
    assert code == 0 and "sector_neighbourhood: 1047 rows" in out and "Statbel" in out


def _break_duplicate_code(data):
    path = data / "monitoring_districts.geojson"
    fc = json.loads(path.read_text())
    fc["features"][5]["properties"]["territory_code"] = fc["features"][4]["properties"]["territory_code"]
    path.write_text(json.dumps(fc))


def _break_crs(data):
    path = data / "statbel_sectors_2024.geojson"
    fc = json.loads(path.read_text())
    fc["crs"]["properties"]["name"] = "urn:ogc:def:crs:EPSG::31370"  # degrees declared as Lambert
    path.write_text(json.dumps(fc))


def _break_column(data):
    path = data / "communes_2024.geojson"
    path.write_text(path.read_text().replace('"nis"', '"NIS_CODE"'))


def _break_format(data):
    (data / "statbel_sectors_2024.geojson").write_bytes(b"\x89PNG\r\n\x1a\n not a map")


def _break_missing(data):
    (data / "monitoring_districts.geojson").unlink()


def _break_indicators(data):
    (data / "ibsa_monitoring_indicators_nl.csv").write_text("")


@pytest.mark.parametrize(
    ("breaking", "message"),
    [
        (
            _break_duplicate_code,
            "monitoring_districts.geojson: 'territory_code' must identify each feature "
            "once: code '5' appears 2 times (features [5, 6])",
        ),
        (
            _break_crs,
            "statbel_sectors_2024.geojson: coordinates are declared in Lambert 72 (EPSG:31370) "
            "but their values fit WGS84 (EPSG:4326)",
        ),
        (
            _break_column,
            "communes_2024.geojson: columns are 'NIS_CODE', 'name_fr', 'name_nl', 'population'; "
            "map the missing ones with the column options of the manifest: column 'nis' (for code) "
            "is missing",
        ),
        (_break_format, "statbel_sectors_2024.geojson: cannot be read as a vector file"),
        (_break_missing, "[neighbourhoods] file"),
        (_break_indicators, "ibsa_monitoring_indicators_nl.csv: the file is empty"),
    ],
)
def test_bad_input_is_one_line_and_leaves_the_workspace_untouched(
    capsys, brussels_copy, tmp_path, breaking, message
):
    target = tmp_path / "w.gpkg"
    build = ("workspace", "build", "brussels-2024", "--data-dir", brussels_copy, "-o", target)
    assert run(capsys, *build)[0] == 0
    before = hashlib.sha256(target.read_bytes()).hexdigest()
    breaking(brussels_copy)
    code, out, err = run(capsys, *build)
    assert code == 2
    assert err.startswith("error: ") and message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert hashlib.sha256(target.read_bytes()).hexdigest() == before
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file()) == ["w.gpkg"]


def test_unknown_option_value_is_a_usage_error(capsys, tmp_path):
    code, _, err = run(
        capsys, "workspace", "build", "brussels-2024", "--crosswalk", "best", "-o", tmp_path / "x"
    )
    assert code == 2 and "'best' is not one of 'largest', 'area', 'residential'" in err


def test_sites_import_search_and_quality(capsys, brussels_workspace, brussels_dir, tmp_path):
    workspace = tmp_path / "w.gpkg"
    workspace.write_bytes(brussels_workspace.read_bytes())
    code, out, err = run(
        capsys,
        "sites",
        "import",
        workspace,
        brussels_dir / "osm_social_health_pois.geojson",
        "--source",
        "osm",
        "--report",
        tmp_path / "problems.csv",
    )
    assert code == 0, err
    assert "source osm: 1283 sites imported; 1283 sites in the workspace" in out
    assert "outside the region (kept, flagged): 31; without location: 0" in out
    assert "    Bruxelles: 304" in out and (tmp_path / "problems.csv").exists()
    code, out, _ = run(
        capsys,
        "sites",
        "search",
        workspace,
        "--near",
        "50.8466,4.3528",
        "--distance",
        "0.5",
        "--filter",
        "category=C-SP-03",
        "--output",
        "csv",
    )
    rows = out.strip().splitlines()
    assert code == 0 and rows[0].startswith("site_id,") and len(rows) - 1 >= 5
    code, out, _ = run(capsys, "sites", "quality", workspace, "-o", tmp_path / "q", "--lang", "nl")
    assert code == 0 and "Kwaliteit van de sociale kaart: 1283 locaties" in out
    assert "buiten het gewest: 31" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search", "{w}", "--located-in", "Xelles"), "did you mean 'Ixelles'"),
        (("search", "{w}", "--near", "abc"), "--near 'abc': give two numbers"),
        (("search", "{w}", "--filter", "colour=red"), "--filter 'colour=red': write NAME=VALUE"),
        (("search", "{w}", "--near", "50.84,4.35", "--distance", "500"), "at most 50 km"),
        (("import", "{w}", "{missing}"), "no such file"),
        (("import", "{w}", "{bad}"), "no site has an identifier"),
    ],
)
def test_sites_bad_input_is_one_line_and_changes_nothing(capsys, brussels_with_osm, tmp_path, args, message):
    workspace = tmp_path / "w.gpkg"
    workspace.write_bytes(brussels_with_osm.read_bytes())
    (tmp_path / "bad.csv").write_text("name,lat,lon\nx,50.8,4.3\n")
    before = hashlib.sha256(workspace.read_bytes()).hexdigest()
    argv = [a.format(w=workspace, missing=tmp_path / "none.csv", bad=tmp_path / "bad.csv") for a in args]
    code, _, err = run(capsys, "sites", *argv)
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert hashlib.sha256(workspace.read_bytes()).hexdigest() == before


def test_searching_a_workspace_without_sites_says_what_to_do(capsys, brussels_workspace):
    code, _, err = run(capsys, "sites", "search", brussels_workspace, "--located-in", "Ixelles")
    assert code == 2 and "has no activity sites yet; import them with 'socialatlas sites import'" in err


def test_main_job_on_the_demonstration_region(demo_workspace, capsys):
    assert (demo_workspace / "demo.gpkg").exists() and (demo_workspace / "quality" / "quality.csv").exists()
