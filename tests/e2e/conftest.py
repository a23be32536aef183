"""Helpers to run the real `sevbot` process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sevbot(*args: str, env: dict[str, str], cwd: Path) -> subprocess.Popen[bytes]:
    """Start `python -m bot ARGS` with `env` added to a clean environment."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SEVBOT_")}
    full_env.update(env)
    with (cwd / "sevbot.log").open("ab") as log:  # a file, so a chatty process never blocks
        return subprocess.Popen(
            [sys.executable, "-m", "bot", *args],
            cwd=cwd,
            env=full_env | {"PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=log,
        )


def stop(process: subprocess.Popen[bytes], seconds: float = 10) -> None:
    """Terminate (then, after `seconds`, kill) a process we started."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def http(method: str, url: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    """A small JSON HTTP client; returns (status, parsed body)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_healthy(
    port: int, process: subprocess.Popen[bytes], cwd: Path, seconds: float = 20
) -> None:
    """Poll /healthz until 200; fail with the process output if it dies or never gets there."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (cwd / "sevbot.log").read_text(errors="replace")[-2000:]
            raise AssertionError(f"sevbot exited {process.returncode}:\n{log}")
        try:
            status, _ = http("GET", f"http://127.0.0.1:{port}/healthz")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("sevbot did not become healthy")


def transcript(path: Path) -> list[dict[str, Any]]:
    """The JSON lines the transcript chat adapter wrote (cut-off lines skipped)."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def cli(*args: str, db: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot ARGS` against the SQLite file `db`, in its folder."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            "SEVBOT_DATABASE_URL": f"sqlite:///{db}",
        },
        cwd=db.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def until(what: str, check: Callable[[], Any], seconds: float = 20.0, every: float = 0.05) -> Any:
    """Poll `check` (another process's work) until it returns something truthy; fail naming
    `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")
