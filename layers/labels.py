"""Numbers and labels in fr / nl / en: number formats, class labels, texts given in several languages.

Also :class:`Placeholders`, which lets a style document (QML, SLD) be built once and written in
each language by filling in its texts afterwards.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

import numpy as np

from geo.errors import InputError
from layers.layer import LANGS

Text = str | Mapping[str, str]

SPECIAL_LABELS: dict[str, dict[str, str]] = {
    "no_data": {"fr": "Pas de données", "nl": "Geen gegevens", "en": "No data"},
    "not_applicable": {
        "fr": "Sans objet (non résidentiel)",
        "nl": "Niet van toepassing (niet-residentieel)",
        "en": "Not applicable (non-residential)",
    },
    "suppressed": {
        "fr": "Secret statistique (< seuil)",
        "nl": "Statistisch geheim",
        "en": "Suppressed (small count)",
    },
}
OTHER_LABEL = {"fr": "Autres", "nl": "Andere", "en": "Other"}


def format_number(value: float, lang: str = "fr", *, decimals: int = 0) -> str:
    """A number as readers of ``lang`` write it: fr ``1 234,5``, nl ``1.234,5``, en ``1,234.5``."""
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    if lang == "fr":
        return text.replace(",", " ").replace(".", ",")
    if lang == "nl":
        return text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def auto_decimals(edges: Sequence[float] | np.ndarray) -> int:
    """Decimals that show the edges distinctly: 0 for wide ranges, more for narrow ones."""
    e = np.asarray(edges, dtype=float)
    e = e[np.isfinite(e)]
    if e.size == 0 or np.all(e == np.round(e)):
        return 0
    span = float(e.max() - e.min()) or float(np.abs(e).max()) or 1.0
    decimals = max(0, 1 - math.floor(math.log10(span)))
    while decimals < 6 and np.unique(np.round(e, decimals)).size < np.unique(e).size:
        decimals += 1
    return decimals


def texts(text: Text | None, what: str) -> dict[str, str]:
    """``text`` in each language (one text for all, or a mapping with French as the fallback).

    ``what`` names the parameter in the error raised when a mapping holds no text at all.
    """
    if text is None:
        return dict.fromkeys(LANGS, "")
    if isinstance(text, str):
        return dict.fromkeys(LANGS, text)
    out = {lang: str(text.get(lang) or text.get("fr") or text.get("en") or "") for lang in LANGS}
    if not any(out.values()):
        raise InputError(f"{what}: give a text in fr, nl or en")
    return out


def with_unit(text: str, unit: str) -> str:
    """``text`` followed by ``unit`` (when there is one)."""
    return f"{text} {unit}" if unit else text


def range_label(lower: float, upper: float, lang: str, decimals: int, unit: str) -> str:
    """The legend label of a class: ``lo – hi``, ``≤ hi``, ``> lo`` or one number, with the unit."""
    lo, hi = format_number(lower, lang, decimals=decimals), format_number(upper, lang, decimals=decimals)
    if lower == upper or lo == hi:
        return with_unit(hi, unit)
    if math.isinf(lower):
        return with_unit(f"≤ {hi}", unit)
    if math.isinf(upper):
        return with_unit(f"> {lo}", unit)
    return with_unit(f"{lo} – {hi}", unit)


class Placeholders:
    """Placeholders for texts in several languages, filled in after the document is serialised once.

    Calling it with a mapping language → text gives a token to put in the document; :meth:`fill`
    then writes the document once per language with each token replaced by its text, XML-escaped.
    """

    _TOKEN = re.compile("\ue000(\\d+)\ue001")  # private-use characters, never in a label

    def __init__(self) -> None:
        self.texts: list[Mapping[str, str]] = []

    def __call__(self, text: Mapping[str, str]) -> str:
        self.texts.append(text)
        return f"\ue000{len(self.texts) - 1}\ue001"

    def fill(self, xml: str, langs: Sequence[str]) -> dict[str, str]:
        def one(lang: str) -> str:
            def text(match: re.Match[str]) -> str:
                given = self.texts[int(match.group(1))]
                return escape(given.get(lang) or given.get("fr") or "", {'"': "&quot;"})

            return self._TOKEN.sub(text, xml)

        return {lang: one(lang) for lang in langs}


# units of the diagnostic indicators (data/diagnostic_indicators.csv) as printed in each language
UNITS: dict[str, dict[str, str]] = {
    "sites": {"fr": "lieux", "nl": "plaatsen", "en": "sites"},
    "places": {"fr": "places", "nl": "plaatsen", "en": "places"},
    "persons": {"fr": "pers.", "nl": "pers.", "en": "persons"},
    "per 1000": {"fr": "pour 1 000", "nl": "per 1.000", "en": "per 1,000"},
    "per coverage base": {"fr": "pour la base du thème", "nl": "per basis van het thema", "en": "per base"},
    "m": {"fr": "m", "nl": "m", "en": "m"},
    "%": {"fr": "%", "nl": "%", "en": "%"},
    "ratio": {"fr": "rapport", "nl": "verhouding", "en": "ratio"},
    "score": {"fr": "score", "nl": "score", "en": "score"},
}
