"""Slack Socket Mode acknowledgement latency: slash command envelope sent → ack envelope read.

Issue target (issue 20): 20 concurrent acks p95 ≤ 4 ms on PostgreSQL in Socket Mode (it was
6.2 ms; a peer bot in Socket Mode takes 39.8 ms).

The real `sevbot run` with SLACK_APP_TOKEN (slack-bolt's AsyncSocketModeHandler on aiohttp)
and, by default, a fresh PostgreSQL database `sevbot_bench_<random>` on `--server` (dropped at
the end; `--database sqlite` for a file). Slack is played by two stand-ins: the Web API one of
the tests (tests/adapters/slack/standin.py) in its own process, so the channels, invites,
summaries and announcements each opened incident causes are served outside the measuring
loop; its `apps.connections.open` hands out the URL of a second instance of the same stand-in
here, whose Socket Mode end (hello, envelopes with an `envelope_id`, acks back) sends the
envelopes and notes when each ack is read. Per `--commands` entry (`open`: `/incident open
sev3 …`, the bot's heaviest command, acknowledged before its work; `help`: answered in the
ack), after 10 warm-up envelopes: `--sequential` envelopes one by one, then `--rounds` rounds
of `--concurrent` envelopes written back to back, each round once the server is quiet: every
incident opened before it has its channel at the Web API stand-in, and then the outbox is
empty (`/healthz` outbox_pending = 0). The outbox alone can be empty between two queued opens,
and a round started then measured the last round's work as well. This process's garbage
collector is paused during a round. Latency = envelope written → its ack read;
p50/p95/p99/max in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import multiprocessing
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

# bench/first_channel.py and bench/slack_ack.py (beside this file): fresh databases, the Slack
# stand-in; importing them puts the repository root on sys.path for `tests` below.
from first_channel import POSTGRES, fresh_database
from slack_ack import (
    TimedStandIn,
    created_channel,
    drained,
    free_port,
    load_average,
    percentiles,
    wait_healthy,
)

from tests.adapters.slack.standin import APP_TOKEN, BOT_TOKEN, TEAM, SlackStandIn

WAIT = 30  # seconds; a guard against hanging only


class TimedAcks(asyncio.Queue[dict[str, Any]]):
    """The stand-in's queue of ack frames, noting when (perf_counter) each one was read."""

    def __init__(self) -> None:
        super().__init__()
        self.read_at: dict[str, float] = {}

    async def put(self, item: dict[str, Any]) -> None:
        self.read_at[str(item.get("envelope_id"))] = time.perf_counter()
        await super().put(item)


