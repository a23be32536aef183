"""The first incident after start: Slack `/incident open` acknowledged → `conversations.create`.

Issue target (issue 20): first incident, ack → `conversations.create` on PostgreSQL ≤ 8 ms
(it was 14.7-17.5 ms on PostgreSQL against 6 ms on SQLite).

The real `sevbot run` (aiohttp + the Slack adapter over HTTP) against the stand-in Slack Web
API (tests/adapters/slack/standin.py, in its own process, noting on the machine's monotonic
clock when each `conversations.create` arrives; see bench/slack_ack.py). `--starts` times, for
each database: a fresh store (a new SQLite file, or a new database `sevbot_bench_<random>` on
`--server`, dropped afterwards), `sevbot run` started, /healthz answered, `--settle` seconds of
quiet, then a signed `/incident open sev3 …` on a new keep-alive connection: the process's very
first incident. Then `--steady` more, one at a time, each once the previous one's channel
exists: the steady state. Then SIGTERM. Reported for the first incidents and the steady ones:
request sent → ack read, ack read → `conversations.create` at the stand-in (the issue's
figure), and request sent → `conversations.create`; p50/p95/max in milliseconds.

`--profile DIR` runs each server under cProfile (`python -m cProfile -o DIR/<db>-<n>.prof`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import asyncpg

# bench/slack_ack.py (beside this file): the stand-in's process and the raw HTTP client; importing
# it puts the repository root on sys.path for `tests` below.
from slack_ack import (
    Connection,
    child_process,
    created_channel,
    free_port,
    load_average,
    percentiles,
    serve_standin,
    wait_healthy,
)

from tests.adapters.slack import requests as r
from tests.adapters.slack.standin import BOT_TOKEN

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = os.environ.get("SEVBOT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@contextlib.asynccontextmanager
async def fresh_database(kind: str, server: str, workdir: Path) -> AsyncIterator[str]:
    """A database URL nobody has used: a new SQLite file, or a new PostgreSQL database on
    `server` (created here, dropped on the way out)."""
    name = f"sevbot_bench_{secrets.token_hex(4)}"
    if kind == "sqlite":
        yield f"sqlite:///{workdir}/{name}.db"
        return
    admin = await asyncpg.connect(server)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            yield server.rsplit("/", 1)[0] + "/" + name
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


def start_server(
    port: int, api_url: str, database_url: str, workdir: Path, profile: Path | None
) -> subprocess.Popen[bytes]:
    """`python -m bot run` with Slack over HTTP pointing at the stand-in (optionally profiled)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEVBOT_", "SLACK_"))}
    env |= {
        "PORT": str(port),
        "SEVBOT_HOST": "127.0.0.1",
        "SEVBOT_DATABASE_URL": database_url,
        "SEVBOT_LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": r.SECRET,
        "SLACK_API_URL": api_url,
        "SEVBOT_SLACK_ANNOUNCE_CHANNEL": "#incidents",
        "PYTHONPATH": str(ROOT),
    }
    wrapper = ["-m", "cProfile", "-o", str(profile)] if profile else []
    with (workdir / "sevbot.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, *wrapper, "-m", "bot", "run"],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=log,
        )


async def open_one(
    connection: Connection, http: aiohttp.ClientSession, port: int, api_url: str, title: str
) -> tuple[float, float]:
    """Open one incident; (request sent → ack read, ack read → conversations.create), seconds."""
    request = Connection.request(port, f"open sev3 {title}", api_url.replace("api/", "respond/b"))
    sent = time.monotonic()
    await connection.acknowledge(request)
    acked = time.monotonic()
    slug = "-" + title.replace(" ", "-")
    created = await created_channel(http, api_url, slug)  # noted in the stand-in's process
    return acked - sent, created - acked


async def one_start(
    args: argparse.Namespace, kind: str, start: int, api_url: str, workdir: Path
) -> tuple[tuple[float, float], list[tuple[float, float]]]:
    """Fresh store, fresh process: its first incident, then `--steady` more."""
    async with fresh_database(kind, args.server, workdir) as url:
        port = free_port()
        profile = Path(args.profile) / f"{kind}-{start}.prof" if args.profile else None
        server = start_server(port, api_url, url, workdir, profile)
        try:
            async with aiohttp.ClientSession() as http:
                await wait_healthy(http, f"http://127.0.0.1:{port}/healthz", server)
                await asyncio.sleep(args.settle)
                connection = await Connection.open(port)
                try:
                    tag = f"{kind} {start} {secrets.token_hex(2)}"
                    first = await open_one(connection, http, port, api_url, f"first {tag}")
                    steady = [
                        await open_one(connection, http, port, api_url, f"steady {tag} {n}")
                        for n in range(args.steady)
                    ]
                finally:
                    connection.close()
        finally:
            server.send_signal(signal.SIGTERM)
            await asyncio.to_thread(server.wait, 30)
    return first, steady


def summary(label: str, samples: list[float]) -> str:
    """p50/p95/max in milliseconds (nearest rank)."""
    return f"  {label:<36} {percentiles(samples, (50, 95))}"


def report(kind: str, label: str, samples: list[tuple[float, float]]) -> None:
    """Three lines: sent → ack, ack → create (the issue's figure), sent → create."""
    print(f"{kind} {label}")
    print(summary("request sent → ack read", [a for a, _ in samples]))
    print(summary("ack read → conversations.create", [c for _, c in samples]))
    print(summary("request sent → conversations.create", [a + c for a, c in samples]))


async def bench(args: argparse.Namespace) -> None:
    """The stand-in in its own process; per database, `--starts` fresh processes."""
    print(
        f"first_channel: {args.starts} starts × (1 first + {args.steady} steady) per database, "
        f"settle {args.settle} s; {os.cpu_count()} CPUs, load average at start {load_average()}"
    )
    kinds = ["sqlite", "postgres"] if args.database == "both" else [args.database]
    with (
        child_process(serve_standin) as base,
        tempfile.TemporaryDirectory(prefix="sevbot-bench-") as tmp,
    ):
        for kind in kinds:
            firsts: list[tuple[float, float]] = []
            steadies: list[tuple[float, float]] = []
            for start in range(args.starts):
                first, steady = await one_start(args, kind, start, base + "api/", Path(tmp))
                firsts.append(first)
                steadies += steady
            report(kind, "first incident after start", firsts)
            if steadies:
                report(kind, "steady state (one at a time)", steadies)
    print("target: first incident, ack → conversations.create on PostgreSQL ≤ 8 ms")
    print(f"load average at end {load_average()}")


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--starts", type=int, default=10, help="fresh processes per database")
    parser.add_argument("--steady", type=int, default=3, help="incidents after the first, each")
    parser.add_argument("--settle", type=float, default=1.0, help="s between healthy and open")
    parser.add_argument("--server", default=POSTGRES, help="PostgreSQL to create databases on")
    parser.add_argument("--profile", metavar="DIR", help="run each server under cProfile")
    args = parser.parse_args()
    if args.profile:
        Path(args.profile).mkdir(parents=True, exist_ok=True)
    asyncio.run(bench(args))


if __name__ == "__main__":
    main()
