"""The small form of `scripts/load_positions.py` (its full form runs for minutes, with two
processes, database kills and 20 service kills: "Positions under load" in docs/performance.md),
run as an operator runs it: batches and single events from several clients against a real
service whose database is killed midway, a subscriber connected throughout and one resuming
with its last cursor twice a second."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

# Minutes of processes, kills or generated cases: `scripts/test --fast` leaves it out.
pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).parent.parent / "scripts" / "load_positions.py"


def test_under_load_and_a_database_kill_no_position_goes_back(tmp_path: Path) -> None:
    out = tmp_path / "positions.json"
    run = subprocess.run(
        [
            sys.executable, str(SCRIPT), "--minutes", "0.1", "--batch-size", "200",
            "--kill-database", "4", "--json", str(out),
        ],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    result = json.loads(out.read_text())

    assert result["faults"]["database_kills"] >= 1
    for seen in result["subscribers"].values():
        assert seen["below_a_held_position"] == seen["missed"] == seen["repeated"] == 0, seen
        assert seen["received"] == result["stored"] > 0
    assert result["stored"] == result["acknowledged"]
    assert result["wrong"] == [], result["wrong"]
    assert run.returncode == 0, run.stderr[-2000:]
