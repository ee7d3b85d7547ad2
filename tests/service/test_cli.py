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
    code, out, err = run(capsys, "workspace", "build", "brussels-2024", "--data-dir", brussels_dir,
                         "-o", tmp_path / "b.gpkg")
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


@pytest.mark.parametrize(("breaking", "message"), [
    (_break_duplicate_code, "monitoring_districts.geojson: 'territory_code' must identify each feature "
                            "once: code '5' appears 2 times (features [5, 6])"),
    (_break_crs, "statbel_sectors_2024.geojson: coordinates are declared in Lambert 72 (EPSG:31370) "
                 "but their values fit WGS84 (EPSG:4326)"),
    (_break_column, "communes_2024.geojson: columns are 'NIS_CODE', 'name_fr', 'name_nl', 'population'; "
                    "map the missing ones with the column options of the manifest: column 'nis' (for code) "
                    "is missing"),
    (_break_format, "statbel_sectors_2024.geojson: cannot be read as a vector file"),
    (_break_missing, "[neighbourhoods] file"),
    (_break_indicators, "ibsa_monitoring_indicators_nl.csv: the file is empty"),
])
def test_bad_input_is_one_line_and_leaves_the_workspace_untouched(capsys, brussels_copy, tmp_path,
                                                                  breaking, message):
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
    code, _, err = run(capsys, "workspace", "build", "brussels-2024", "--crosswalk", "best",
                       "-o", tmp_path / "x")
    assert code == 2 and "'best' is not one of 'largest', 'area', 'residential'" in err
