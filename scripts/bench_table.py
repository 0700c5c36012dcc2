#!/usr/bin/env python3
"""The table of docs/performance.md, drawn from a bench JSON so it cannot drift from a run.

    .venv/bin/python scripts/bench_table.py [bench-results/latest.json]          # print it
    .venv/bin/python scripts/bench_table.py bench-results/bench.json --write     # publish it

`--write` (and `bench.py --update-readme`) copies the JSON to bench-results/latest.json, the
one result kept in git, and replaces the page between the bench-table markers with the
table drawn from it; tests/test_bench_table.py checks that the two still agree.
"""

from __future__ import annotations

import argparse
import json
import shutil
import textwrap
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "performance.md"
LATEST = ROOT / "bench-results" / "latest.json"
START = "<!-- bench-table:start: drawn by scripts/bench_table.py from its JSON -->"
END = "<!-- bench-table:end -->"
HEADER = (
    "figure",
    "ours",
    "baseline",
    "ratio",
    "service CPU",
    "baseline CPU",
    "database CPU",
    "client CPU",
)

Row = tuple[str, str, str, str, str, str, str, str]
BLANK = ("", "", "", "")  # the CPU columns of a row that has none


def cpu(seconds: float, per_unit_us: float | None = None, unit: str = "msg") -> str:
    """CPU seconds, and per event or message when the figure has a count."""
    if per_unit_us is None:
        return f"{seconds:.1f} s"
    return f"{seconds:.1f} s, {per_unit_us:.0f} µs/{unit}"


def pair(first: float | None, second: float | None) -> str:
    """Two CPU figures, ours / baseline's, when the JSON has both."""
    return "" if first is None or second is None else f"{first:.1f} s / {second:.1f} s"


def by_id_only(figure: dict[str, Any]) -> str:
    """The `_id`-only baseline, in runs that measured it."""
    per_s = figure.get("raw_id_only_per_s")
    return "" if per_s is None else f"; {per_s:.0f} `_id` only"


def id_only_ratio(figure: dict[str, Any]) -> str:
    ratio = figure.get("ratio_to_id_only")
    return "" if ratio is None else f"; {ratio:.2f} to `_id` only"


