"""The one build step pyproject.toml has no setting for: GraphiQL's browser files into the package.

Those files (React, GraphiQL, graphql-ws) come from npm, pinned with their integrity hashes by
app/graphiql/package-lock.json, and are not in the repository. So that a wheel serves GraphiQL
wherever it is installed, offline, building one runs `npm ci` from that lock (npm checks every
tarball against its hash) in a scratch folder and copies in only the files the page loads, at
the paths app/graphql/graphiql_files.py names, plus every installed package's licence file:
GraphiQL's build bundles its dependencies, so their code is redistributed too. An sdist carries
the lock, not the files, and runs the same step when a wheel is built from it.

It is setuptools' documented `cmdclass` hook; everything else is in pyproject.toml.
"""

from __future__ import annotations

import json
import runpy
import shutil
import subprocess
import tempfile
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.errors import ExecError

NPM_PROJECT = Path("app/graphiql")
"""Where package.json and its lock are, in the source tree and in the built package alike."""

FILES_LIST = Path("app/graphql/graphiql_files.py")

# How packages name their licence files (LICENSE, LICENSE.md, LICENSE-MIT.txt, LICENCE, …).
LICENCE_PREFIXES = ("licen", "copying", "notice")


class BuildPyWithGraphiQL(build_py):
    """`build_py`, then GraphiQL's browser files from `npm ci` into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            # An editable install reads app/graphiql/node_modules in the source checkout, which
            # scripts/bootstrap fills; `uv sync` must not need npm.
            return
        source = Path(__file__).resolve().parent
        listed = runpy.run_path(str(source / FILES_LIST))
        npm_dir: str = listed["NPM_INSTALL_DIR"]
        # The page's own files are package data already; these are the ones npm provides.
        shipped = [
            path for path in listed["GRAPHIQL_FILES"].values() if path.startswith(f"{npm_dir}/")
        ]
        lock = json.loads((source / NPM_PROJECT / "package-lock.json").read_text())
        packages: dict[str, dict[str, object]] = lock["packages"]  # "" is the project itself
        target = Path(self.build_lib) / NPM_PROJECT
        with tempfile.TemporaryDirectory(prefix="eventstore-graphiql-") as scratch:
            installed = Path(scratch)
            npm_ci(source / NPM_PROJECT, installed, packages)
            missing = [path for path in shipped if not (installed / path).is_file()]
            if missing:
                raise ExecError(f"npm ci from {NPM_PROJECT}/package-lock.json left out {missing}")
            for relative in [*shipped, *licence_files(installed, packages)]:
                self.mkpath(str((target / relative).parent))
                self.copy_file(str(installed / relative), str(target / relative))


def npm_ci(project: Path, into: Path, packages: dict[str, dict[str, object]]) -> None:
    """Install what `project`'s lock pins into `into`, every package checked against its hash."""
    unchecked = [name for name, entry in packages.items() if name and "integrity" not in entry]
    if unchecked:
        raise ExecError(f"{project}/package-lock.json has no integrity hash for {unchecked}")
    npm = shutil.which("npm")
    if npm is None:
        raise ExecError(
            "npm is needed to build this package: it installs GraphiQL's browser files from "
            f"{project}/package-lock.json (without them the package's /graphql shows no GraphiQL). "
            "Install Node.js with npm and build again."
        )
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(project / name, into / name)
    # --ignore-scripts: nothing from the registry runs here. --prefer-offline: what npm's cache
    # holds is used without asking the registry again (the lock's hashes still check it).
    flags = ["--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"]
    subprocess.run([npm, "ci", *flags], cwd=into, check=True, stdout=subprocess.DEVNULL)


def licence_files(installed: Path, packages: dict[str, dict[str, object]]) -> list[str]:
    """The licence files of every package the lock installed, relative to `installed`.

    The few packages without one name their licence in package-lock.json, which the package
    carries as well.
    """
    return [
        f"{package}/{path.name}"
        for package in packages
        if package
        for path in sorted((installed / package).iterdir())
        if path.is_file() and path.name.lower().startswith(LICENCE_PREFIXES)
    ]


setup(cmdclass={"build_py": BuildPyWithGraphiQL})
