"""Request parsers: text in, checked values or a message naming the parameter out."""

import pytest

from geo.errors import InputError
from service.params import (
    CRS84,
    check_params,
    epsg_uri,
    parse_bbox,
    parse_crs_uri,
    parse_datetime,
    parse_distance,
    parse_lang,
    parse_limit,
    parse_list,
    parse_offset,
)

LAMBERT = epsg_uri(31370)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (CRS84, CRS84),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", CRS84),
        ("CRS84", CRS84),
        ("EPSG:4326", epsg_uri(4326)),
        ("4326", epsg_uri(4326)),
        ("http://www.opengis.net/def/crs/EPSG/0/31370", LAMBERT),
        ("urn:ogc:def:crs:EPSG::31370", LAMBERT),
        ("EPSG:3812", epsg_uri(3812)),
    ],
)
def test_parse_crs_uri(text, expected):
    assert parse_crs_uri(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("EPSG:32631", "not served"),
        ("EPSG:999999", "not a coordinate reference system"),
        ("/etc/passwd", "not a CRS URI"),
        ("+init=epsg:4326", "not a CRS URI"),
        ("", "not a CRS URI"),
    ],
)
def test_parse_crs_uri_refuses(text, message):
    with pytest.raises(InputError, match=message):
        parse_crs_uri(text)


@pytest.mark.parametrize(
    ("text", "crs", "expected"),
    [
        ("4.3,50.8,4.4,50.9", CRS84, (4.3, 50.8, 4.4, 50.9)),
        ("4.3,50.8,0,4.4,50.9,100", CRS84, (4.3, 50.8, 4.4, 50.9)),
        ("50.8,4.3,50.9,4.4", epsg_uri(4326), (4.3, 50.8, 4.4, 50.9)),  # latitude first
        ("149000,170000,150000,171000", LAMBERT, (149000, 170000, 150000, 171000)),
        ("-180,-90,180,90", CRS84, (-180, -90, 180, 90)),  # the world: allowed
        ("170,-10,-170,10", CRS84, (170, -10, -170, 10)),  # across the antimeridian
        ("0,0,10,10", LAMBERT, (0, 0, 10, 10)),  # nowhere near Brussels, but valid
    ],
)
def test_parse_bbox(text, crs, expected):
    assert parse_bbox(text, crs_uri=crs) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("text", "crs", "message"),
    [
        ("1,2,3", CRS84, "give 4 numbers"),
        ("a,b,c,d", CRS84, "not a number"),
        ("nan,1,2,3", CRS84, "not a finite number"),
        (
            "149000,170000,150000,171000",
            CRS84,
            r"Lambert 72 \(EPSG:31370\) coordinates but bbox-crs is CRS84",
        ),
        ("4.3,50.8,4.4,50.9", LAMBERT, r"WGS84 \(EPSG:4326\) coordinates but bbox-crs is Lambert 72"),
        ("4.3,50.8,4.4,50.9", epsg_uri(4326), "EPSG:4326 takes latitude first"),
        ("649000,670000,650000,671000", LAMBERT, r"Lambert 2008 \(EPSG:3812\) coordinates"),
        ("4.3,95,4.4,96", CRS84, r"latitudes in \[-90, 90\]"),
        ("4.4,50.9,4.5,50.8", CRS84, "lower corner comes first"),
        ("150000,170000,149000,171000", LAMBERT, "lower corner comes first"),
    ],
)
def test_parse_bbox_refuses(text, crs, message):
    with pytest.raises(InputError, match=message):
        parse_bbox(text, crs_uri=crs)


@pytest.mark.parametrize(("text", "expected"), [(None, 100), ("1", 1), ("10000", 10_000), (" 42 ", 42)])
def test_parse_limit(text, expected):
    assert parse_limit(text, default=100, maximum=10_000) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0", "from 1 to"),
        ("10001", "from 1 to 10000"),
        ("-1", "from 1"),
        ("ten", "whole number"),
        ("1.5", "whole number"),
        ("9" * 30, "whole"),
    ],
)
def test_parse_limit_refuses(text, message):
    with pytest.raises(InputError, match=message):
        parse_limit(text, default=100, maximum=10_000)


def test_parse_offset():
    assert parse_offset(None) == 0 and parse_offset("250") == 250
    with pytest.raises(InputError, match="offset -3"):
        parse_offset("-3")


@pytest.mark.parametrize(
    ("param", "accepted", "expected"),
    [
        (None, [], "fr"),
        ("nl", [("en", 1.0)], "nl"),
        ("EN", [], "en"),
        (None, [("nl-BE", 1.0), ("fr", 0.5)], "nl"),
        (None, [("de", 1.0), ("en", 0.8)], "en"),
        (None, [("de", 1.0)], "fr"),
        (None, [("nl", 0.0), ("en", 0.3)], "en"),
    ],
)
def test_parse_lang(param, accepted, expected):
    assert parse_lang(param, accepted) == expected


def test_parse_lang_refuses():
    with pytest.raises(InputError, match="lang 'de'"):
        parse_lang("de")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-31", ("2024-01-31", "2024-01-31")),
        ("2024-01-31T12:00:00Z", ("2024-01-31T12:00:00Z", "2024-01-31T12:00:00Z")),
        ("2024-01-01/..", ("2024-01-01", None)),
        ("../2024-01-01", (None, "2024-01-01")),
    ],
)
def test_parse_datetime(text, expected):
    assert parse_datetime(text) == expected


@pytest.mark.parametrize("text", ["yesterday", "2024-02-30", "../..", "2024-01-01/2024-02-01/2024-03-01"])
def test_parse_datetime_refuses(text):
    with pytest.raises(InputError, match="datetime"):
        parse_datetime(text)


def test_parse_list_and_distance():
    assert parse_list(["A-1,A-2", "A-1", " ", "B"]) == ["A-1", "A-2", "B"]
    assert parse_distance(None) == 1000 and parse_distance("0.5") == 500
    for bad in ("0", "51", "far"):
        with pytest.raises(InputError, match="distance"):
            parse_distance(bad)


def test_check_params_names_the_unknown_ones():
    check_params(["limit"], ["limit", "offset"], where="/x")
    with pytest.raises(
        InputError, match=r"/x: unknown parameter\(s\) 'colour', 'size'; known parameters are"
    ):
        check_params(["size", "limit", "colour"], ["limit"], where="/x")
