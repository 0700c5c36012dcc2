"""The package as users get it: built, installed into an empty virtualenv, run in an empty folder.

`uv build` makes the sdist and then the wheel from it, as a release would, so the wheel is built
without the checkout's node_modules: setup.py fetches GraphiQL's browser files with `npm ci`.
The virtualenv gets the versions uv.lock records, from uv's cache (seconds, where pip would
download everything), and `eventstore serve` must then answer GraphiQL, every file it loads and
the monitor page, with nothing from outside the service.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import httpx
import pytest

from app.graphql.graphiql_files import GRAPHIQL_FILES, NPM_INSTALL_DIR
from tests.utils.process import free_port, processes_running, until_stopped

# Minutes of processes, kills or generated cases: `scripts/test --fast` leaves it out.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
NPM_PROJECT = "app/graphiql"

# The monitor's modules import each other by relative path.
MODULE_IMPORT = re.compile(r"""^import .* from "(\./[^"]+)";$""", re.MULTILINE)


@dataclass
class BuiltPackage:
    sdist: Path
    wheel: Path
    bin_dir: Path
    """The fresh virtualenv's scripts, the wheel installed with its `embedded` extra."""


def uv_command() -> str:
    """uv: $UV, else the one scripts/bootstrap installs in .uv/, else the one on PATH."""
    found = os.environ.get("UV") or shutil.which(ROOT / ".uv/bin/uv") or shutil.which("uv")
    assert found, "uv is not installed: scripts/test installs it in .uv/, or set UV"
    return found


