"""What a QGIS user sees when opening a workspace (real QGIS 3.22, headless)."""


def test_qgis_opens_every_table_of_the_brussels_workspace(brussels_with_osm, qgis_check):
    code, layers = qgis_check("gpkg", brussels_with_osm)
    assert code == 0
    seen = {layer["name"]: layer for layer in layers}
    expected = {"sectors": 724, "neighbourhoods": 145, "communes": 19, "region": 1, "sites": 1283,
                "sector_neighbourhood": 1047}
    for name, count in expected.items():
        assert seen[name]["valid"] and seen[name]["feature_count"] == count, name
    for name in ("sectors", "neighbourhoods", "communes", "region"):
        assert seen[name]["crs"] == "EPSG:31370" and seen[name]["geometry_type"] == 2
    assert seen["sites"]["crs"] == "EPSG:31370" and seen["sites"]["geometry_type"] == 0
    assert {"need", "provenance", "workspace_info", "site_units", "site_sources"} <= set(seen)
    assert all(layer["valid"] for layer in layers)
