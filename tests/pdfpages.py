"""Reading the PDFs the tests make: their text, page sizes and how much of each page is inked."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pypdf
import pytest
from matplotlib.image import imread

A4 = (595.28, 841.89)  # points, portrait
SPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})


def flat(text: object) -> str:
    """Text with every run of white space (line breaks, no-break spaces) as one space."""
    return " ".join(str(text).translate(SPACES).split())


def page_texts(path: Path) -> list[str]:
    return [flat(page.extract_text()) for page in pypdf.PdfReader(path).pages]


def page_sizes(path: Path) -> list[list[float]]:
    return [sorted((float(p.mediabox.width), float(p.mediabox.height))) for p in pypdf.PdfReader(path).pages]


def inks(path: Path, tmp_path: Path) -> list[float]:
    """Share of non-white pixels of every page rendered at 20 dpi by pdftoppm."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed")
    out = tmp_path / "ink"
    out.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "20", str(path), str(out / "p")], check=True)
    return [
        float(np.mean(np.any(imread(png)[:, :, :3] < 0.97, axis=2))) for png in sorted(out.glob("p*.png"))
    ]
