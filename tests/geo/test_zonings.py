"""Custom zonings (a CLSS perimeter, a CPAS antenna territory) given as sector lists or polygons."""

import shutil

import pytest

from diagnostics.build import build_workspace
from geo.errors import InputError
from geo.manifest import read_manifest, resolve_manifest
from geo.workspace import read_table

ZONING = """
[[zonings]]
name = "clss"
file = "clss.csv"
columns = { code = "zone", sectors = "sector_codes", name_fr = "nom", name_nl = "naam" }
source = "test perimeters"
vintage = "2024"
attribution = "socialatlas tests"
"""


@pytest.fixture()
def manifest_with_zoning(brussels_dir, tmp_path):
    text = resolve_manifest("brussels-2024").read_text() + ZONING
    (tmp_path / "m.toml").write_text(text)
    return tmp_path / "m.toml"


def test_zones_from_sector_lists_are_unions_of_their_sectors(manifest_with_zoning, brussels_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(brussels_dir, data)
    (data / "clss.csv").write_text(
        "zone;nom;naam;sector_codes\n"
        "M;Marolles;Marollen;21004A21-,21004A22-\n"
        "M;Marolles;Marollen;21004A23-\n"
        "X;Autre;Andere;21001A00-\n",
        encoding="cp1252",
    )
    build_workspace(read_manifest(manifest_with_zoning, data_dir=data), tmp_path / "w.gpkg")
    zones = read_table(tmp_path / "w.gpkg", "zoning_clss").set_index("code")
    sectors = read_table(tmp_path / "w.gpkg", "sectors").set_index("code")
    assert zones.loc["M", "name_fr"] == "Marolles" and zones.loc["M", "zoning"] == "clss"
    expected = sectors.loc[["21004A21-", "21004A22-", "21004A23-"]].area.sum()
    assert zones.loc["M"].geometry.area == pytest.approx(expected, rel=1e-5)  # 1 cm snapping
    provenance = read_table(tmp_path / "w.gpkg", "provenance").set_index("table_name")
    assert provenance.loc["zoning_clss", "source"] == "test perimeters"


def test_unknown_sector_in_a_zone_is_named(manifest_with_zoning, brussels_dir, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(brussels_dir, data)
    (data / "clss.csv").write_text("zone,nom,naam,sector_codes\nM,Marolles,Marollen,21004A21-;99999Z99-\n")
    with pytest.raises(InputError, match=r"clss.csv: unknown sector code\(s\) 99999Z99-"):
        build_workspace(read_manifest(manifest_with_zoning, data_dir=data), tmp_path / "w.gpkg")
    assert not (tmp_path / "w.gpkg").exists()
