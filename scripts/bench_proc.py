"""What the servers under test used, read from /proc: CPU seconds and resident memory.

The bench's clients share the machine with the servers, so a figure can move because the
client was slow. The servers' own CPU seconds, reported beside each figure, tell the two
apart: a server that did the same work with less CPU got faster whatever the client did.
"""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far (its threads included)."""
    # The command name in field 2 may hold spaces; the fields after its ")" are fixed.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS_PER_SECOND


def resident_kib(pid: int) -> int:
    """The process's resident memory (VmRSS) in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


@dataclass
class CpuMeter:
    """CPU seconds of named processes (the service, its database, the bare server)."""

    pids: dict[str, int] = field(default_factory=dict)

    def read(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def since(self, before: dict[str, float]) -> dict[str, float]:
        """CPU seconds each process used since `before` (a `read()`), rounded for the JSON."""
        now = self.read()
        return {name: round(now[name] - before.get(name, 0.0), 3) for name in now}


def machine() -> str:
    """One line saying what ran the bench: cores, CPU model, kernel."""
    model = platform.processor() or "unknown CPU"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return f"{os.cpu_count()} cores, {model}, Linux {platform.release()}"


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages, for the record of how quiet the machine was."""
    return [round(value, 2) for value in os.getloadavg()]
