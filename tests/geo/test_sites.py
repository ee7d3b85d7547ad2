"""Importing sites: every good row kept, every bad one reported with its row and reason."""

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer

from geo.errors import CRSError, InputError
from geo.importers import import_sites, osm_categories


def _csv(tmp_path, text, encoding="utf-8", name="sites.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_wgs84_table_with_lists_and_cp1252(tmp_path):
    path = _csv(
        tmp_path,
        "id;nom;naam;lat;lon;categories;languages\n"
        "1;Maison médicale du Midi;Wijkgezondheidscentrum;50,8366;4,3359;C-SP-01|x;fr\n"
        "2;Crèche Étoile;Kinderdagverblijf Ster;50.85;4.35;C-PE-01;fr|nl\n",
        encoding="cp1252",
    )
    result = import_sites(path, source="cpas")
    sites = result.sites
    assert result.crs == "WGS84 (EPSG:4326)" and len(sites) == 2
    assert sites["name_fr"].tolist() == ["Maison médicale du Midi", "Crèche Étoile"]
    assert sites["site_id"].tolist() == ["cpas:1", "cpas:2"]
    assert sites["languages"].tolist() == ["fr", "fr;nl"] and sites["categories"].iloc[0] == "C-SP-01;x"
    x, y = Transformer.from_crs(4326, 31370, always_xy=True).transform(4.3359, 50.8366)
    assert (sites.geometry.x.iloc[0], sites.geometry.y.iloc[0]) == pytest.approx((x, y), abs=0.01)


def test_lambert_columns_are_detected_and_lambert_2008_too(tmp_path):
    lambert72 = import_sites(_csv(tmp_path, "id,x,y\na,149000,170000\n"))
    lambert08 = import_sites(_csv(tmp_path, "id,x,y\na,649000,670000\n", name="l08.csv"))
    assert lambert72.crs == "Lambert 72 (EPSG:31370)" and lambert08.crs == "Lambert 2008 (EPSG:3812)"
    assert lambert72.sites.geometry.iloc[0].distance(lambert08.sites.geometry.iloc[0]) < 1500


def test_lambert_declared_as_wgs84_is_refused(tmp_path):
    path = _csv(tmp_path, "id,lat,lon\na,170000,149000\nb,170100,149100\n")
    with pytest.raises(CRSError, match="declared in WGS84"):
        import_sites(path)


def test_bad_rows_are_reported_and_good_rows_kept(tmp_path):
    path = _csv(
        tmp_path,
        "id,name_fr,lat,lon,categories,capacity_places\n"
        "a,Un,50.85,4.35,C-SP-03,12\n"
        "a,Doublon,50.85,4.35,C-SP-03,\n"
        ",Sans id,50.85,4.35,C-SP-03,\n"
        "b,Texte,cinquante,4.35,C-SP-03,\n"
        "c,Vide,,,C-SP-03,\n"
        "d,Inconnue,50.86,4.36,C-XX-99,beaucoup\n",
    )
    result = import_sites(path)
    assert result.sites["source_id"].tolist() == ["a", "b", "c", "d"]
    report = result.report.set_index("row")
    assert report.loc[3, "reason"] == "duplicate identifier (first at row 2)"
    assert report.loc[4, "reason"] == "no identifier" and report.loc[4, "status"] == "rejected"
    assert report.loc[5, "status"] == "kept without location" and "cinquante" in report.loc[5, "reason"]
    assert report.loc[6, "reason"] == "no coordinates"
    reasons = result.report[result.report["row"] == 7]["reason"].tolist()
    assert "capacity_places is not a number ('beaucoup'), left empty" in reasons
    assert "unknown category C-XX-99" in reasons


def test_a_large_file_with_some_broken_rows(tmp_path):
    rng = np.random.default_rng(3)
    n = 100_000
    frame = pd.DataFrame(
        {
            "id": np.arange(n).astype(str),
            "lat": rng.uniform(50.80, 50.88, n).round(6).astype(str),
            "lon": rng.uniform(4.30, 4.42, n).round(6).astype(str),
            "categories": "C-SP-03",
        }
    )
    broken = rng.choice(n, 250, replace=False)
    frame.loc[broken[:100], "lat"] = "n/a"
    frame.loc[broken[100:200], "id"] = ""
    frame.loc[broken[200:], "id"] = "0" if 0 not in broken[200:] else "1"
    frame.to_csv(tmp_path / "big.csv", index=False)
    result = import_sites(tmp_path / "big.csv")
    assert len(result.sites) == n - 150
    assert (result.report["status"] == "rejected").sum() == 150
    assert (result.report["status"] == "kept without location").sum() == 100
    assert result.sites.geometry.notna().sum() == n - 250


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("id,lat,lon\n", "the table has a header but no rows"),
        ("name,lat,lon\nx,50.8,4.3\n", "no site has an identifier"),
    ],
)
def test_files_that_cannot_be_imported(tmp_path, content, message):
    with pytest.raises(InputError, match=message):
        import_sites(_csv(tmp_path, content))


