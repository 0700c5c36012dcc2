"""The JavaScript client scripts of this folder, run with Node beside the service under test.

Each script prints one JSON object per line and exits once its stdin closes, so a test reads
what the client saw, makes things happen meanwhile, and says when it has seen enough.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any

from tests.utils.service import RunningService

HERE = Path(__file__).parent


class NodeClient:
    def __init__(self, script: str, process: asyncio.subprocess.Process, log: IO[bytes]) -> None:
        self.script = script
        self.process = process
        self.log = log

    async def next(self, within: float = 15) -> dict[str, Any]:
        """The next thing the client reports; a script that ends or fails says why."""
        assert self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), within)
        if not line:
            raise AssertionError(f"{self.script} ended: {await self._stderr()}")
        message: dict[str, Any] = json.loads(line)
        assert "fatal" not in message, f"{self.script} failed: {message['fatal']}"
        return message

    async def rest(self, within: float = 15) -> list[dict[str, Any]]:
        """Everything the client still reports once told to finish, and its exit status 0."""
        assert self.process.stdin is not None
        assert self.process.stdout is not None
        self.process.stdin.close()
        output = await asyncio.wait_for(self.process.stdout.read(), within)
        status = await asyncio.wait_for(self.process.wait(), within)
        assert status == 0, f"{self.script} exited with {status}: {await self._stderr()}"
        return [json.loads(line) for line in output.splitlines()]

    async def _stderr(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


@asynccontextmanager
async def node_client(
    script: str, service: RunningService, token: str | None = None, **env: str
) -> AsyncIterator[NodeClient]:
    """`node <script>` against `service`, calling it with `token`; `env` adds to its environment."""
    if not (HERE / "node_modules").is_dir():
        raise AssertionError("tests/clients needs `npm ci` (scripts/test runs it)")
    environment = os.environ | {"EVENTSTORE_URL": service.url, **env}
    if token is not None:
        environment["EVENTSTORE_TOKEN"] = token
    # Node's warnings go to a file: a pipe nobody reads could fill and stall the client.
    with tempfile.TemporaryFile() as log:
        process = await asyncio.create_subprocess_exec(
            "node",
            str(HERE / script),
            env=environment,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
            limit=1 << 24,  # a page of events is one line
        )
        try:
            yield NodeClient(script, process, log)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
