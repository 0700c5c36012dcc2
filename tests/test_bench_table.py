"""The Performance table of docs/performance.md is the one drawn from the committed bench JSON."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).parent.parent


def bench_table() -> ModuleType:
    """scripts/bench_table.py, loaded by path: scripts/ is not a package."""
    spec = importlib.util.spec_from_file_location(
        "bench_table", ROOT / "scripts" / "bench_table.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_performance_table_is_the_latest_bench_json_drawn() -> None:
    table = bench_table()
    latest = json.loads(table.LATEST.read_text())
    assert table.page_table(table.PAGE.read_text()) == table.render(latest), (
        "docs/performance.md's table differs from bench-results/latest.json: "
        "run `.venv/bin/python scripts/bench_table.py bench-results/latest.json --write`"
    )


def test_publishing_replaces_only_what_is_between_the_markers(tmp_path: Path) -> None:
    table = bench_table()
    page = tmp_path / "performance.md"
    page.write_text(f"# Title\n\nbefore\n\n{table.START}\nstale\n{table.END}\n\nafter\n")
    table.publish(table.LATEST, page)
    text = page.read_text()
    assert text.startswith("# Title\n\nbefore\n\n")
    assert text.endswith(f"{table.END}\n\nafter\n")
    assert table.page_table(text) == table.render(json.loads(table.LATEST.read_text()))
