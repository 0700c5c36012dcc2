"""What app/ imports from other libraries: only their public modules, only libraries
pyproject.toml declares, and their undocumented modules only in app/upstream/, where each reach
is listed and guarded."""

from __future__ import annotations

import ast
import importlib
import importlib.metadata
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"
UPSTREAM = APP / "upstream"

# The modules each library documents for use. Anything else of theirs is imported only in
# app/upstream/<library>.py (Starlette, pymongo, graphql-core, pydantic: every public module
# of theirs is documented).
DOCUMENTED_MODULES = {
    "strawberry": {
        "strawberry",
        "strawberry.asgi",
        "strawberry.exceptions",
        "strawberry.extensions",
        "strawberry.http",
        "strawberry.scalars",
        "strawberry.schema.config",
        "strawberry.subscriptions",
        "strawberry.types",
    },
    "uvicorn": {"uvicorn"},
}


def _modules() -> Iterator[Path]:
    for path in sorted(APP.rglob("*.py")):
        if "node_modules" not in path.parts:
            yield path


def _imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, names) for each absolute import in `path` (names empty for `import x`)."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.lineno, node.module, [alias.name for alias in node.names]


def _library_imports() -> Iterator[tuple[str, str, list[str]]]:
    """(where, module, names) for each import of another library by a module of app/."""
    for path in _modules():
        for line, module, names in _imports(path):
            top = module.partition(".")[0]
            if top not in ("app", "__future__") and top not in sys.stdlib_module_names:
                yield f"{path.relative_to(ROOT)}:{line}", module, names


def test_no_module_of_app_imports_a_private_module_of_a_library() -> None:
    private = [
        f"{where}: {module}{' (' + ', '.join(names) + ')' if names else ''}"
        for where, module, names in _library_imports()
        if any(part.startswith("_") for part in module.split("."))
        or any(name.startswith("_") for name in names)
    ]
    assert not private, (
        "app/ imports private parts of other libraries, which a minor release may change "
        f"without a word: {private}. Use a documented API, or keep the reach in "
        "app/upstream/<library>.py, listed in its docstring, with a guard in tests/upstream/"
    )


def test_a_librarys_undocumented_modules_are_imported_only_in_app_upstream() -> None:
    outside = [
        f"{where}: {module}"
        for where, module, _ in _library_imports()
        if not where.startswith(str(UPSTREAM.relative_to(ROOT)))
        and module.partition(".")[0] in DOCUMENTED_MODULES
        and module not in DOCUMENTED_MODULES[module.partition(".")[0]]
    ]
    assert not outside, (
        f"undocumented modules imported outside app/upstream/: {outside}; import their names "
        "through app/upstream/<library>.py, which lists and guards every such reach"
    )


def test_the_names_app_upstream_relies_on_are_still_there() -> None:
    missing = []
    for path in sorted(UPSTREAM.glob("*.py")):
        for line, module, names in _imports(path):
            if module.partition(".")[0] in ("app", "__future__"):
                continue
            where = f"{path.relative_to(ROOT)}:{line}"
            try:
                imported = importlib.import_module(module)
            except ImportError:
                missing.append(f"{where}: module {module}")
                continue
            missing += [
                f"{where}: {module}.{name}" for name in names if not hasattr(imported, name)
            ]
    assert not missing, (
        f"a library moved or removed what app/upstream/ imports: {missing}; the module's "
        "docstring says what each is for: re-read the library there and adapt"
    )


def _normalised(name: str) -> str:
    """A distribution's name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared() -> set[str]:
    """The distributions the service declares: its dependencies and the `embedded` extra."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["embedded"]]
    names = (re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", item) for item in requirements)
    return {_normalised(name.group()) for name in names if name}


def test_every_library_app_imports_is_declared() -> None:
    declared, distributions = _declared(), importlib.metadata.packages_distributions()
    undeclared: dict[str, list[str]] = {}
    for where, module, _ in _library_imports():
        top = module.partition(".")[0]
        provided_by = {_normalised(name) for name in distributions.get(top, [])}
        if not provided_by & declared:
            undeclared.setdefault(top, []).append(where)
    assert not undeclared, (
        f"app/ imports libraries pyproject.toml does not declare: {undeclared} (provided by "
        f"{ {top: distributions.get(top) for top in undeclared} }). Declare each in [project] "
        "dependencies with an honest range, or stop importing it: a dependency's dependency "
        "can go away in any release of it"
    )
