"""Start-up time with many active incidents in the store, until the scheduler is running.

Issue target: start-up with 10,000 active incidents in the store until the scheduler is
running: < 2 s.

A SQLite file is seeded once with `--incidents` active SEV-2 incidents declared now (every
timer due in the future), through the stores' `SqlUnitOfWork` on the stdlib driver, with each
incident's opening messages in the outbox and marked delivered (as a store that has run for a
while holds them). Then, `--repeats` times each:
  in-process  `build_app(Settings(database_url=...))` until `app.scheduler.running` and its
              first pass (`fire_due`) has returned (imports excluded: they are done by then);
  process     `python -m bot run` until `GET /healthz` answers 200 (polled every 10 ms), then
              SIGTERM; also the time /healthz takes once up, and the exit code and stop time.
For reference, the bare import of the CLI: `python -c "import bot.cli"`, and of `pass`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from adapters.stores.dialect import SQLITE
from adapters.stores.sql import SqlUnitOfWork
from adapters.stores.sqlite import SqliteStore
from bot.bootstrap import build_app
from bot.config import Settings
from incidents.commands import OpenIncident
from incidents.handlers import open_incident
from incidents.severity import Severity
from incidents.timers import pending_timers


class DirectConnection:
    """The stdlib sqlite3 driver behind the stores' `Connection` protocol (seeding only)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    async def fetch(self, sql: str, *args: Any) -> list[Any]:
        return self._db.execute(sql, args).fetchall()

    async def execute(self, sql: str, *args: Any) -> None:
        self._db.execute(sql, args)


async def seed(path: Path, count: int, batch: int) -> None:
    """`count` active SEV-2 incidents declared now, opening messages in the outbox, delivered."""
    settings = Settings(database_url=f"sqlite:///{path}")
    policy = settings.domain_policy()
    await (await SqliteStore.open(settings.database_url)).close()  # creates the schema
    db = sqlite3.connect(path, isolation_level=None)
    try:
        for start in range(0, count, batch):
            db.execute("BEGIN IMMEDIATE")
            uow = SqlUnitOfWork(DirectConnection(db), SQLITE)
            now = datetime.now(UTC)
            for _ in range(start, min(start + batch, count)):
                number = await uow.allocate_number()
                decision = open_incident(
                    OpenIncident(severity=Severity.SEV2, title=f"Bench incident {number}"),
                    number=number,
                    actor="bench:seeder",
                    now=now,
                    policy=policy,
                )
                await uow.save(decision.incident)
                await uow.enqueue(decision.messages, platform="console", now=now)
                await uow.replace_timers(number, pending_timers(decision.incident, policy))
            db.execute("UPDATE outbox SET delivered_at = created_at WHERE delivered_at IS NULL")
            db.execute("COMMIT")
    finally:
        db.close()


async def in_process(url: str) -> float:
    """Seconds from `build_app` to the scheduler running with its first pass done."""
    started = time.perf_counter()
    app = await build_app(Settings(database_url=url))
    first_pass = asyncio.Event()
    fire_due = app.scheduler.fire_due

    async def fire_due_once_noted() -> int:
        fired = await fire_due()
        first_pass.set()
        return fired

    app.scheduler.fire_due = fire_due_once_noted  # type: ignore[method-assign]
    task = asyncio.create_task(app.scheduler.run())
    await first_pass.wait()
    elapsed = time.perf_counter() - started
    assert app.scheduler.running
    app.scheduler.stop()
    await task
    await app.close()
    return elapsed


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> int:
    """The HTTP status of GET `url`; raises OSError while nothing listens."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code


def as_process(url: str, workdir: Path, limit: float) -> tuple[float, float, int, float]:
    """(s to healthy, s per /healthz once up, exit code, s to stop) of `python -m bot run`."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEVBOT_")}
    env |= {"PORT": str(port), "SEVBOT_HOST": "127.0.0.1", "SEVBOT_DATABASE_URL": url}
    health = f"http://127.0.0.1:{port}/healthz"
    with (workdir / "sevbot.log").open("ab") as log:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=workdir, env=env, stdout=log, stderr=log
        )
    try:
        while True:
            if process.poll() is not None:
                raise SystemExit(f"sevbot exited {process.returncode}; see {workdir}/sevbot.log")
            if time.perf_counter() - started > limit:
                raise SystemExit(f"sevbot not healthy after {limit:.0f} s")
            try:
                if get(health) == 200:
                    break
            except OSError:
                pass
            time.sleep(0.01)
        healthy = time.perf_counter() - started
        probe = time.perf_counter()
        for _ in range(10):
            get(health)
        per_probe = (time.perf_counter() - probe) / 10
    finally:
        stopping = time.perf_counter()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
    return healthy, per_probe, code, time.perf_counter() - stopping


def run_python(code: str) -> float:
    """Wall seconds of `python -c code` (from the repository root)."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])
    return time.perf_counter() - started


def line(label: str, seconds: list[float], unit: str = "s") -> str:
    """min / median / max of `seconds`, in `unit` (s or ms)."""
    scale = 1000 if unit == "ms" else 1
    cells = [f"{v * scale:7.3f}" for v in (min(seconds), statistics.median(seconds), max(seconds))]
    return f"{label:<36}min {cells[0]}  median {cells[1]}  max {cells[2]} {unit}"


def main() -> None:
    """Seed once, then time start-up in-process and as a process, `--repeats` times each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=10_000, help="active incidents")
    parser.add_argument("--repeats", type=int, default=5, help="start-ups of each kind")
    parser.add_argument("--batch", type=int, default=2_000, help="incidents per seed transaction")
    parser.add_argument("--limit", type=float, default=60.0, help="give up on a start after s")
    args = parser.parse_args()
    print(f"startup: {args.incidents:,} active incidents on SQLite, {args.repeats} repeats")
    with tempfile.TemporaryDirectory(prefix="sevbot-bench-") as tmp:
        workdir = Path(tmp)
        path = workdir / "bench.db"
        url = f"sqlite:///{path}"
        started = time.perf_counter()
        asyncio.run(seed(path, args.incidents, args.batch))
        with sqlite3.connect(path) as db:
            counts = [
                db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("incidents", "timers", "outbox")
            ]
        print(
            f"seeding                             {time.perf_counter() - started:.1f} s: "
            f"{counts[0]:,} incidents, {counts[1]:,} timers, {counts[2]:,} outbox rows "
            f"(delivered), {path.stat().st_size / 2**20:.1f} MB file"
        )
        inproc = [asyncio.run(in_process(url)) for _ in range(args.repeats)]
        runs = [as_process(url, workdir, args.limit) for _ in range(args.repeats)]
    imports = [run_python("import bot.cli") for _ in range(args.repeats)]
    bare = [run_python("pass") for _ in range(args.repeats)]
    print(line("in-process build_app -> 1st pass", inproc))
    print(line("process start -> /healthz 200", [r[0] for r in runs]))
    print(line("/healthz once up", [r[1] for r in runs], "ms"))
    print(line("SIGTERM -> exit", [r[3] for r in runs]))
    print(f"{'exit codes after SIGTERM':<36}{sorted({r[2] for r in runs})}")
    print(line('python -c "import bot.cli"', imports))
    print(line('python -c "pass"', bare))
    print(
        f"{'target':<36}< 2 s to scheduler running (load average now "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()
