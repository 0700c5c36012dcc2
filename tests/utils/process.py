"""The service as separate processes (`python -m app`), and Redis, for multi-process tests."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from redis import asyncio as redis


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def processes_running(*words: str) -> list[int]:
    """The ids of the processes whose command line holds all of `words` (Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue  # ended meanwhile
        if all(word in command for word in words):
            found.append(int(entry.name))
    return found


@asynccontextmanager
async def service_process(
    workdir: Path, port: int, env: dict[str, str] | None = None, *args: str
) -> AsyncIterator[httpx.AsyncClient]:
    """`python -m app` on `port`, ready; the environment is ours minus MONGODB_URI plus `env`."""
    environment = {k: v for k, v in os.environ.items() if k != "MONGODB_URI"}
    environment |= {"EVENTSTORE_PORT": str(port), "EVENTSTORE_DATA_DIR": str(workdir / "data")}
    environment |= env or {}
    log_path = workdir / f"service-{port}.log"
    with log_path.open("ab") as log:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "app", *args, cwd=workdir, env=environment, stdout=log, stderr=log
        )
    async with until_stopped(process, port, log_path) as http:
        yield http


@asynccontextmanager
async def until_stopped(
    process: asyncio.subprocess.Process, port: int, log_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the service `process` runs on `port`, once it is ready; stopped after.

    A process that ends before it is ready fails the test with its log."""
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            for _ in range(600):
                try:
                    if (await http.get("/readyz")).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.returncode is not None:
                    raise AssertionError(await asyncio.to_thread(log_path.read_text))
                await asyncio.sleep(0.1)
            yield http
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), 30)


class RedisServer:
    """Debian's redis-server on a free loopback port, with nothing kept on disk."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._process: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        """Start, or start again on the same port."""
        executable = shutil.which("redis-server")
        assert executable is not None, "redis-server is not installed (.ci/run installs it)"
        self._process = await asyncio.create_subprocess_exec(
            executable,
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                await asyncio.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    async def connections(self, *, settle: float = 5) -> int:
        """How many client connections the server holds, not counting the one asking.

        Waits up to `settle` seconds for it to become 0: a socket closed just now may not
        have been noticed by the server yet.
        """
        deadline = asyncio.get_running_loop().time() + settle
        client = redis.Redis.from_url(self.url)
        try:
            while True:
                count = len(await client.client_list()) - 1
                if count == 0 or asyncio.get_running_loop().time() > deadline:
                    return count
                await asyncio.sleep(0.05)
        finally:
            await client.aclose()

    async def stop(self) -> None:
        if self._process is not None and self._process.returncode is None:
            self._process.kill()
            await self._process.wait()
