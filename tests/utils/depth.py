"""How hard the suite's generated and repeated checks try: a quick form by default, so the whole
suite stays within 10 minutes on 2 cores, and their full form with EVENTSTORE_TEST_DEPTH=full
(`EVENTSTORE_TEST_DEPTH=full scripts/test`), before a release or after touching what they
guard (filters, parsing, the REST and GraphQL documents, restarts)."""

from __future__ import annotations

import os

__all__ = ["FULL", "tries"]

FULL = os.environ.get("EVENTSTORE_TEST_DEPTH", "").strip().lower() == "full"


def tries(quick: int, full: int) -> int:
    """Examples, cases or cycles: `full` with EVENTSTORE_TEST_DEPTH=full, else `quick`."""
    return full if FULL else quick
