"""Benchmark: printed maps of the real Brussels workspace (OpenStreetMap sites, stored diagnostics).

- a single map page (a neighbourhood choropleth of the whole region), built and saved as a PDF —
  target under 1.5 s;
- the atlas of the 145 monitoring neighbourhoods (one page each, primary care), with 2 workers;
  baseline in the same run: the same atlas with 1 worker — target under 60 s with 2 workers;
- the diagnostic report of Marolles + Anneessens (FR), pages only (the study-area diagnostic, timed
  apart, is computed first) — target under 15 s.

    python3 bench/maps.py [WORKSPACE] [--quick]

Without WORKSPACE the script builds one from ../shared/data/brussels (with the diagnostics stored)
into a temporary folder. ``--quick`` makes the atlas of 20 neighbourhoods only. Loading the layer
catalogue is timed apart: every command pays it once.
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from _brussels import brussels_workspace

REPO = Path(__file__).resolve().parent.parent
LAYER = "primary_care_neighbourhoods"


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children (the page workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


class _Clock:
    """Wall and CPU seconds of a step (CPU counts every process: on a busy machine, wall time grows
    with the other processes' load while CPU time does not)."""

    def __enter__(self) -> _Clock:
        self.wall, self.cpu = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *_: object) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, _cpu() - self.cpu


def _line(what: str, clock: _Clock, target: str = "") -> None:
    print(f"{what:<54} {clock.wall:7.2f} s wall {clock.cpu:7.2f} s CPU  {target}")


def main(argv: list[str]) -> None:
    quick = "--quick" in argv
    paths = [a for a in argv if not a.startswith("--")]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        workspace = Path(paths[0]) if paths else brussels_workspace(folder)
        run(workspace, folder, quick=quick)


def run(workspace: Path, folder: Path, *, quick: bool) -> None:
    from diagnostics.levels import built_in_levels, read_inputs
    from diagnostics.study_area import diagnose_area, study_area
    from diagnostics.themes import load_themes
    from layers.catalogue import catalogue
    from maps.atlas import AtlasSpec, write_atlas
    from maps.frame import BaseMap
    from maps.kinds import make_map
    from maps.page import PageSpec, save_pdf
    from maps.report import ReportSpec, write_report

    print(f"workspace {workspace} · {os.cpu_count()} CPUs · load average {os.getloadavg()[0]:.1f}")
    with _Clock() as clock:
        layers = catalogue(workspace)
    _line("layer catalogue (once per command)", clock)

    make_map("choropleth", layers, PageSpec(), layer=LAYER)  # fonts and caches warm, as in a session
    with _Clock() as clock:
        figure = make_map("choropleth", layers, PageSpec(), layer=LAYER)
        save_pdf(figure, folder / "page.pdf")
    _line("single map page (build + PDF)", clock, "target < 1.5 s")

    hoods = next(layer for layer in layers if layer.id == LAYER)
    units = tuple(str(c) for c in hoods.data["code"])[: 20 if quick else None]
    spec = AtlasSpec(layer=LAYER, units=units)
    clocks = {}
    for workers in (2, 1):
        with _Clock() as clocks[workers]:
            write_atlas(layers, spec, folder / f"atlas{workers}.pdf", workers=workers)
    target = "target < 60 s" if not quick else "(quick: 20 pages)"
    _line(f"atlas, {len(units)} neighbourhoods, 2 workers", clocks[2], target)
    speedup = f"baseline; 2 workers × {clocks[1].wall / clocks[2].wall:.2f}"
    _line(f"atlas, {len(units)} neighbourhoods, 1 worker", clocks[1], speedup)

    with _Clock() as clock:
        inputs = read_inputs(workspace)
        levels = built_in_levels(inputs)
        area = study_area(inputs, levels, units=["Marolles", "Anneessens"])
        result = diagnose_area(inputs, load_themes(), levels, area)
    _line("study-area diagnostic of Marolles + Anneessens", clock)
    base = BaseMap(inputs.units["communes"], inputs.units["region"], inputs.units["neighbourhoods"])
    clocks = {}
    for workers in (2, 1):
        with _Clock() as clocks[workers]:
            write_report(
                result,
                base,
                folder / f"report{workers}.pdf",
                spec=ReportSpec(lang="fr"),
                provenance=inputs.provenance,
                synthetic=inputs.synthetic,
                workers=workers,
            )
    _line("diagnostic report (FR), 2 workers", clocks[2], "target < 15 s")
    speedup = f"baseline; 2 workers × {clocks[1].wall / clocks[2].wall:.2f}"
    _line("diagnostic report (FR), 1 worker", clocks[1], speedup)
    print(f"load average at the end {os.getloadavg()[0]:.1f} (other processes share the CPUs when > 0)")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main(sys.argv[1:])
