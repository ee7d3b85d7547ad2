import numpy as np
import pytest

from geo.crs import candidate_crs, check_declared_crs, parse_crs
from geo.errors import CRSError


@pytest.mark.parametrize(
    ("given", "epsg"),
    [
        (31370, 31370),
        ("3812", 3812),
        ("EPSG:4326", 4326),
        ("lambert72", 31370),
        ("urn:ogc:def:crs:EPSG::31370", 31370),
        ("http://www.opengis.net/def/crs/EPSG/0/3812", 3812),
    ],
)
def test_parse_crs_reads_codes_urns_and_uris(given, epsg):
    assert parse_crs(given).to_epsg() == epsg


def test_parse_crs84_uri_is_lon_lat_wgs84():
    crs = parse_crs("http://www.opengis.net/def/crs/OGC/1.3/CRS84")
    assert crs.name == "WGS 84 (CRS84)"


def test_parse_crs_names_the_parameter():
    with pytest.raises(CRSError, match="bbox-crs: 'EPSG:99999999'"):
        parse_crs("EPSG:99999999", parameter="bbox-crs")


def test_candidate_crs_tells_belgian_systems_apart():
    assert candidate_crs(np.array([4.35, 4.40]), np.array([50.85, 50.80])) == [4326]
    assert candidate_crs(np.array([149_000.0, 152_000.0]), np.array([170_000.0, 168_000.0])) == [31370]
    assert candidate_crs(np.array([649_000.0, 652_000.0]), np.array([670_000.0, 668_000.0])) == [3812]


def test_lambert_declared_as_wgs84_is_named():
    with pytest.raises(CRSError, match=r"declared in WGS84 .* fit Lambert 72 \(EPSG:31370\)"):
        check_declared_crs(np.array([149_000.0]), np.array([170_000.0]), parse_crs(4326), where="f.csv")


def test_swapped_lat_lon_is_named():
    with pytest.raises(CRSError, match="swapped"):
        check_declared_crs(np.array([50.85]), np.array([4.35]), parse_crs(4326), where="f.csv")


def test_right_crs_passes():
    check_declared_crs(np.array([4.35]), np.array([50.85]), parse_crs(4326), where="f.csv")
