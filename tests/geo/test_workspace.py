import hashlib

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

import geo.workspace as workspace
from geo.errors import InputError, SourceNotFoundError, WorkspaceError
from geo.manifest import Provenance

PROV = Provenance(source="test", vintage="2024", licence="CC0", attribution="nobody")


def _tables():
    units = gpd.GeoDataFrame({"code": ["a"]}, geometry=[box(0, 0, 1, 1)], crs=31370)
    return {"units": units, "facts": pd.DataFrame({"code": ["a"], "value": [1.5]})}


def _records(synthetic=False):
    return {name: workspace.TableRecord(name.title(), PROV, "as is", synthetic) for name in _tables()}


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_workspace_holds_tables_provenance_and_info(tmp_path):
    path = workspace.write_workspace(tmp_path / "w.gpkg", _tables(), _records(True), info={"title": "t"})
    assert workspace.list_tables(path) == ["units", "facts", "provenance", "workspace_info"]
    prov = workspace.read_table(path, "provenance")
    assert prov["table_name"].tolist() == ["units", "facts"]
    assert prov["attribution"].eq("nobody").all() and prov["synthetic"].astype(bool).all()
    assert workspace.read_info(path)["title"] == "t"
    assert workspace.read_table(path, "units").crs.to_epsg() == 31370


def test_failed_write_leaves_the_previous_workspace_untouched(tmp_path, monkeypatch):
    path = workspace.write_workspace(tmp_path / "w.gpkg", _tables(), _records(), info={})
    before = _digest(path)
    calls = []

    def failing(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:
            raise OSError("disk full")
        return original(*args, **kwargs)

    original = workspace._write_frame
    monkeypatch.setattr(workspace, "_write_frame", failing)
    with pytest.raises(WorkspaceError, match="disk full.*previous workspace is unchanged"):
        workspace.write_workspace(path, _tables(), _records(), info={})
    assert _digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.gpkg"]  # no temporary file left


def test_every_table_needs_provenance(tmp_path):
    with pytest.raises(InputError, match="tables without provenance: facts"):
        workspace.write_workspace(tmp_path / "w.gpkg", _tables(), {"units": _records()["units"]}, info={})
    assert not (tmp_path / "w.gpkg").exists()


def test_reading_a_missing_workspace_says_how_to_build_one(tmp_path):
    with pytest.raises(SourceNotFoundError, match="socialatlas workspace build"):
        workspace.list_tables(tmp_path / "none.gpkg")


def test_geopackage_is_version_1_3(tmp_path):
    import sqlite3

    path = workspace.write_workspace(tmp_path / "w.gpkg", _tables(), _records(), info={})
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10300
        contents = dict(db.execute("SELECT table_name, description FROM gpkg_contents").fetchall())
    assert "Source: test (2024)" in contents["units"]


def test_missing_text_is_stored_as_null(tmp_path):
    import sqlite3

    tables = {
        "facts": pd.DataFrame(
            {"code": pd.array(["a", None], dtype="string"), "kind": pd.Categorical(["x", None])}
        )
    }
    records = {"facts": workspace.TableRecord("Facts", PROV)}
    path = workspace.write_workspace(tmp_path / "w.gpkg", tables, records, info={})
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT code, kind FROM facts ORDER BY fid").fetchall() == [
            ("a", "x"),
            (None, None),
        ]
