"""Several `sevbot run` replicas on one PostgreSQL database firing a backlog of due timers.

Issue target: PostgreSQL, 3 replicas: timers fired per second, and duplicates (must be 0).

A fresh database `sevbot_bench_<random>` is created on `--server` (and dropped at the end). It
is seeded through `PostgresStore` (a few big transactions of the store's unit of work) with
`--incidents` active SEV-2 incidents declared `--interval` + 1 s ago, so every one has exactly
one timer due: its status reminder (the default 5-minute interval keeps the detection-phase
warning, 12 min after declaration, out of the run; the report counts other entries). Then
`--replicas` real processes (`python -m bot run`, each with its own port and a transcript file
as its chat) start together, and the database is polled until every incident has a 'reminder'
timeline entry. Reported: fires per second between the first and last reminder entry,
duplicates (incidents with more than one reminder entry; outbox ids written to more than one
transcript), messages each replica delivered, and the replicas' exit codes after SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from adapters.stores.postgres import PostgresStore
from bot.config import Settings
from incidents.commands import OpenIncident
from incidents.handlers import open_incident
from incidents.severity import Severity
from incidents.timers import pending_timers


def with_database(server: str, name: str) -> str:
    """The server URL with its database replaced by `name`."""
    return server.rsplit("/", 1)[0] + "/" + name


async def seed(url: str, count: int, interval: timedelta, batch: int) -> int:
    """`count` SEV-2 incidents whose status reminders are due now; returns the timers stored."""
    settings = Settings(database_url=url, status_interval=interval)
    policy = settings.domain_policy()
    declared_at = datetime.now(UTC) - interval - timedelta(seconds=1)
    timers = 0
    store = await PostgresStore.open(url)
    try:
        for start in range(0, count, batch):
            async with store.transaction() as uow:
                for _ in range(start, min(start + batch, count)):
                    number = await uow.allocate_number()
                    decision = open_incident(
                        OpenIncident(severity=Severity.SEV2, title=f"Bench incident {number}"),
                        number=number,
                        actor="bench:seeder",
                        now=declared_at,
                        policy=policy,
                    )
                    specs = pending_timers(decision.incident, policy)
                    await uow.save(decision.incident)
                    await uow.replace_timers(number, specs)
                    timers += len(specs)
    finally:
        await store.close()
    return timers


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_replica(
    index: int, url: str, interval: timedelta, workdir: Path
) -> subprocess.Popen[bytes]:
    """`python -m bot run` on its own port, its chat a transcript file, its output in a log."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEVBOT_")}
    env |= {
        "PORT": str(free_port()),
        "SEVBOT_HOST": "127.0.0.1",
        "SEVBOT_DATABASE_URL": url,
        "SEVBOT_STATUS_INTERVAL": f"{int(interval.total_seconds())}s",
        "SEVBOT_LOG_LEVEL": "WARNING",
        "SEVBOT_TRANSCRIPT_FILE": str(workdir / f"transcript-{index}.jsonl"),
    }
    with (workdir / f"replica-{index}.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=workdir, env=env, stdout=log, stderr=log
        )