def run(*command: str | Path) -> None:
    done = subprocess.run(
        [str(part) for part in command], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{command} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> BuiltPackage:
    uv = uv_command()
    dist = tmp_path_factory.mktemp("dist")
    # The sdist, then the wheel from it, with the setuptools scripts/build-constraints.txt pins.
    constraints = ROOT / "scripts/build-constraints.txt"
    run(
        uv, "build", "--out-dir", dist, "--build-constraints", constraints, "--require-hashes", ROOT
    )
    (sdist,) = dist.glob("*.tar.gz")
    (wheel,) = dist.glob("*.whl")
    constraints = dist / "constraints.txt"
    run(uv, "export", "--frozen", "--no-hashes", "--no-emit-project", "--extra", "embedded",
        "--output-file", constraints)  # fmt: skip
    venv = tmp_path_factory.mktemp("venv")
    run(uv, "venv", "--quiet", "--python", sys.executable, venv)
    python = venv / "bin/python"
    run(uv, "pip", "install", "--quiet", "--python", python, "--constraints", constraints,
        f"{wheel}[embedded]")  # fmt: skip
    return BuiltPackage(sdist, wheel, venv / "bin")


def test_the_wheel_carries_the_files_graphiql_loads_and_their_licences(
    built: BuiltPackage,
) -> None:
    with zipfile.ZipFile(built.wheel) as wheel:
        npm_files = {
            name.removeprefix(f"{NPM_PROJECT}/")
            for name in wheel.namelist()
            if name.startswith(f"{NPM_PROJECT}/{NPM_INSTALL_DIR}/")
        }
    with tarfile.open(built.sdist) as sdist:
        in_sdist = {name.split("/", 1)[-1] for name in sdist.getnames()}
    lock = json.loads((ROOT / NPM_PROJECT / "package-lock.json").read_text())

    licences = {name for name in npm_files if is_licence(name)}
    assert npm_files - licences == {
        path for path in GRAPHIQL_FILES.values() if path.startswith(f"{NPM_INSTALL_DIR}/")
    }
    # Licence files sit in the folders of the packages the lock pins: those GraphiQL bundles too.
    assert {name.rsplit("/", 1)[0] for name in licences} <= set(lock["packages"])
    for package in ("react", "react-dom", "graphiql", "graphql-ws", "graphql", "codemirror"):
        assert any(name.startswith(f"{NPM_INSTALL_DIR}/{package}/") for name in licences), package
    # The sdist builds a wheel (setup.py, the lock), without shipping npm's files itself.
    assert {"setup.py", f"{NPM_PROJECT}/package.json", f"{NPM_PROJECT}/package-lock.json"} <= (
        in_sdist
    )
    assert not [name for name in in_sdist if NPM_INSTALL_DIR in name]


async def test_an_installed_wheel_serves_graphiql_and_the_monitor_from_an_empty_folder(
    built: BuiltPackage, tmp_path: Path
) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    async with serving(built.bin_dir, folder, tmp_path / "service.log") as http:
        graphiql = await http.get("/graphql", headers={"accept": "text/html"})
        graphiql_files = await fetch_all(http, "/graphql", page_links(graphiql.text))
        monitor = await http.get("/", headers={"accept": "text/html"})
        monitor_files = await fetch_all(http, "/", page_links(monitor.text))

    assert graphiql.status_code == 200, graphiql.text
    assert "GraphiQL" in graphiql.text
    assert monitor.status_code == 200
    # Every file each page loads, scripts, styles and the modules those import: served here.
    assert set(graphiql_files) == {f"/graphql/graphiql/{name}" for name in GRAPHIQL_FILES}
    assert {path: status for path, status in graphiql_files.items() if status != 200} == {}
    assert "/monitor/monitor.js" in monitor_files
    assert "/monitor/health.js" in monitor_files  # imported by monitor.js
    assert {path: status for path, status in monitor_files.items() if status != 200} == {}
    # Nothing from another host: the pages name none, and browsers hold them to that.
    for page in (graphiql, monitor):
        assert not re.findall(r"(?:https?:|wss?:)?//[\w-]", page.text)
        policy = page.headers["content-security-policy"]
        assert "default-src 'self'" in policy
        assert "http" not in policy
    # The installed package served, from its folder; stopped, it stopped its database too.
    assert installed_at(built.bin_dir).is_relative_to(built.bin_dir.parent)
    assert not processes_running("secantusd", str(folder))
    assert (folder / "data").is_dir()


@asynccontextmanager
async def serving(bin_dir: Path, folder: Path, log_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    """`eventstore serve` as a user starts it in `folder`: no settings but a free port."""
    port = free_port()
    with log_path.open("wb") as log:
        process = await asyncio.create_subprocess_exec(
            bin_dir / "eventstore",
            "serve",
            "--port",
            str(port),
            cwd=folder,
            env={"PATH": "/usr/bin:/bin"},
            stdout=log,
            stderr=log,
        )
    async with until_stopped(process, port, log_path) as http:
        yield http


def is_licence(path: str) -> bool:
    return path.rsplit("/", 1)[-1].lower().startswith(("licen", "copying", "notice"))


def installed_at(bin_dir: Path) -> Path:
    """Where the virtualenv's Python finds the `app` package."""
    where = "import importlib.util; print(importlib.util.find_spec('app').origin)"
    found = subprocess.run(
        [bin_dir / "python", "-c", where], capture_output=True, text=True, check=True, cwd="/"
    )
    return Path(found.stdout.strip())


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        link = named.get("src") if tag == "script" else named.get("href") if tag == "link" else None
        if link is not None:
            self.found.append(link)


def page_links(html: str) -> list[str]:
    """What a page loads: its scripts' and its stylesheets' addresses, as written."""
    links = _Links()
    links.feed(html)
    return links.found


async def fetch_all(http: httpx.AsyncClient, page: str, links: list[str]) -> dict[str, int]:
    """The status of each file `links` (relative to `page`) names, and of the modules it imports."""
    statuses: dict[str, int] = {}
    waiting = [urljoin(page, link) for link in links]
    while waiting:
        path = waiting.pop()
        if path in statuses:
            continue
        answer = await http.get(path)
        statuses[path] = answer.status_code
        if path.endswith(".js") and answer.status_code == 200:
            waiting += [urljoin(path, module) for module in MODULE_IMPORT.findall(answer.text)]
    return statuses
