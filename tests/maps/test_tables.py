"""Tables of the printed pages: number formatting, wrapping, splitting across pages."""

from __future__ import annotations

import math

import pytest

from maps.tables import (
    Column,
    Table,
    decimals_for,
    format_indicator,
    measure,
    shows_status,
    split_rows,
    text_width,
    wrap,
)


@pytest.mark.parametrize(
    ("value", "unit", "lang", "expected"),
    [
        (22655.66555, "persons", "fr", "22 656"),
        (22655.66555, "persons", "nl", "22.656"),
        (22655.66555, "persons", "en", "22,656"),
        (0.044139, "per 1000", "fr", "0,0441"),
        (271.6, "per 1000", "fr", "272"),
        (14.63, "per 1000", "en", "14.6"),
        (97.085511, "%", "fr", "97,1"),
        (1.486575, "ratio", "nl", "1,49"),
        (-0.7, "score", "fr", "-0,70"),
        (410.2, "m", "fr", "410"),
        (0.0, "per 1000", "fr", "0"),
    ],
)
def test_indicator_values_are_formatted_per_unit_and_language(value, unit, lang, expected):
    spaces = str.maketrans({"\u202f": " ", "\u00a0": " "})  # French thousands: a (narrow) space
    assert format_indicator(value, unit, lang).translate(spaces) == expected


@pytest.mark.parametrize(
    ("status", "lang", "expected"),
    [
        ("not_applicable", "fr", "s.o."),
        ("not_applicable", "nl", "n.v.t."),
        ("not_applicable", "en", "n/a"),
        ("suppressed", "fr", "secret"),
        ("suppressed", "en", "suppressed"),
        ("no_data", "nl", "geen gegevens"),
    ],
)
def test_special_statuses_print_as_text_never_as_a_number(status, lang, expected):
    assert format_indicator(0.0, "per 1000", lang, status=status) == expected
    assert format_indicator(math.nan, "per 1000", lang, status=status) == expected


def test_missing_values_print_a_dash():
    assert format_indicator(math.nan, "%", "fr") == "–"
    assert format_indicator(None, "%", "fr") == "–"


def test_rates_keep_three_significant_digits():
    assert [decimals_for(v, "per 1000") for v in (272.0, 14.6, 1.91, 0.202, 0.0289, 0.00001)] == [
        0,
        1,
        2,
        3,
        4,
        4,
    ]


def test_wrap_keeps_lines_within_the_width_and_every_word():
    words = "Population cible à distance de marche d'un lieu, moyenne pondérée par la population cible"
    lines = wrap(words, 30.0, 7.0)
    assert len(lines) > 1
    assert all(text_width(line, 7.0) <= 30.0 for line in lines)
    assert " ".join(lines) == words


def test_wrap_cuts_a_long_word_after_its_hyphens():
    lines = wrap("sous-desserte-très-longue-expression", 12.0, 7.0, bold=True)
    assert all(text_width(line, 7.0, bold=True) <= 12.0 for line in lines)
    assert "".join(lines) == "sous-desserte-très-longue-expression"
    assert lines[0].endswith("-")


def test_a_long_table_is_split_into_pieces_that_fit_with_the_header_repeated():
    rows = tuple((f"row {i}", str(i)) for i in range(60))
    table = Table((Column("Name", 3.0), Column("Value", 1.0, "right")), rows, fontsize=7.0)
    measured = measure(table, 100.0)
    pieces = split_rows(measured, 40.0, 120.0)
    assert [i for piece in pieces for i in piece] == list(range(60))  # every row once, in order
    for n, piece in enumerate(pieces):
        room = 40.0 if n == 0 else 120.0
        assert measured.header_height + sum(measured.heights[i] for i in piece) <= room + 1e-6
    assert len(pieces) >= 3


def test_status_note_only_when_a_status_is_printed():
    ok = Table((Column("a"), Column("b")), (("x", "1,0"),))
    hidden = Table((Column("a"), Column("b")), (("x", "s.o."),))
    assert not shows_status(ok, "fr") and shows_status(hidden, "fr")
