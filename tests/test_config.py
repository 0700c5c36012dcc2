"""The configuration table of docs/configuration.md is the settings class, written out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from app.config import Settings, environment_name

CONFIGURATION = Path(__file__).parents[1] / "docs" / "configuration.md"
ROW = re.compile(r"^\| `([A-Z_]+)` \| ([^|]+?) \|", re.MULTILINE)


def shown(default: Any) -> str:
    """A default as the table writes it."""
    if default is None:
        return "unset"
    if default == "":
        return "empty"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, float) and default.is_integer():
        return f"`{int(default)}`"
    return f"`{default}`"


def test_every_setting_is_documented_with_its_default() -> None:
    documented = dict(ROW.findall(CONFIGURATION.read_text()))
    settings = {
        environment_name(name): shown(field.default)
        for name, field in Settings.model_fields.items()
    }

    assert documented == settings
