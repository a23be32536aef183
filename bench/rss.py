"""Resident memory (RSS) of one `sevbot run` process after start, per configuration.

Issue target (issue 20): RSS after start, one process ≤ 55 MiB (it was 64.5-66.9 MiB; a peer
bot takes 140 MiB in two processes). Also: import what the configuration uses, and measure
`import bot.cli`.

For each configuration, `--repeats` times: a fresh store (SQLite file by default; with
`--database postgres` a new database `sevbot_bench_<random>` on `--server`, dropped after),
`python -m bot run` started with the configuration's environment, `GET /healthz` polled until
200 (and, with Discord, until the bot has identified on the stand-in's gateway and synced its
commands), `--settle` seconds of quiet, then VmRSS (and its peak, VmHWM) read from
/proc/<pid>/status; then SIGTERM. Slack and Discord connect for real, to the stand-ins the
tests use: the Slack Web API stand-in (tests/adapters/slack/standin.py, with Socket Mode) in
its own process, a fresh Discord stand-in (tests/adapters/discord/standin) in this one per run.
Configurations: no chat platform (the console chat), Slack over HTTP, Slack in Socket Mode,
Discord, Slack over HTTP and Discord together. For reference, the same read at the end of
`python -c "import bot.cli"` and `python -c "pass"`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import aiohttp

# bench/first_channel.py and bench/slack_ack.py (beside this file): fresh databases, the Slack
# stand-in's process; importing them puts the repository root on sys.path for `tests` below.
from first_channel import POSTGRES, fresh_database
from slack_ack import child_process, free_port, load_average, serve_standin, wait_healthy

from tests.adapters.discord.standin import StandIn
from tests.adapters.slack import requests as r
from tests.adapters.slack.standin import APP_TOKEN, BOT_TOKEN

ROOT = Path(__file__).resolve().parents[1]
CONFIGURATIONS = ("console", "slack-http", "slack-socket", "discord", "slack-http+discord")
READ_RSS = (
    "import re, pathlib; s = pathlib.Path('/proc/self/status').read_text(); "
    "print(re.search(r'VmRSS:\\s+(\\d+)', s)[1], re.search(r'VmHWM:\\s+(\\d+)', s)[1])"
)


def memory_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of process `pid`, in KiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def environment(
    configuration: str, url: str, slack_api: str, discord: StandIn | None
) -> dict[str, str]:
    """The environment of `sevbot run` for one configuration."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SEVBOT_", "SLACK_", "DISCORD_"))
    }
    env |= {
        "PORT": str(free_port()),
        "SEVBOT_HOST": "127.0.0.1",
        "SEVBOT_DATABASE_URL": url,
        "SEVBOT_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    if configuration.startswith("slack"):
        env |= {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_API_URL": slack_api,
            "SEVBOT_SLACK_ANNOUNCE_CHANNEL": "#incidents",
        }
        if configuration.startswith("slack-socket"):
            env["SLACK_APP_TOKEN"] = APP_TOKEN
        else:
            env["SLACK_SIGNING_SECRET"] = r.SECRET
    if discord is not None:
        env |= {
            "DISCORD_BOT_TOKEN": discord.token,
            "DISCORD_API_URL": discord.api_url,
            "DISCORD_GATEWAY_URL": discord.gateway_url,
            "DISCORD_GUILD_ID": str(discord.guild_id),
            "SEVBOT_DISCORD_INCIDENT_CATEGORY": "Incidents",
            "SEVBOT_DISCORD_ANNOUNCE_CHANNEL": discord.announce["id"],
        }
    return env


def start_server(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """`python -m bot run` in `env`, its output appended to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bot", "run"], cwd=log.parent, env=env, stdout=out, stderr=out
        )


async def discord_connected(discord: StandIn, process: subprocess.Popen[bytes]) -> None:
    """Wait until `sevbot run` has identified on the stand-in's gateway and synced commands."""
    async with asyncio.timeout(60):
        while discord.gateway.socket is None or not discord.commands:
            if process.poll() is not None:
                raise SystemExit(f"sevbot exited {process.returncode}")
            await asyncio.sleep(0.05)  # waiting on another process


async def one_run(
    args: argparse.Namespace, configuration: str, slack_api: str, workdir: Path
) -> tuple[int, int]:
    """Start one configuration, wait until it is up and settled; its (VmRSS, VmHWM) in KiB."""
    discord = await StandIn().start() if "discord" in configuration else None
    try:
        async with fresh_database(args.database, args.server, workdir) as url:
            env = environment(configuration, url, slack_api, discord)
            process = start_server(env, workdir / f"{configuration}.log")
            try:
                async with aiohttp.ClientSession() as http:
                    await wait_healthy(http, f"http://127.0.0.1:{env['PORT']}/healthz", process)
                if discord is not None:
                    await discord_connected(discord, process)
                await asyncio.sleep(args.settle)
                return memory_kib(process.pid)
            finally:
                process.send_signal(signal.SIGTERM)
                await asyncio.to_thread(process.wait, 30)
    finally:
        if discord is not None:
            await discord.stop()


def python_rss(code: str) -> tuple[int, int]:
    """(VmRSS, VmHWM) in KiB at the end of `python -c code` (from the repository root)."""
    output = subprocess.run(
        [sys.executable, "-c", f"{code}\n{READ_RSS}"],
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.split()
    return int(output[-2]), int(output[-1])


def line(label: str, samples: list[tuple[int, int]]) -> str:
    """Median, min and max of VmRSS in MiB, and the median peak."""
    rss = sorted(s[0] / 1024 for s in samples)
    peak = statistics.median(s[1] / 1024 for s in samples)
    return (
        f"{label:<36} RSS median {statistics.median(rss):6.1f} MiB  min {rss[0]:6.1f}  "
        f"max {rss[-1]:6.1f}  (peak VmHWM median {peak:6.1f} MiB, n={len(rss)})"
    )


async def bench(args: argparse.Namespace) -> None:
    """The Slack stand-in in its own process; each configuration `--repeats` times."""
    print(
        f"rss: `sevbot run` on {args.database}, {args.repeats} starts per configuration, "
        f"settle {args.settle} s; {os.cpu_count()} CPUs, load average at start {load_average()}"
    )
    with (
        child_process(serve_standin) as base,
        tempfile.TemporaryDirectory(prefix="sevbot-bench-") as tmp,
    ):
        for configuration in args.configurations:
            runs = [
                await one_run(args, configuration, base + "api/", Path(tmp))
                for _ in range(args.repeats)
            ]
            print(line(f"sevbot run: {configuration}", runs))
    for code in ("import bot.cli", "pass"):
        runs = [await asyncio.to_thread(python_rss, code) for _ in range(args.repeats)]
        print(line(f'python -c "{code}"', runs))
    print("target: RSS after start, one process ≤ 55 MiB")
    print(f"load average at end {load_average()}")


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="starts per configuration")
    parser.add_argument("--settle", type=float, default=1.0, help="s between up and the read")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--server", default=POSTGRES, help="PostgreSQL to create databases on")
    parser.add_argument(
        "--configurations",
        nargs="+",
        choices=CONFIGURATIONS,
        default=list(CONFIGURATIONS),
        metavar="NAME",
        help=f"some of {', '.join(CONFIGURATIONS)}",
    )
    asyncio.run(bench(parser.parse_args()))


if __name__ == "__main__":
    main()
