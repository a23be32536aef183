"""Discord interaction latency: INTERACTION_CREATE sent → interaction callback received.

Issue target (not asserted): sequential p50 ≤ 3 ms; 50 concurrent p99 ≤ 30 ms.

The real `sevbot run` process (SQLite store, scheduler and outbox dispatcher running, so each
opened incident's channel, summary, DM and announcement are posted meanwhile) connects to
the stand-in Discord the tests use, which runs here and times each interaction from sending
the INTERACTION_CREATE frame to receiving the interaction callback. Each command is
`/incident open` (the heaviest: a new incident, its outbox and timers in one transaction) or,
with `--command note`, a note on incident #1. A deferred answer counts when the defer arrives.

Each round of concurrent commands starts on a settled bot: the previous round's follow-ups
have arrived and no REST call came for SETTLE seconds (the outbox has posted the channels,
summaries and announcements). The same rounds back to back, each arriving while the bot still
works on the one before, are reported as well: a sustained load rather than a burst.

The stand-in runs on uvloop here when it is installed, so the measuring side (a Python
stand-in for Discord's servers, in this process) adds less to the figures; `--asyncio-standin`
runs it on asyncio's own loop. For the same reason this process's garbage collector is paused
during each round and run between rounds: a collection in the stand-in is not the bot's latency.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import socket
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the stand-in lives in tests/

from tests.adapters.discord.standin import StandIn  # noqa: E402

SETTLE = 0.3  # seconds without a REST call before a round of concurrent commands starts


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(samples: list[float], fraction: float) -> float:
    """The nearest-rank percentile."""
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def report(label: str, samples: list[float]) -> None:
    """Print p50/p95/p99/max in milliseconds."""
    ms = [s * 1000 for s in samples]
    print(
        f"{label:<28} n={len(ms):<4} p50={percentile(ms, 0.50):6.2f} ms  "
        f"p95={percentile(ms, 0.95):6.2f} ms  p99={percentile(ms, 0.99):6.2f} ms  "
        f"max={max(ms):6.2f} ms  mean={statistics.fmean(ms):6.2f} ms"
    )


async def payload(discord: StandIn, command: str, index: int) -> dict[str, Any]:
    """The INTERACTION_CREATE of one /incident command, built before the clock starts."""
    channel = discord.general
    if command == "open":
        built = await discord.slash(
            "open", severity="SEV-3", title=f"Bench {index}", channel=channel, wait=False
        )
    else:
        built = await discord.slash(
            "note", text=f"Bench note {index}", incident=1, channel=channel, wait=False
        )
    return cast(dict[str, Any], built)


async def send(discord: StandIn, interaction: dict[str, Any]) -> float:
    """Dispatch one built command and return its latency in seconds."""
    answer = await discord.interact(interaction)
    assert answer.ephemeral, answer
    return float(answer.received_at - discord.dispatched_at[answer.interaction_id])


async def one(discord: StandIn, command: str, index: int) -> float:
    """Send one /incident command and return its latency in seconds."""
    return await send(discord, await payload(discord, command, index))


async def settle(discord: StandIn) -> None:
    """Wait until every deferred answer was followed up and REST calls stopped coming."""
    async with asyncio.timeout(120):
        while True:
            seen = len(discord.requests)
            await asyncio.sleep(SETTLE)  # quiet time, measured by the stand-in's own clock
            deferred = sum(1 for c in discord.callbacks.values() if c.type == 5)
            if len(discord.requests) == seen and len(discord.followups) >= deferred:
                return


async def burst(discord: StandIn, args: argparse.Namespace, round_: int) -> list[float]:
    """One round of `args.concurrent` commands sent at once."""
    base = 10_000 * (round_ + 1)
    built = [await payload(discord, args.command, base + i) for i in range(args.concurrent)]
    gc.collect()
    gc.disable()
    try:
        return list(await asyncio.gather(*(send(discord, b) for b in built)))
    finally:
        gc.enable()


async def wait_connected(discord: StandIn, process: asyncio.subprocess.Process, log: Path) -> None:
    """Wait until `sevbot run` has identified on the stand-in's gateway and synced commands."""
    async with asyncio.timeout(60):
        while discord.gateway.socket is None or not discord.commands:
            if process.returncode is not None:
                output = await asyncio.to_thread(log.read_text)
                raise SystemExit(f"sevbot exited {process.returncode}:\n{output[-2000:]}")
            await asyncio.sleep(0.05)  # waiting on another process


async def main(args: argparse.Namespace) -> None:
    """Start the stand-in here and `sevbot run` as its own process, warm up, then measure."""
    discord = await StandIn().start()
    with tempfile.TemporaryDirectory() as directory:
        log = Path(directory) / "sevbot.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SEVBOT_", "DISCORD_"))}
        env |= {
            "PYTHONPATH": str(ROOT),
            "PORT": str(free_port()),
            "SEVBOT_HOST": "127.0.0.1",
            "SEVBOT_LOG_LEVEL": "WARNING",
            "SEVBOT_DATABASE_URL": f"sqlite:///{directory}/bench.db",
            "DISCORD_BOT_TOKEN": discord.token,
            "DISCORD_API_URL": discord.api_url,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
            "DISCORD_GUILD_ID": str(discord.guild_id),
            "SEVBOT_DISCORD_INCIDENT_CATEGORY": "Incidents",
            "SEVBOT_DISCORD_ANNOUNCE_CHANNEL": discord.announce["id"],
        }
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", "run", cwd=directory, env=env, stdout=out, stderr=out
            )
        try:
            await wait_connected(discord, process, log)
            await discord.slash("open", severity="SEV-3", title="Warm-up")
            for index in range(20):
                await one(discord, args.command, -index)
            sequential = [await one(discord, args.command, i) for i in range(args.sequential)]
            settled: list[float] = []
            for round_ in range(args.rounds):
                await settle(discord)
                settled += await burst(discord, args, round_)
            await settle(discord)
            back_to_back: list[float] = []
            for round_ in range(args.rounds, 2 * args.rounds):
                back_to_back += await burst(discord, args, round_)
            loop = type(asyncio.get_running_loop()).__module__.split(".")[0]
            print(
                f"/incident {args.command} against `sevbot run` (SQLite), {os.cpu_count()} CPUs, "
                f"stand-in on {loop}"
            )
            report(f"{args.sequential} sequential", sequential)
            if args.rounds:
                report(f"{args.concurrent} concurrent × {args.rounds} rounds", settled)
                report("  the same, back to back", back_to_back)
            deferred = sum(1 for c in discord.callbacks.values() if c.type == 5)
            print(f"deferred (answered by a follow-up): {deferred} of {len(discord.callbacks)}")
            print("targets: sequential p50 ≤ 3 ms; 50 concurrent p99 ≤ 30 ms")
        finally:
            process.send_signal(signal.SIGTERM)
            async with asyncio.timeout(15):
                await process.wait()
            await discord.stop()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--sequential", type=int, default=200)
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10, help="rounds of concurrent commands")
    parser.add_argument("--command", choices=("open", "note"), default="open")
    parser.add_argument(
        "--asyncio-standin", action="store_true", help="run the stand-in on asyncio's own loop"
    )
    arguments = parser.parse_args()
    try:
        import uvloop
    except ImportError:
        uvloop = None  # type: ignore[assignment]
    if uvloop is None or arguments.asyncio_standin:
        asyncio.run(main(arguments))
    else:
        uvloop.run(main(arguments))