class WebApiStandIn(TimedStandIn):
    """The Web API stand-in, sending Socket Mode clients to the socket end in the parent."""

    socket_url = ""

    def m_apps_connections_open(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": self.socket_url}


def serve_web_api(urls: Any, socket_url: str) -> None:
    """Child process: run the Web API stand-in until terminated."""

    async def main() -> None:
        standin = WebApiStandIn()
        standin.socket_url = socket_url
        await standin.start()
        urls.put(standin.url)
        await asyncio.Event().wait()

    asyncio.run(main())


def envelope(command: str, index: str, response_url: str) -> dict[str, Any]:
    """A `slash_commands` envelope as Slack sends it over Socket Mode."""
    text = f"open sev3 Socket bench {index}" if command == "open" else command
    return {
        "envelope_id": f"env-{index}-{secrets.token_hex(4)}",
        "type": "slash_commands",
        "accepts_response_payload": True,
        "retry_attempt": 0,
        "retry_reason": "",
        "payload": {
            "token": "legacy-verification-token",
            "team_id": TEAM,
            "team_domain": "sevbot-test",
            "channel_id": "CGENERAL",
            "channel_name": "general",
            "user_id": "U0MARIA",
            "user_name": "maria",
            "command": "/incident",
            "text": text,
            "api_app_id": "A0SEVBOT",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": f"{index}.1234.socket",
        },
    }


async def round_trip(
    socket: SlackStandIn, acks: TimedAcks, envelopes: list[dict[str, Any]]
) -> list[float]:
    """Write the envelopes back to back; wait for all their acks; seconds each."""
    sent: dict[str, float] = {}
    for one in envelopes:
        sent[one["envelope_id"]] = time.perf_counter()
        await socket.send_envelope(one)
    async with asyncio.timeout(WAIT):
        while not all(e in acks.read_at for e in sent):
            await acks.get()
    return [acks.read_at[e] - at for e, at in sent.items()]


async def settle(port: int, api_url: str, command: str, indexes: list[str]) -> None:
    """Wait until the server is quiet: for `open`, each incident opened as `Socket bench
    <index>` has its channel (the work behind its acknowledgement ran); then the outbox is
    empty."""
    if command == "open":
        async with aiohttp.ClientSession() as http:
            for index in indexes:
                await created_channel(http, api_url, f"-{index}")
    await drained(port)


def start_server(
    port: int, api_url: str, database_url: str, workdir: Path
) -> subprocess.Popen[bytes]:
    """`python -m bot run` in Socket Mode against the stand-ins."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEVBOT_", "SLACK_"))}
    env |= {
        "PORT": str(port),
        "SEVBOT_HOST": "127.0.0.1",
        "SEVBOT_DATABASE_URL": database_url,
        "SEVBOT_LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": api_url,
        "SEVBOT_SLACK_ANNOUNCE_CHANNEL": "#incidents",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
    }
    with (workdir / "sevbot.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=workdir, env=env, stdout=log, stderr=log
        )


def report(label: str, samples: list[float]) -> None:
    """p50/p95/p99/max in milliseconds (nearest rank)."""
    print(f"{label:<36} {percentiles(samples)}")


async def measure(
    args: argparse.Namespace, socket: SlackStandIn, acks: TimedAcks, api_url: str, workdir: Path
) -> None:
    """Start the server on a fresh database, wait for its socket, then each command's runs."""
    hook = api_url.replace("api/", "respond/bench")
    async with fresh_database(args.database, args.server, workdir) as url:
        port = free_port()
        server = start_server(port, api_url, url, workdir)
        try:
            async with aiohttp.ClientSession() as http:
                await wait_healthy(http, f"http://127.0.0.1:{port}/healthz", server)
            async with asyncio.timeout(WAIT):
                await socket.socket_connected.wait()
            for command in args.commands:
                warm_up = [f"w{index}" for index in range(10)]
                for index in warm_up:
                    await round_trip(socket, acks, [envelope(command, index, hook)])
                await settle(port, api_url, command, warm_up)
                sequential: list[float] = []
                indexes = [f"s{index}" for index in range(args.sequential)]
                for index in indexes:
                    sequential += await round_trip(socket, acks, [envelope(command, index, hook)])
                concurrent: list[float] = []
                for round_ in range(args.rounds):
                    await settle(port, api_url, command, indexes)
                    indexes = [f"r{round_}-{n}" for n in range(args.concurrent)]
                    built = [envelope(command, index, hook) for index in indexes]
                    gc.collect()
                    gc.disable()
                    try:
                        concurrent += await round_trip(socket, acks, built)
                    finally:
                        gc.enable()
                report(f"/incident {command}: sequential", sequential)
                report(
                    f"/incident {command}: {args.concurrent} concurrent × {args.rounds}",
                    concurrent,
                )
                await settle(port, api_url, command, indexes)
        finally:
            server.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                await asyncio.to_thread(server.wait, 30)


async def bench(args: argparse.Namespace) -> None:
    """The socket end here, the Web API stand-in in its own process, then the figures."""
    socket = SlackStandIn()
    acks = TimedAcks()
    socket.socket_acks = acks
    await socket.start()
    context = multiprocessing.get_context("spawn")
    urls = context.Queue()
    socket_url = socket.url.replace("http://", "ws://") + "socket"
    web_api = context.Process(target=serve_web_api, args=(urls, socket_url), daemon=True)
    web_api.start()
    api_url = (await asyncio.to_thread(urls.get, True, WAIT)) + "api/"
    load = load_average()
    print(
        f"socket_mode_acks: `sevbot run` in Socket Mode on {args.database}; {os.cpu_count()} "
        f"CPUs, load average at start {load}"
    )
    try:
        with tempfile.TemporaryDirectory(prefix="sevbot-bench-") as tmp:
            await measure(args, socket, acks, api_url, Path(tmp))
    finally:
        web_api.terminate()
        web_api.join()
        await socket.stop()
    load = load_average()
    print("target: 20 concurrent acks p95 ≤ 4 ms (PostgreSQL, Socket Mode)")
    print(f"load average at end {load}")


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concurrent", type=int, default=20, help="envelopes per round")
    parser.add_argument("--rounds", type=int, default=10, help="rounds of --concurrent")
    parser.add_argument("--sequential", type=int, default=100, help="envelopes one by one")
    parser.add_argument(
        "--commands", nargs="+", choices=("open", "help", "list"), default=["open", "help"]
    )
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--server", default=POSTGRES, help="PostgreSQL to create databases on")
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
