"""The house's rules (docs/development.md): a family of events is its folder and its registry
line; modules stay small; the top of `app/` holds the vocabulary only."""

from __future__ import annotations

import re
from pathlib import Path

from app.families import FAMILIES

APP = Path(__file__).resolve().parents[1] / "app"
PYTHON = sorted(APP.rglob("*.py"))


def families_named(text: str) -> set[str]:
    # A family's source, singular, in any case: `CDEVENTS` and "a CDEvent", `GITHUB` and "GitHub".
    return {
        family.source
        for family in FAMILIES
        if re.search(family.source.lower().removesuffix("s"), text, re.IGNORECASE)
    }


def test_only_the_registry_names_more_than_one_family() -> None:
    several = {
        str(path.relative_to(APP)): sorted(named)
        for path in PYTHON
        if len(named := families_named(path.read_text())) > 1
    }

    assert several == {"families/registry.py": sorted(family.source for family in FAMILIES)}


def test_a_familys_folder_is_named_only_by_itself_and_the_registry() -> None:
    for family in FAMILIES:
        folder = APP / "families" / family.source.lower()
        outside = [
            str(path.relative_to(APP))
            for path in PYTHON
            if folder not in path.parents
            and path.name != "registry.py"
            and f"app.families.{folder.name}" in path.read_text()
        ]
        # The one edge that speaks a single tool's own API reaches into its folder.
        assert set(outside) <= {"rest/cto_events.py"}, (family.source, outside)


def test_modules_stay_small_and_the_top_holds_a_dozen() -> None:
    lines = {str(path.relative_to(APP)): len(path.read_text().splitlines()) for path in PYTHON}

    assert {path: count for path, count in lines.items() if count > 400} == {}
    assert len(list(APP.glob("*.py"))) <= 12
