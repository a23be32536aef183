"""CPU time `sevbot run` spends per Slack slash command that reads the store (`/incident list`).

Issue target (issue 20): CPU per slash command that reads the store ≤ 1 ms (it was 1.7-2.2 ms;
a peer bot answering with a static reply spends 1.2-1.4 ms).

The real `sevbot run` (aiohttp + the Slack adapter over HTTP, SQLite by default) against the
stand-in Slack Web API in its own process (tests/adapters/slack/standin.py). `--incidents`
incidents are opened first (and their channels, summaries and announcements delivered), then
`--warm-up` `/incident list` requests. The server's CPU time (user + system, all its threads,
from /proc/<pid>/stat) is read around `--idle` seconds of nothing (its idle rate: scheduler,
outbox polling) and around `--commands` signed `/incident list` requests sent one by one on a
keep-alive connection (each request written once the previous acknowledgement is read, by the
raw client of bench/slack_ack.py). sevbot answers a read in the acknowledgement's body; one
not ready within a second is acknowledged empty and answered by a POST to the command's
response_url, so the window closes when every command has its answer, in the acknowledgement
or at the stand-in (the count of each is printed). Reported: CPU per command, raw and with the idle rate over the
same wall time subtracted, and the acknowledgement latency. `--rounds` repeats the idle and
command windows on the same process.

`--profile FILE` runs the server under cProfile (`python -m cProfile -o FILE`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

# bench/slack_ack.py (beside this file): the stand-in's process and the raw HTTP client; importing
# it puts the repository root on sys.path for `tests` below.
from first_channel import start_server
from slack_ack import (
    Connection,
    TimedStandIn,
    child_process,
    drained,
    free_port,
    load_average,
    nearest_rank,
    wait_healthy,
)

from tests.adapters.slack.standin import BOT_TOKEN

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")


class CountingStandIn(TimedStandIn):
    """The stand-in, also telling how many response_url posts (the list's answers) it got."""

    def m_bench_responses(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"responses": len(self.responses)}


def serve_standin(urls: Any) -> None:
    """Child process: run the stand-in until terminated."""

    async def main() -> None:
        standin = CountingStandIn()
        await standin.start()
        urls.put(standin.url)
        await asyncio.Event().wait()

    asyncio.run(main())


async def responses(http: aiohttp.ClientSession, api_url: str) -> int:
    """How many response_url posts the stand-in has received."""
    headers = {"Authorization": f"Bearer {BOT_TOKEN}"}
    async with http.get(api_url + "bench.responses", headers=headers) as response:
        return int((await response.json())["responses"])


async def answered(http: aiohttp.ClientSession, api_url: str, count: int) -> None:
    """Wait until the stand-in has `count` response_url posts."""
    for _ in range(6000):
        if await responses(http, api_url) >= count:
            return
        await asyncio.sleep(0.01)  # polling the stand-in's process, not the server
    raise SystemExit(f"only {await responses(http, api_url)} of {count} answers arrived")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process `pid` so far (all threads), from /proc."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime: fields 14 and 15


async def commands(
    connection: Connection, port: int, hook: str, count: int
) -> tuple[list[float], int]:
    """`count` signed `/incident list` one by one (signed before timing): the seconds each
    acknowledgement took, and how many carried the answer in their body."""
    requests = [Connection.request(port, "list", hook) for _ in range(count)]
    latencies, in_ack = [], 0
    for request in requests:
        started = connection.send(request)
        status, body = await connection.response()
        latencies.append(time.perf_counter() - started)
        assert status == 200, status
        in_ack += bool(body)
    return latencies, in_ack


async def measure(args: argparse.Namespace, api_url: str, workdir: Path) -> None:
    """Start the server, open incidents, then the idle and command windows, `--rounds` times."""
    port = free_port()
    hook = api_url.replace("api/", "respond/bench")
    profile = Path(args.profile) if args.profile else None
    server = start_server(port, api_url, f"sqlite:///{workdir}/bench.db", workdir, profile)
    try:
        async with aiohttp.ClientSession() as http:
            await wait_healthy(http, f"http://127.0.0.1:{port}/healthz", server)
        connection = await Connection.open(port)
        try:
            for index in range(args.incidents):
                request = Connection.request(port, f"open sev3 CPU bench {index}", hook)
                await connection.acknowledge(request)
            await drained(port)
            _, in_ack = await commands(connection, port, hook, args.warm_up)
            async with aiohttp.ClientSession() as http:
                await answered(http, api_url, args.warm_up - in_ack)
                rows: list[tuple[float, float, float, float]] = []
                latencies: list[float] = []
                answers_in_ack = 0
                for _ in range(args.rounds):
                    cpu, wall = cpu_seconds(server.pid), time.monotonic()
                    await asyncio.sleep(args.idle)
                    idle_rate = (cpu_seconds(server.pid) - cpu) / (time.monotonic() - wall)
                    before = await responses(http, api_url)
                    cpu, wall = cpu_seconds(server.pid), time.monotonic()
                    took_each, in_ack = await commands(connection, port, hook, args.commands)
                    latencies += took_each
                    await answered(http, api_url, before + args.commands - in_ack)
                    answers_in_ack += in_ack
                    used, took = cpu_seconds(server.pid) - cpu, time.monotonic() - wall
                    net = (used - idle_rate * took) / args.commands
                    rows.append((used, took, idle_rate, net))
        finally:
            connection.close()
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.to_thread(server.wait, 30)
    for used, took, idle_rate, net in rows:
        print(
            f"{args.commands:,} × /incident list in {took:5.2f} s: server CPU {used:5.2f} s = "
            f"{used / args.commands * 1000:5.3f} ms/command raw; idle {idle_rate * 1000:5.2f} "
            f"ms CPU per s → {net * 1000:5.3f} ms/command net"
        )
    nets = sorted(net * 1000 for *_, net in rows)
    print(
        f"CPU per /incident list (net of idle): median {statistics.median(nets):.3f} ms, "
        f"min {nets[0]:.3f}, max {nets[-1]:.3f} (rounds={len(nets)})"
    )
    print(
        f"answers: {answers_in_ack:,} in the acknowledgement, "
        f"{len(latencies) - answers_in_ack:,} by response_url"
    )
    ordered = sorted(s * 1000 for s in latencies)
    print(
        f"acknowledgement latency: p50 {nearest_rank(ordered, 0.5):.2f} ms, "
        f"p95 {nearest_rank(ordered, 0.95):.2f} ms (n={len(ordered)})"
    )


async def bench(args: argparse.Namespace) -> None:
    """The stand-in in its own process; the server; the figures."""
    print(
        f"cpu_per_command: SQLite, {args.incidents} open incidents, {args.rounds} rounds of "
        f"{args.idle} s idle + {args.commands:,} commands; {os.cpu_count()} CPUs, "
        f"clock tick {1000 / TICK:.0f} ms, load average at start {load_average()}"
    )
    with (
        child_process(serve_standin) as base,
        tempfile.TemporaryDirectory(prefix="sevbot-bench-") as tmp,
    ):
        await measure(args, base + "api/", Path(tmp))
    print("target: CPU per slash command that reads the store ≤ 1 ms")
    print(f"load average at end {load_average()}")


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commands", type=int, default=2_000, help="/incident list per round")
    parser.add_argument("--rounds", type=int, default=3, help="idle + command windows")
    parser.add_argument("--incidents", type=int, default=5, help="open incidents listed")
    parser.add_argument("--warm-up", type=int, default=200, help="commands before measuring")
    parser.add_argument("--idle", type=float, default=3.0, help="s of idle per round")
    parser.add_argument("--profile", metavar="FILE", help="run the server under cProfile")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