async def measure(args: argparse.Namespace, workdir: Path) -> None:
    """Create and seed a database, run the replicas until every reminder fired, report, drop."""
    name = f"sevbot_bench_{secrets.token_hex(4)}"
    url = with_database(args.server, name)
    admin = await asyncpg.connect(args.server)
    await admin.execute(f'CREATE DATABASE "{name}"')
    interval = timedelta(seconds=args.interval)
    replicas: list[subprocess.Popen[bytes]] = []
    try:
        started = time.perf_counter()
        timers = await seed(url, args.incidents, interval, args.batch)
        print(
            f"seeding          {args.incidents:,} incidents, {timers:,} timers in "
            f"{time.perf_counter() - started:.1f} s (database {name})"
        )
        db = await asyncpg.connect(url)
        stats = "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1"
        transactions = await admin.fetchval(stats, name)
        started = time.perf_counter()
        replicas += [start_replica(i, url, interval, workdir) for i in range(args.replicas)]
        fired = 0
        while fired < args.incidents and time.perf_counter() - started < args.timeout:
            await asyncio.sleep(0.1)
            fired = await db.fetchval("SELECT count(*) FROM timeline WHERE kind = 'reminder'")
            if any(replica.poll() is not None for replica in replicas):
                break
        elapsed = time.perf_counter() - started
        for _ in range(100):  # up to 10 s for the outboxes to drain
            pending = await db.fetchval("SELECT count(*) FROM outbox WHERE delivered_at IS NULL")
            if pending == 0:
                break
            await asyncio.sleep(0.1)
        codes = []
        for replica in replicas:
            if replica.poll() is None:
                replica.send_signal(signal.SIGTERM)
        for replica in replicas:
            codes.append(await asyncio.to_thread(replica.wait, 30))
        await asyncio.sleep(1.5)  # the replicas' backends report their counts on exit
        transactions = await admin.fetchval(stats, name) - transactions
        first, last = await db.fetchrow(
            "SELECT min(at), max(at) FROM timeline WHERE kind = 'reminder'"
        )
        duplicates = await db.fetch(
            "SELECT incident, count(*) FROM timeline WHERE kind = 'reminder' "
            "GROUP BY incident HAVING count(*) > 1"
        )
        kinds = await db.fetch(
            "SELECT kind, count(*) FROM timeline WHERE kind <> 'declared' GROUP BY kind"
        )
        outbox = await db.fetchrow(
            "SELECT count(*), count(delivered_at), count(dead_at), max(attempts) FROM outbox"
        )
        await db.close()
    finally:
        for replica in replicas:  # only if the bench itself failed part-way
            if replica.poll() is None:
                replica.kill()
                replica.wait()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

    window = (last - first).total_seconds() if first and last else 0.0
    transcripts = [workdir / f"transcript-{i}.jsonl" for i in range(args.replicas)]
    delivered = [
        [ln for ln in p.read_text().splitlines() if ln] if p.exists() else [] for p in transcripts
    ]
    ids = Counter(json.loads(line)["outbox_id"] for lines in delivered for line in lines)
    print(f"replicas         {args.replicas} (`python -m bot run`), {os.cpu_count()} cores")
    print(f"reminders fired  {fired:,} of {args.incidents:,} in {elapsed:.1f} s from start")
    print(
        f"fires per second {(fired - 1) / window if window else float('nan'):,.1f} "
        f"(first to last reminder entry: {window:.2f} s; start-up to first fire "
        f"{elapsed - window:.1f} s)"
    )
    print(
        f"duplicates       {len(duplicates)} incidents with more than one reminder entry; "
        f"{sum(c > 1 for c in ids.values())} outbox ids delivered by more than one replica"
    )
    print(
        f"transactions     {transactions:,} by the replicas = "
        f"{transactions / max(fired, 1):.1f} per reminder fired (incl. outbox and this bench's polling)"
    )
    print(f"timeline entries {dict(sorted((str(k), int(c)) for k, c in kinds))}")
    print(
        f"outbox           {outbox[0]:,} rows, {outbox[1]:,} delivered, {outbox[2]} dead, "
        f"max attempts {outbox[3]}; delivered per replica {[len(d) for d in delivered]}"
    )
    print(
        f"exit codes       {codes} after SIGTERM (logs in replica-N.log; load average "
        f"{os.getloadavg()[0]:.1f})"
    )
    print("target           duplicates must be 0")
    if any(codes) or len(duplicates) or fired < args.incidents:
        for i in range(args.replicas):
            tail = (workdir / f"replica-{i}.log").read_text(errors="replace")[-1500:]
            if tail.strip():
                print(f"--- replica-{i}.log (tail)\n{tail}")


def main() -> None:
    """Parse options and measure in a temporary working directory."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=3_000, help="incidents with a due timer")
    parser.add_argument("--replicas", type=int, default=3, help="sevbot processes")
    parser.add_argument("--interval", type=float, default=300.0, help="status interval, seconds")
    parser.add_argument("--batch", type=int, default=1_000, help="incidents per seed transaction")
    parser.add_argument("--timeout", type=float, default=120.0, help="give up after s")
    parser.add_argument(
        "--server",
        default=os.environ.get(
            "SEVBOT_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
        ),
        help="a database on the server to create the bench database from",
    )
    args = parser.parse_args()
    print(f"replicas_pg: {args.incidents:,} due reminders, {args.replicas} replicas")
    with tempfile.TemporaryDirectory(prefix="sevbot-bench-") as tmp:
        asyncio.run(measure(args, Path(tmp)))


if __name__ == "__main__":
    main()
