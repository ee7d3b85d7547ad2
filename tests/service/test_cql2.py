"""CQL2-text: parsing, three-valued evaluation on a small frame with known answers, clear errors."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geo.errors import InputError
from service.cql2 import Comparison, Like, Literal, Property, filter_mask, like_regex, parse, properties

FRAME = pd.DataFrame(
    {
        "code": ["21001", "21004", "21009", "21013", None],
        "name_fr": ["Anderlecht", "Bruxelles", "Ixelles", "Saint-Gilles", "L'Étoile"],
        "population": [126196, 196828, 87632, np.nan, 10],
        "residential": [True, True, False, True, False],
    }
)


def rows(text):
    return list(np.flatnonzero(filter_mask(text, FRAME)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("code = '21001'", [0]),
        ("code <> '21001'", [1, 2, 3]),  # the null code is unknown, not different
        ("population > 100000", [0, 1]),
        ("population >= 87632 AND population < 150000", [0, 2]),
        ("population <= 10 OR code = '21013'", [3, 4]),
        ("NOT (population > 100000)", [2, 4]),  # NOT unknown stays unknown: row 3 out
        ("residential = TRUE", [0, 1, 3]),
        ("residential <> true AND population > 0", [2, 4]),
        ("name_fr LIKE 'Saint%'", [3]),
        ("name_fr LIKE '_xelles'", [2]),
        ("name_fr NOT LIKE '%e%'", []),
        ("name_fr LIKE 'L''Étoile'", [4]),
        ("name_fr LIKE '%-%'", [3]),
        ("code IN ('21001', '21009', '99999')", [0, 2]),
        ("code NOT IN ('21001')", [1, 2, 3]),
        ("population IN (10, 87632)", [2, 4]),
        ("population BETWEEN 10 AND 100000", [2, 4]),
        ("population NOT BETWEEN 10 AND 100000", [0, 1]),
        ("code IS NULL", [4]),
        ("population IS NOT NULL", [0, 1, 2, 4]),
        ("(code = '21001' OR code = '21004') AND residential = true", [0, 1]),
        ("code = '21001' OR code = '21004' AND residential = false", [0]),  # AND binds tighter
        ("\"name_fr\" = 'Ixelles'", [2]),
        ("population > -1.5e1", [0, 1, 2, 4]),
        ("TRUE", [0, 1, 2, 3, 4]),
        ("FALSE OR code = '21013'", [3]),
        ("1 = 1", [0, 1, 2, 3, 4]),
        ("code > '21005'", [2, 3]),
        ("code >= DATE('2024-01-01')", [0, 1, 2, 3]),  # dates compare as ISO text
        ("code = '21001' aNd NoT residential = false", [0]),  # keywords in any case
    ],
)
def test_filter(text, expected):
    assert rows(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("colour = 'red'", r"unknown property 'colour'; the queryables are code, name_fr, population"),
        ("code = 21001", r"cannot compare code \(string\), 21001.0 \(number\)"),
        ("population = '10'", "cannot compare"),
        ("residential > true", "does not apply to boolean"),
        ("code =", "expected a property name or a value at character 7"),
        ("code = '21001' AND", "at character 19"),
        ("(code = '21001'", "expected '\\)'"),
        ("code = '21001')", "unexpected text after a complete filter"),
        ("code == '1'", "expected a property name or a value"),
        ("code = 'unterminated", "unexpected character"),
        ("code ~ 'x'", "unexpected character"),
        ("code NOT = '1'", "expected LIKE, IN or BETWEEN after NOT"),
        ("population LIKE '1%'", "LIKE applies to text"),
        ("name_fr LIKE code", "LIKE takes a 'quoted pattern'"),
        ("code IS '1'", "NULL after IS"),
        ("code", "expected a comparison"),
        ("'text'", "expected a comparison"),
        ("", "empty"),
        ("NOT " * 100 + "TRUE", "nested levels"),
        ("(" * 100 + "TRUE" + ")" * 100, "nested levels"),
        ("code = '" + "x" * 5000 + "'", "at most 4096"),
        ("S_INTERSECTS(geometry, POINT(4 50))", "at character 13"),
    ],
)
def test_filter_refuses(text, message):
    with pytest.raises(InputError, match=message):
        filter_mask(text, FRAME)


def test_parse_builds_a_tree():
    node = parse("code = '21001' AND name_fr LIKE 'A%'")
    assert node.parts == (  # type: ignore[union-attr]
        Comparison("=", Property("code"), Literal("21001")),
        Like(Property("name_fr"), Literal("A%")),
    )
    assert properties(node) == {"code", "name_fr"}
    assert properties(parse("a IN (b, 1) OR NOT c BETWEEN d AND 2 OR e IS NULL")) == {"a", "b", "c", "d", "e"}


@pytest.mark.parametrize(
    ("pattern", "matches", "misses"),
    [
        ("a%", ["a", "abc"], ["ba"]),
        ("a_c", ["abc", "a.c"], ["ac", "abbc"]),
        (r"100\%", ["100%"], ["1000"]),
        ("a.c", ["a.c"], ["abc"]),  # regex characters are literal
        ("%", ["", "x\ny"], []),
    ],
)
def test_like_regex(pattern, matches, misses):
    import re

    regex = like_regex(pattern)
    assert all(re.fullmatch(regex, m) for m in matches)
    assert not any(re.fullmatch(regex, m) for m in misses)


def test_empty_frame():
    assert filter_mask("code = '1'", FRAME.iloc[:0]).shape == (0,)


TOKENS = [
    "code",
    "population",
    "name_fr",
    "residential",
    "'21001'",
    "10",
    "-",
    "TRUE",
    "NULL",
    "(",
    ")",
    ",",
    "=",
    "<>",
    "<",
    ">=",
    "AND",
    "OR",
    "NOT",
    "LIKE",
    "IN",
    "IS",
    "BETWEEN",
    "'A%'",
    "DATE",
    "colour",
]


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=60), st.lists(st.sampled_from(TOKENS), max_size=12).map(" ".join)))
def test_any_text_gives_a_mask_or_an_input_error(text):
    try:
        mask = filter_mask(text, FRAME)
    except InputError:
        return
    assert mask.dtype == bool and mask.shape == (len(FRAME),)