def ingest_rows(ingest: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for key, name in (("single", "ingest, single"), ("batch", "ingest, batches of 500")):
        figure = ingest[key]
        events = figure.get("count") or figure["batch_size"] * figure["batches"]
        ours, raw = figure["ours_cpu"], figure["raw_cpu"]
        rows.append(
            (
                f"{name} (events/s)",
                f"{figure['ours_per_s']:.0f}",
                f"{figure['raw_per_s']:.0f} (driver{by_id_only(figure)})",
                f"{figure['ratio']:.2f}{id_only_ratio(figure)} (target ≥ {figure['target_ratio']})",
                cpu(ours["service"], ours["service"] / events * 1e6, "ev"),
                "",
                pair(ours.get("db"), raw.get("db")),
                pair(ours.get("bench"), raw.get("bench")),
            )
        )
    return rows


def read_rows(reads: dict[str, Any]) -> list[Row]:
    return [
        (
            f"read 100 events, {p} (ms)",
            f"{reads[f'ours_{p}_ms']:.1f}",
            f"{reads[f'raw_{p}_ms']:.1f} (driver)",
            f"{reads[f'ratio_{p}']:.2f}",
            *BLANK,
        )
        for p in ("p50", "p99")
    ]


def missing(figure: dict[str, Any]) -> str:
    """A note when messages did not arrive in time: a rate over fewer messages is no rate."""
    return f" ({figure['missing']} missing)" if figure.get("missing") else ""


def of_rounds(ratios: list[float]) -> str:
    """The ratios of all rounds, when the figure is their median."""
    return f" (median of {' / '.join(f'{r:.2f}' for r in ratios)})" if len(ratios) > 1 else ""


def fanout_rows(figure: dict[str, Any]) -> list[Row]:
    ours, bare = figure["ours"], figure["bare"]
    name = f"fan-out, {figure['events']} events to {figure['subscribers']}"
    return [
        (
            f"{name} (msgs/s)",
            f"{ours['messages_per_s']:.0f}{missing(ours)}",
            f"{bare['messages_per_s']:.0f} (bare){missing(bare)}",
            f"{figure['ratio']:.2f}{of_rounds(figure.get('round_ratios', []))}",
            cpu(ours["cpu_s"], ours["cpu_us_per_message"]),
            cpu(bare["cpu_s"], bare["cpu_us_per_message"]),
            f"{ours['db_cpu_s']:.1f} s" if "db_cpu_s" in ours else "",
            pair(ours.get("client_cpu_s"), bare.get("client_cpu_s")),
        ),
        (
            f"{name}, latency p50 / p99 (ms)",
            f"{ours['p50_ms']:.0f} / {ours['p99_ms']:.0f}",
            f"{bare['p50_ms']:.0f} / {bare['p99_ms']:.0f} (bare)",
            f"{ours['p99_ms'] / bare['p99_ms']:.2f}" if bare["p99_ms"] else "",
            *BLANK,
        ),
    ]


def paced_rows(name: str, figure: dict[str, Any]) -> list[Row]:
    """A latency under a steady rate, beside its target rather than a baseline server, and
    the ingest answers' latency, which it includes."""
    target = figure["target_p99_ms"]
    sent = figure.get("rate_sent", figure["rate"])
    late = f" (sent at {sent:g}/s)" if sent < 0.95 * figure["rate"] else ""
    client = figure.get("client_cpu_s")
    return [
        (
            f"{name}, delivered p50 / p99 (ms)",
            f"{figure['p50_ms']:.0f} / {figure['p99_ms']:.0f}{missing(figure)}",
            f"target p99 ≤ {target}",
            f"{figure['p99_ms'] / target:.2f}",
            cpu(figure["cpu_s"], figure["cpu_us_per_message"]),
            "",
            f"{figure['db_cpu_s']:.1f} s" if "db_cpu_s" in figure else "",
            f"{client:.1f} s" if client is not None else "",
        ),
        (
            f"{name}, ingest answered p50 / p99 (ms)",
            f"{figure['ingest_p50_ms']:.0f} / {figure['ingest_p99_ms']:.0f}{late}",
            "",
            "",
            *BLANK,
        ),
    ]


def rows(results: dict[str, Any]) -> list[Row]:
    """Every figure of a bench JSON, in the order bench.py measures them."""
    table = ingest_rows(results["ingest"]) + read_rows(results["reads"])
    for figure in results["fanout"]:
        table += fanout_rows(figure)
    if "distinct" in results:
        d = results["distinct"]
        table += paced_rows(
            f"{d['subscriptions']} distinct subscriptions, {d['rate']:g} events/s", d
        )
    if "idle" in results:
        i = results["idle"]
        kib = f"{i['kib_per_idle']:.1f}"
        target = f"target ≤ {i['target_kib_per_idle']}"
        ratio = f"{i['kib_per_idle'] / i['target_kib_per_idle']:.2f}"
        table.append(
            (f"memory per idle subscriber, {i['idle']} idle (KiB)", kib, target, ratio, *BLANK)
        )
        table += paced_rows(f"{i['active']} active beside them, {i['rate']:g} events/s to each", i)
    return table


def markdown(table: list[Row]) -> str:
    lines = [HEADER, *table]
    widths = [max(len(row[i]) for row in lines) for i in range(len(HEADER))]
    out = ["| " + " | ".join(c.ljust(widths[i]) for i, c in enumerate(row)) + " |" for row in lines]
    out.insert(1, "| " + " | ".join("-" * width for width in widths) + " |")
    return "\n".join(out)


def render(results: dict[str, Any]) -> str:
    """The 'Latest run' line and the table, as the page shows them between the markers."""
    meta = results["meta"]
    load = f"load average {meta['load_before'][0]} before, {meta['load_after'][0]} after"
    line = (
        f"Latest run ({meta['date']}; {meta['machine']}; {meta['database']}; {load}; "
        f"{meta['seconds']} s; `bench-results/latest.json`):"
    )
    line = textwrap.fill(line, 95, break_on_hyphens=False)
    if meta["options"].get("quick"):
        line += "\n\n(A `--quick` smoke run: sizes too small to steer by.)"
    return f"{line}\n\n{markdown(rows(results))}{settling(results)}"


def settling(results: dict[str, Any]) -> str:
    """How long the read models took to absorb each figure's events before the next began
    (each figure is measured on a database with no work left over from the one before)."""
    waits = results.get("settled_s")
    if not waits:
        return ""
    said = ", ".join(f"{when} {seconds:g} s" for when, seconds in waits.items())
    return "\n\n" + textwrap.fill(f"Read models caught up with the log: {said}.", 95)


def page_table(page: str) -> str:
    """What the page holds between the markers."""
    inside = page.split(START, 1)[1].split(END, 1)[0]
    return inside.strip("\n")


def publish(result: Path, page: Path = PAGE) -> None:
    """Keeps `result` as the latest JSON and redraws the page's table from it."""
    if result.resolve() != LATEST.resolve():
        LATEST.parent.mkdir(exist_ok=True)
        shutil.copyfile(result, LATEST)
    text = page.read_text()
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    table = render(json.loads(LATEST.read_text()))
    page.write_text(f"{before}{START}\n{table}\n{END}{after}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("json", type=Path, nargs="?", default=LATEST)
    parser.add_argument("--write", action="store_true", help="publish it into docs/performance.md")
    args = parser.parse_args()
    if args.write:
        publish(args.json)
    else:
        print(render(json.loads(args.json.read_text())))


if __name__ == "__main__":
    main()