def test_unknown_column_mapping_is_named(tmp_path):
    path = _csv(tmp_path, "id,lat,lon\na,50.8,4.3\n")
    with pytest.raises(InputError, match=r"no column name_fr=Nom; columns are id, lat, lon"):
        import_sites(path, columns={"name_fr": "Nom"})


def test_directory_json_shape(tmp_path):
    path = tmp_path / "dir.json"
    path.write_text(
        json.dumps(
            {
                "organisations": [
                    {
                        "id": "O1",
                        "name": {"fr": "CPAS", "nl": "OCMW"},
                        "sites": [
                            {
                                "id": "S1",
                                "name": {"fr": "Antenne", "nl": "Antenne"},
                                "categories": ["C-AS-01"],
                                "agreements": [{"id": "A-COCOM-01", "authority": "COCOM"}],
                                "coordinates": {
                                    "lat": 50.84,
                                    "lon": 4.35,
                                    "x_lambert72": 149000,
                                    "y_lambert72": 170000,
                                },
                                "zone_action": [{"level": "commune", "code": "21004"}],
                                "capacity": {"places": 20},
                                "address": {"commune": {"nis": "21004"}},
                                "updated": "2024-02-01",
                            }
                        ],
                    }
                ]
            }
        )
    )
    site = import_sites(path, source="dir").sites.iloc[0]
    assert site["accreditations"] == "A-COCOM-01" and site["authorities"] == "COCOM"
    assert site["zone_action"] == "commune:21004" and site["capacity_places"] == 20
    assert site["organisation_nl"] == "OCMW" and site["lambert_x"] == 149000


def test_broken_json_names_line_and_column(tmp_path):
    path = tmp_path / "dir.json"
    path.write_text('{"organisations": [\n{"id": 1,}]}')
    with pytest.raises(InputError, match=r"not valid JSON \(line 2, column"):
        import_sites(path)


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"amenity": "pharmacy"}, ["C-SP-03"]),
        ({"amenity": "clinic", "name": "Maison Médicale des Marolles"}, ["C-SP-01"]),
        ({"amenity": "clinic", "name": "Clinique Saint-Jean"}, []),
        ({"amenity": "kindergarten", "name:nl": "Kinderdagverblijf De Ster"}, ["C-PE-01"]),
        ({"amenity": "kindergarten", "name": "École maternelle"}, []),
        ({"amenity": "library"}, []),
    ],
)
def test_osm_tag_rules(tags, expected):
    assert osm_categories(tags) == expected


def test_xlsx_and_flatgeobuf_give_the_same_sites(tmp_path):
    frame = pd.DataFrame(
        {"ID": ["a", "b"], "Nom": ["Un", "Deux"], "lat": [50.85, 50.83], "lon": [4.35, 4.33]}
    )
    frame.to_excel(tmp_path / "sites.xlsx", index=False)
    from_xlsx = import_sites(tmp_path / "sites.xlsx", columns={"source_id": "ID", "name_fr": "Nom"})
    layer = gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=4326)
    layer.to_crs(3812).to_file(tmp_path / "sites.fgb")
    from_fgb = import_sites(tmp_path / "sites.fgb", columns={"source_id": "ID", "name_fr": "Nom"})
    assert from_xlsx.sites["name_fr"].tolist() == from_fgb.sites["name_fr"].tolist() == ["Un", "Deux"]
    gaps = from_xlsx.sites.geometry.distance(from_fgb.sites.geometry)
    assert (gaps < 0.01).all()
