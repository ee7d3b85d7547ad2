"""Many pages into PDF files, on several cores.

A document of many pages (an atlas, a series, a report) is described by a **page function**
``build(context, i) -> Figure`` — a module-level function, so that worker processes can import it —
a ``context`` holding everything the pages need (layers, base map, spec…, sent once to each
worker), and the number of pages. :func:`write_pages` builds the pages and writes them into one or
several PDF files (``outputs``: file → page numbers, e.g. one file per commune).

With ``workers`` > 1 the pages are dealt out to a pool of processes (page 1 to the first worker,
page 2 to the second, …, so that costly and cheap pages even out); each worker saves its pages as
a PDF chunk and the chunks' pages are put together in order with pypdf. Every output is written to
a temporary file beside its target and moved into place only when complete.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import multiprocessing
import os
import sys
import tempfile
import threading
import uuid
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from geo.errors import InputError
from maps.page import PdfInfo

PageFunction = Callable[[Any, int], Figure]

_WORKER: dict[str, Any] = {}


def _metadata(info: PdfInfo, title: str) -> dict[str, Any]:
    return {
        "Title": info.title or title,
        "Author": info.author,
        "Subject": info.subject,
        "Keywords": ", ".join(info.keywords),
        "Creator": "socialatlas",
        "CreationDate": dt.datetime.now(dt.UTC).replace(microsecond=0),
    }


@contextlib.contextmanager
def _staged(paths: Sequence[Path]) -> Iterator[dict[Path, Path]]:
    """Temporary files beside ``paths``, moved onto them when the block ends without error."""
    staged: dict[Path, Path] = {}
    try:
        for path in paths:
            path.parent.mkdir(parents=True, exist_ok=True)
            # created by open(), not mkstemp, so that the file gets the usual permissions (umask)
            tmp = path.parent / f".{path.stem}-{uuid.uuid4().hex[:12]}.pdf"
            tmp.open("xb").close()
            staged[path] = tmp
        yield staged
        for path, tmp in staged.items():
            os.replace(tmp, path)
    finally:
        for tmp in staged.values():
            tmp.unlink(missing_ok=True)


def _init(build: PageFunction, context: Any) -> None:
    matplotlib.use("Agg")
    _WORKER["build"] = build
    _WORKER["context"] = context


def _chunk(pages: Sequence[int], path: str) -> str:
    """In a worker: build ``pages`` and save them, in order, as the PDF ``path``."""
    build: PageFunction = _WORKER["build"]
    context = _WORKER["context"]
    with matplotlib.rc_context({"pdf.fonttype": 42, "pdf.compression": 6}), PdfPages(path) as pdf:
        for i in pages:
            figure = build(context, i)
            pdf.savefig(figure)
            figure.clear()
    return path


def _serial(
    build: PageFunction,
    context: Any,
    outputs: Mapping[Path, Sequence[int]],
    staged: Mapping[Path, Path],
    info: PdfInfo,
    titles: Mapping[Path, str],
) -> None:
    for path, pages in outputs.items():
        with matplotlib.rc_context({"pdf.fonttype": 42, "pdf.compression": 6}), PdfPages(staged[path]) as pdf:
            for n, i in enumerate(pages):
                figure = build(context, i)
                if n == 0:
                    title = titles.get(path) or str(figure.get_label() or "") or path.stem
                    pdf.infodict().update({k: v for k, v in _metadata(info, title).items() if v})
                pdf.savefig(figure)
                figure.clear()


def _parallel(
    build: PageFunction,
    context: Any,
    outputs: Mapping[Path, Sequence[int]],
    staged: Mapping[Path, Path],
    info: PdfInfo,
    workers: int,
    titles: Mapping[Path, str],
) -> None:
    import pypdf

    wanted = sorted({i for pages in outputs.values() for i in pages})
    deal = [wanted[k::workers] for k in range(workers)]
    deal = [pages for pages in deal if pages]
    with tempfile.TemporaryDirectory(prefix=".pages-", dir=next(iter(staged.values())).parent) as tmp:
        # on Linux, forked workers inherit the loaded modules and the context instead of rebuilding
        # them; a process running threads (a web server) is not forked
        safe = sys.platform.startswith("linux") and threading.active_count() == 1
        fork = multiprocessing.get_context("fork") if safe else None
        with ProcessPoolExecutor(
            max_workers=len(deal), mp_context=fork, initializer=_init, initargs=(build, context)
        ) as pool:
            futures = [
                pool.submit(_chunk, pages, str(Path(tmp) / f"chunk{k}.pdf")) for k, pages in enumerate(deal)
            ]
            chunks = [future.result() for future in futures]
        readers = [pypdf.PdfReader(chunk) for chunk in chunks]
        where = {i: (k, n) for k, pages in enumerate(deal) for n, i in enumerate(pages)}
        for path, pages in outputs.items():
            writer = pypdf.PdfWriter()
            for i in pages:
                k, n = where[i]
                writer.add_page(readers[k].pages[n])
            metadata = _metadata(info, titles.get(path) or path.stem)
            writer.add_metadata(
                {
                    f"/{key}": value if isinstance(value, str) else pypdf_date(value)
                    for key, value in metadata.items()
                    if value
                }
            )
            with open(staged[path], "wb") as handle:
                writer.write(handle)


def pypdf_date(moment: dt.datetime) -> str:
    """A date as PDF writes it: ``D:20261122140500Z``."""
    return moment.strftime("D:%Y%m%d%H%M%SZ")


def write_pages(
    build: PageFunction,
    context: Any,
    outputs: Mapping[Path, Sequence[int]],
    *,
    workers: int = 2,
    info: PdfInfo | None = None,
    titles: Mapping[Path, str] | None = None,
) -> list[Path]:
    """Build pages with ``build(context, i)`` and write them into the PDF files of ``outputs``.

    Parameters
    ----------
    build, context
        The page function (module level) and what it needs; with ``workers`` > 1 both are pickled
        once per worker process.
    outputs
        File → the page numbers it holds, in order (a page may go into several files).
    workers
        Processes building pages at once; 1 builds them in this process. Several workers need
        pypdf to put the chunks together; without it, or when a worker dies, the pages are built
        here, one after another.
    info, titles
        Document metadata; the title of each file (default: its first page's title).
    """
    paths = {Path(p): list(pages) for p, pages in outputs.items()}
    if not paths or not any(paths.values()):
        raise InputError("no page to write")
    if workers < 1:
        raise InputError(f"workers {workers!r}: give 1 or more processes")
    info = info or PdfInfo()
    named = {Path(p): t for p, t in (titles or {}).items()}
    total = len({i for pages in paths.values() for i in pages})
    try:
        import pypdf  # noqa: F401
    except ImportError:
        workers = 1
    with _staged(list(paths)) as staged:
        if workers > 1 and total > 1:
            try:
                _parallel(build, context, paths, staged, info, min(workers, total), named)
                return list(paths)
            except BrokenProcessPool:  # a worker died (out of memory, killed): build the pages here
                warnings.warn("page workers stopped; building the pages in this process", stacklevel=2)
        _serial(build, context, paths, staged, info, named)
    return list(paths)
