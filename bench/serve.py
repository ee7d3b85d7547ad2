"""Benchmark: the HTTP service under concurrent load, next to pygeoapi serving the same layers.

With the real Brussels workspace (OpenStreetMap sites imported, diagnostic stored), the script
starts in subprocesses, on free loopback ports, with the same number of threads:

- ``socialatlas serve`` (waitress, the production server);
- pygeoapi (its Flask WSGI app under waitress), serving the same ``sectors`` and ``sites`` layers
  from a GeoPackage (exported here with :mod:`layers.export`, in WGS84, through pygeoapi's
  ``SQLiteGPKG`` provider).

Then ``--clients`` threads (each with one keep-alive ``http.client`` connection) send ``--requests``
requests of each kind: pages of sectors and of sites (``limit=100``, every offset in turn), a
directory search and a diagnostics call (ours only). The script prints throughput, p50 and p99
latency and errors per kind and server, and checks the targets: items throughput at least 3×
pygeoapi's, p99 under 100 ms at 16 clients, no error.

    python3 bench/serve.py [WORKSPACE] [--clients 16] [--requests 2000] [--threads 8]
                           [--pygeoapi-python PYTHON]

Without WORKSPACE one is built from ../shared/data/brussels into a temporary folder. pygeoapi is
not a dependency of socialatlas; install it apart. Its GeoPackage provider needs a Python whose
``sqlite3`` loads extensions and SpatiaLite (``libsqlite3-mod-spatialite``), e.g.::

    /usr/bin/python3 -m venv --system-site-packages /tmp/pygeoapi-venv
    /tmp/pygeoapi-venv/bin/pip install pygeoapi waitress
    python3 bench/serve.py --pygeoapi-python /tmp/pygeoapi-venv/bin/python

(``PYGEOAPI_PYTHON`` works too.) Without a usable pygeoapi, only our figures are printed.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from _brussels import REPO, brussels_workspace

PAGE = 100
TARGET_RATIO = 3.0
TARGET_P99_MS = 100.0
PYGEOAPI_CHECK = (
    "import sqlite3, pygeoapi, waitress; "
    "c = sqlite3.connect(':memory:'); c.enable_load_extension(True); c.load_extension('mod_spatialite')"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], *, seconds: float = 180.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server for {url} stopped (exit {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds:.0f} s")


@contextmanager
def running(command: list[str], url: str, *, log: Path, env: dict[str, str] | None = None) -> Iterator[None]:
    """A server started with ``command`` (its output into ``log``), ready at ``url``, stopped at the
    end (by its process id)."""
    with log.open("wb") as output:
        process = subprocess.Popen(  # from the repository: bench/ holds a maps.py of its own
            command, cwd=REPO, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            wait_ready(url, process)
            yield
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def pygeoapi_python(given: str | None) -> str | None:
    """An interpreter where pygeoapi and its GeoPackage provider work (None: none found)."""
    for candidate in (given, os.environ.get("PYGEOAPI_PYTHON"), sys.executable):
        if (
            candidate
            and subprocess.run([candidate, "-c", PYGEOAPI_CHECK], capture_output=True).returncode == 0
        ):
            return candidate
    return None


def pygeoapi_config(folder: Path, gpkg: Path, port: int, provider: str) -> Path:
    bbox = "[4.24, 50.76, 4.49, 50.92]"
    source = {
        "SQLiteGPKG": "data: {gpkg}\n      table: {name}",
        "OGR": "data: {{source_type: GPKG, source: {gpkg}}}\n      layer: {name}",
    }[provider]
    resources = "".join(
        textwrap.dedent(
            f"""\
              {name}:
                type: collection
                title: {name}
                description: {name} of Brussels
                keywords: [{name}]
                extents:
                  spatial: {{bbox: {bbox}, crs: 'http://www.opengis.net/def/crs/OGC/1.3/CRS84'}}
                providers:
                  - type: feature
                    name: {provider}
                    id_field: fid
            """
        )
        + "      "
        + source.format(gpkg=gpkg, name=name)
        + "\n"
        for name in ("sectors", "sites")
    )
    config = folder / "pygeoapi.yml"
    config.write_text(
        textwrap.dedent(
            f"""\
            server:
              bind: {{host: 127.0.0.1, port: {port}}}
              url: http://127.0.0.1:{port}
              mimetype: application/json; charset=UTF-8
              encoding: utf-8
              language: en-US
              limits: {{default_items: {PAGE}, max_items: 10000}}
              map: {{url: 'https://tile.openstreetmap.org/{{z}}/{{x}}/{{y}}.png', attribution: OpenStreetMap}}
              admin: false
            logging:
              level: ERROR
            metadata:
              identification:
                title: bench
                description: the layers socialatlas serves
                keywords: [bench]
                keywords_type: theme
                terms_of_service: https://creativecommons.org/licenses/by/4.0/
                url: https://example.org
              license: {{name: CC-BY 4.0, url: 'https://creativecommons.org/licenses/by/4.0/'}}
              provider: {{name: bench, url: 'https://example.org'}}
              contact:
                {{name: bench, email: bench@example.org, url: 'https://example.org', role: pointOfContact}}
            resources:
            """
        )
        + textwrap.indent(resources, "  ")
    )
    return config


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)  # seconds
    errors: int = 0
    seconds: float = 0.0
    bytes: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        return float(np.percentile(np.array(self.latencies) * 1000, q)) if self.latencies else float("nan")


def load(port: int, paths: list[str], *, clients: int) -> Result:
    """Send ``paths`` (in turn) from ``clients`` threads, one keep-alive connection each."""
    result = Result()
    lock = threading.Lock()
    next_index = iter(range(len(paths)))
    local = threading.local()

    def one(_: int) -> None:
        with lock:
            index = next(next_index)
        path = paths[index]
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        start = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Accept": "application/geo+json, application/json"})
            answer = connection.getresponse()
            body = answer.read()
            ok = answer.status == 200
        except (OSError, http.client.HTTPException):
            local.connection = None
            connection.close()
            body, ok = b"", False
        elapsed = time.perf_counter() - start
        with lock:
            if ok:
                result.latencies.append(elapsed)
                result.bytes += len(body)
            else:
                result.errors += 1

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        list(pool.map(one, range(len(paths))))
    result.seconds = time.perf_counter() - start
    return result


def item_pages(collection: str, total: int, n: int, *, pygeoapi: bool) -> list[str]:
    offsets = list(range(0, total, PAGE))
    extra = "&f=json" if pygeoapi else ""
    return [
        f"/collections/{collection}/items?limit={PAGE}&offset={offsets[i % len(offsets)]}{extra}"
        for i in range(n)
    ]


def our_requests(n: int, workspace: Path) -> dict[str, list[str]]:
    """Our requests of each kind: items pages at every offset, and searches and diagnostics calls
    over many different queries (every commune and neighbourhood, points on a grid, every theme), so
    that answers kept for a repeated request do not make the whole run."""
    from urllib.parse import quote

    from geo.workspace import read_table

    communes = [str(v) for v in read_table(workspace, "communes")["name_fr"]]
    hoods = [str(v) for v in read_table(workspace, "neighbourhoods")["code"]]
    themes = [str(t) for t in read_table(workspace, "themes")["theme"]]
    search = "/rest/search/organisation?limit=20&"
    # a name may be shared by a commune, a neighbourhood and a sector (Koekelberg): say the level
    searches = [f"{search}locatedAt=communes:{quote(name)}" for name in communes]
    searches += [f"{search}locatedAt=neighbourhoods:{code}" for code in hoods]
    searches += [f"{search}activeOn=communes:{quote(name)}" for name in communes]
    searches += [f"{search}sectors=S-SP&locatedAt=communes:{quote(name)}" for name in communes]
    searches += [
        f"{search}location={50.80 + 0.015 * i:.3f},{4.30 + 0.02 * j:.3f}&distance=1"
        for i in range(8)
        for j in range(8)
    ]
    indicators = [
        f"/diagnostics/indicators?theme={theme}&level={level}"
        for theme in themes
        for level in ("neighbourhoods", "communes")
    ]
    indicators += [
        f"/diagnostics/indicators?code={code}" for code in read_table(workspace, "communes")["code"]
    ]
    rng = np.random.default_rng(2024)
    return {
        "sectors items": item_pages("sectors", 724, n, pygeoapi=False),
        "sites items": item_pages("sites", 1283, n, pygeoapi=False),
        "directory search": [searches[i] for i in rng.integers(0, len(searches), n)],
        "diagnostics indicators": [indicators[i] for i in rng.integers(0, len(indicators), n)],
    }


def warm_up_requests(workspace: Path, clients: int) -> list[str]:
    """Requests of each kind, none of them among the measured ones: the server's first requests of a
    kind pay one-time costs (projection set-up, lazy imports), which are not what is measured."""
    from geo.workspace import read_table

    sectors = [str(v) for v in read_table(workspace, "sectors")["code"]][: 2 * clients]
    search = "/rest/search/organisation?limit=20&"
    paths = item_pages("sectors", 724, 2 * clients, pygeoapi=False)
    paths += item_pages("sites", 1283, 2 * clients, pygeoapi=False)
    paths += [f"{search}locatedAt=sectors:{code}" for code in sectors]
    paths += [f"{search}sectors=S-AS&activeOn=sectors:{code}" for code in sectors[:clients]]
    paths += [f"{search}location={50.79 - 0.001 * i:.3f},{4.29:.3f}&distance=0.5" for i in range(clients)]
    paths += [f"/diagnostics/indicators?level=sectors&code={code}" for code in sectors]
    return paths


def row(kind: str, server: str, result: Result) -> str:
    return (
        f"{kind:<24} {server:<20} {len(result.latencies) + result.errors:>8} {result.errors:>7} "
        f"{result.rate:>9.0f} {result.percentile(50):>8.1f} {result.percentile(99):>8.1f} "
        f"{result.bytes / max(1, len(result.latencies)) / 1024:>8.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workspace", nargs="?", type=Path)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000, help="requests of each kind")
    parser.add_argument("--threads", type=int, default=8, help="threads of each server")
    parser.add_argument("--pygeoapi-python", help="Python interpreter with pygeoapi (see the docstring)")
    parser.add_argument(
        "--pygeoapi-provider",
        choices=("SQLiteGPKG", "OGR"),
        default="SQLiteGPKG",
        help="pygeoapi's GPKG reader",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="socialatlas-bench-") as tmp:
        folder = Path(tmp)
        workspace = args.workspace or brussels_workspace(folder)
        print(f"workspace: {'given' if args.workspace else 'built from ../shared/data/brussels'}")
        _run(workspace, folder, args)


def _run(workspace: Path, folder: Path, args: argparse.Namespace) -> None:
    from layers.catalogue import catalogue
    from layers.export import export

    ours_port = free_port()
    ours = [
        sys.executable,
        "-c",
        "from service.cli import main; main()",
        "serve",
        "--workspace",
        str(workspace),
        "--port",
        str(ours_port),
        "--threads",
        str(args.threads),
    ]
    python = pygeoapi_python(args.pygeoapi_python)
    results: list[tuple[str, str, Result]] = []
    with running(ours, f"http://127.0.0.1:{ours_port}/collections", log=folder / "socialatlas.log"):
        requests = our_requests(args.requests, workspace)
        load(ours_port, warm_up_requests(workspace, args.clients), clients=args.clients)
        for kind, paths in requests.items():
            results.append((kind, "socialatlas", load(ours_port, paths, clients=args.clients)))
    if python is None:
        print(
            "pygeoapi: no interpreter with pygeoapi and a GeoPackage provider found "
            "(see the docstring: --pygeoapi-python); only our figures follow"
        )
    else:
        gpkg = folder / "layers.gpkg"
        layers = [layer for layer in catalogue(workspace) if layer.id in ("sectors", "sites")]
        export(layers, gpkg, format="gpkg", crs=4326)
        port = free_port()
        config = pygeoapi_config(folder, gpkg, port, args.pygeoapi_provider)
        env = {
            **os.environ,
            "PYGEOAPI_CONFIG": str(config),
            "PYGEOAPI_OPENAPI": str(folder / "pygeoapi-openapi.yml"),
            "PROJ_DATA": os.environ.get("PROJ_DATA", "/usr/share/proj"),
        }
        env.pop("PYTHONPATH", None)
        subprocess.run(
            [python, "-c", "from pygeoapi import cli; cli()", "openapi", "generate", str(config),
             "--output-file", env["PYGEOAPI_OPENAPI"]],
            env=env,
            check=True,
            capture_output=True,
        )  # fmt: skip
        serve = (
            f"import waitress; from pygeoapi.flask_app import APP; "
            f"waitress.serve(APP, host='127.0.0.1', port={port}, threads={args.threads}, ident='pygeoapi')"
        )
        log = folder / "pygeoapi.log"
        with running([python, "-c", serve], f"http://127.0.0.1:{port}/collections?f=json", log=log, env=env):
            for name, total in (("sectors", 724), ("sites", 1283)):
                paths = item_pages(name, total, args.requests, pygeoapi=True)
                load(port, paths[: 2 * args.clients], clients=args.clients)
                result = load(port, paths, clients=args.clients)
                results.append((f"{name} items", f"pygeoapi/{args.pygeoapi_provider}", result))
        errors = [line for line in log.read_text(errors="replace").splitlines() if "rror" in line]
        if errors:
            print(f"pygeoapi logged {len(errors)} error lines, e.g.: {errors[-1][:200]}")
    _report(results, args, python is not None)


def _report(results: list[tuple[str, str, Result]], args: argparse.Namespace, compared: bool) -> None:
    print(
        f"\n{args.clients} concurrent clients (keep-alive), {args.requests} requests of each kind, "
        f"{args.threads} server threads each, {os.cpu_count()} CPUs, pages of {PAGE} features\n"
    )
    print(
        f"{'kind':<24} {'server':<20} {'requests':>8} {'errors':>7} {'req/s':>9} {'p50 ms':>8} "
        f"{'p99 ms':>8} {'KB/ans':>8}"
    )
    order = sorted(results, key=lambda r: (r[0], r[1] != "socialatlas"))
    for kind, server, result in order:
        print(row(kind, server, result))
    ours = {kind: r for kind, server, r in results if server == "socialatlas"}
    theirs = {kind: r for kind, server, r in results if server.startswith("pygeoapi")}
    print("\ntargets")
    checks = []
    if compared:
        for kind in ("sectors items", "sites items"):
            ratio = ours[kind].rate / theirs[kind].rate if theirs[kind].rate else float("inf")
            checks.append(
                (f"{kind}: throughput ≥ {TARGET_RATIO:g}× pygeoapi", f"{ratio:.1f}×", ratio >= TARGET_RATIO)
            )
    else:
        checks.append(("items throughput ≥ 3× pygeoapi", "not measured (no pygeoapi)", False))
    worst = max(ours.values(), key=lambda r: r.percentile(99))
    p99 = worst.percentile(99)
    checks.append(
        (
            f"p99 < {TARGET_P99_MS:g} ms at {args.clients} clients (worst kind)",
            f"{p99:.1f} ms",
            p99 < TARGET_P99_MS,
        )
    )
    errors = sum(r.errors for r in ours.values())
    checks.append(("zero errors (ours)", str(errors), errors == 0))
    for name, value, ok in checks:
        print(f"  {'PASS' if ok else 'MISS'}  {name}: {value}")


if __name__ == "__main__":
    main()
