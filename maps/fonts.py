"""The typeface of the printed pages: DejaVu Sans, lightened once for fast PDF embedding.

Pages embed their fonts as TrueType subsets (text stays selectable and searchable). Subsetting
DejaVu Sans spends most of its time in the OpenType layout tables (GSUB, GPOS: ligatures and
positioning for scripts a map label never uses), and so does text shaping. :func:`page_font`
writes, once per machine, copies of DejaVu Sans (book, bold, oblique, bold oblique) without those
tables into matplotlib's cache folder, under the family name ``DejaVu Sans Lean``, and registers
them. The glyphs are DejaVu's own. When the copies cannot be written, pages use DejaVu Sans as is.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import lru_cache
from pathlib import Path

import matplotlib
from matplotlib import font_manager

FAMILY = "DejaVu Sans"
LEAN_FAMILY = "DejaVu Sans Lean"
DROP = ("GSUB", "GPOS", "GDEF", "MATH", "FFTM")
FACES = {
    "Book": {"weight": "normal", "style": "normal"},
    "Bold": {"weight": "bold", "style": "normal"},
    "Oblique": {"weight": "normal", "style": "oblique"},
    "BoldOblique": {"weight": "bold", "style": "oblique"},
}


def _lean_copy(source: Path, face: str, folder: Path) -> Path:
    from fontTools.ttLib import TTFont

    stat = source.stat()
    key = hashlib.sha1(f"{source}:{stat.st_size}:{stat.st_mtime_ns}".encode()).hexdigest()[:10]
    target = folder / f"DejaVuSansLean-{face}-{key}.ttf"
    if target.exists():
        return target
    font = TTFont(source)
    for tag in DROP:
        if tag in font:
            del font[tag]
    postscript = f"DejaVuSansLean-{face}"
    for record in font["name"].names:
        if record.nameID in (1, 16):
            record.string = LEAN_FAMILY
        elif record.nameID == 4:
            record.string = f"{LEAN_FAMILY} {face}"
        elif record.nameID == 6:
            record.string = postscript
    handle, name = tempfile.mkstemp(prefix=".lean-", suffix=".ttf", dir=folder)
    os.close(handle)
    try:
        font.save(name)
        os.replace(name, target)
    finally:
        Path(name).unlink(missing_ok=True)
    return target


@lru_cache(maxsize=1)
def page_font() -> str:
    """The font family for pages: ``DejaVu Sans Lean`` once registered, else ``DejaVu Sans``."""
    try:
        folder = Path(matplotlib.get_cachedir()) / "socialatlas-fonts"
        folder.mkdir(parents=True, exist_ok=True)
        for face, props in FACES.items():
            source = font_manager.findfont(
                font_manager.FontProperties(family=FAMILY, **props),  # type: ignore[arg-type]
                fallback_to_default=False,
            )
            font_manager.fontManager.addfont(str(_lean_copy(Path(source), face, folder)))
    except (OSError, ValueError, ImportError, KeyError):
        return FAMILY
    return LEAN_FAMILY
