"""Slack acknowledgement latency: signed `/incident` requests over HTTP to `sevbot run`.

Issue targets on the 2-core machine: sequential p50 ≤ 2 ms and p99 ≤ 10 ms; 50 concurrent
p99 ≤ 25 ms (Slack's own limit is 3 s). Also: open → incident channel created, p50.

Three processes: the real `sevbot run` (aiohttp + the Slack adapter, SQLite), the stand-in
Slack Web API (tests/adapters/slack/standin.py, in its own process so its work does not sit
in the measuring loop), and this one, the client. Every request is a signed
`/incident open sev3 …`, so each also opens an incident: the server does the real work
(store transaction, channel creation, invites, topic, pinned summary, DM page, announcement)
in the background while later requests arrive. 200 go one by one, then ten bursts of 50 are
sent at once (each burst after the previous one's work is done); percentiles are over all of
them. Latency = request written → response read, on keep-alive connections, through a tiny
raw-socket client so that the figures are the server's and not a client library's.

For comparison the same sequential run is made against a minimal slack-bolt AsyncApp on
aiohttp whose listener only calls `ack()`: once with bolt's default
(process_before_response=False, the ~11 ms case) and once with process_before_response=True.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.adapters.slack import requests as r  # noqa: E402  (the path is set just above)
from tests.adapters.slack.standin import BOT_TOKEN, SlackStandIn  # noqa: E402


class TimedStandIn(SlackStandIn):
    """The stand-in, noting when (monotonic clock, shared by processes) each channel appears.

    `bench.wait_created?suffix=…` answers once a channel whose name ends so exists: the
    benchmark waits on one request instead of polling, which took the CPU the measured
    process and PostgreSQL need (2 cores: sevbot, PostgreSQL, the stand-in, the benchmark)."""

    created: dict[str, float]

    def m_conversations_create(self, params: dict[str, Any]) -> dict[str, Any]:
        result = super().m_conversations_create(params)
        self.__dict__.setdefault("created", {})[str(params["name"])] = time.monotonic()
        self._appeared().set()
        return result

    def _appeared(self) -> asyncio.Event:
        event: asyncio.Event = self.__dict__.setdefault("appeared", asyncio.Event())
        return event

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] != "bench.wait_created":
            return await super()._api(request)
        suffix = request.query["suffix"]
        while True:
            created = self.__dict__.get("created", {})
            found = {name: at for name, at in created.items() if name.endswith(suffix)}
            if found:
                return web.json_response({"ok": True, "created": found})
            self._appeared().clear()
            await asyncio.wait_for(self._appeared().wait(), 30)


def serve_standin(urls: Any) -> None:
    """Child process: run the stand-in until terminated."""

    async def main() -> None:
        standin = TimedStandIn()
        await standin.start()
        urls.put(standin.url)
        await asyncio.Event().wait()

    asyncio.run(main())


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def nearest_rank(ordered: list[float], q: float) -> float:
    """The `q` quantile of sorted samples, by nearest rank."""
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: `0.52, 0.61, 0.70`."""
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


@contextlib.contextmanager
def child_process(target: Callable[..., None], *args: Any) -> Iterator[str]:
    """Run `target(urls, *args)` in a spawned process (a stand-in) and yield the URL it puts
    on `urls`; terminate it on the way out."""
    context = multiprocessing.get_context("spawn")
    urls = context.Queue()
    process = context.Process(target=target, args=(urls, *args), daemon=True)
    process.start()
    try:
        yield str(urls.get(timeout=30))
    finally:
        process.terminate()
        process.join()


def percentiles(samples: list[float], quantiles: tuple[int, ...] = (50, 95, 99)) -> str:
    """`p50 … ms  p95 … ms  p99 … ms  max … ms  (n=…)` of samples in seconds (nearest rank)."""
    ordered = sorted(s * 1000 for s in samples)
    shown = [f"p{q} {nearest_rank(ordered, q / 100):6.2f} ms" for q in quantiles]
    return "  ".join([*shown, f"max {ordered[-1]:6.2f} ms  (n={len(ordered)})"])


class Connection:
    """A keep-alive HTTP/1.1 connection with a deliberately tiny client, so the figures show
    the server's acknowledgement time rather than a client library's own overhead."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        """Connect to 127.0.0.1:port."""
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    @staticmethod
    def request(port: int, text: str, hook: str) -> bytes:
        """A signed `/incident <text>` as raw HTTP."""
        body = r.slash_command(
            "/incident", text, user="U0MARIA", channel="CGENERAL", response_url=hook
        )
        headers = {
            "Host": f"127.0.0.1:{port}",
            "Content-Type": r.FORM,
            "Content-Length": str(len(body)),
            **r.signature_headers(body),
        }
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        return f"POST /slack/events HTTP/1.1\r\n{head}\r\n".encode() + body

    def send(self, request: bytes) -> float:
        """Write the request; returns when it was handed to the kernel."""
        started = time.perf_counter()
        self.writer.write(request)
        return started

    async def response(self) -> tuple[int, bytes]:
        """Read one whole response: (status, body)."""
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        length = next(
            (
                int(line.split(":", 1)[1])
                for line in lines
                if line.lower().startswith("content-length:")
            ),
            0,
        )
        return status, await self.reader.readexactly(length)

    async def acknowledge(self, request: bytes) -> float:
        """Send, read the acknowledgement; seconds it took."""
        started = self.send(request)
        status, _ = await self.response()
        took = time.perf_counter() - started
        assert status == 200, status
        return took

    def close(self) -> None:
        """Close the socket."""
        self.writer.close()


async def wait_healthy(
    http: aiohttp.ClientSession, url: str, process: subprocess.Popen[bytes]
) -> None:
    """Poll until the server answers (it is a separate process starting up)."""
    for _ in range(400):
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            async with http.get(url) as response:
                if response.status in (200, 404, 405):
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise SystemExit("server did not start")


async def created_channel(http: aiohttp.ClientSession, api_url: str, suffix: str) -> float:
    """When (monotonic time, in the stand-in process) the channel whose name ends with
    `suffix` was created: waits for it on one request (at most 30 s)."""
    url = api_url + "bench.wait_created"
    async with http.get(url, params={"suffix": suffix}) as response:
        if response.status != 200:
            raise SystemExit(f"no channel ending {suffix}: HTTP {response.status}")
        created: dict[str, float] = (await response.json())["created"]
        return min(created.values())


async def measure(
    port: int, hook: str, text: str, *, sequential: int, concurrent: int, rounds: int, drain: bool
) -> dict[str, list[float]]:
    """Warm up; `sequential` requests one by one; then `rounds` bursts of `concurrent` sent
    at once on warm connections (after each burst, when `drain`, wait for the server's
    background work to finish). Requests are `/incident <text> …`, signed before timing."""
    one = await Connection.open(port)
    pool = [await Connection.open(port) for _ in range(concurrent)]
    try:
        for index in range(10):
            await one.acknowledge(Connection.request(port, f"{text} warm-up {index}", hook))
        for connection in pool:
            await connection.acknowledge(Connection.request(port, "help", hook))
        if drain:
            await drained(port)
        seq = []
        for index in range(sequential):
            request = Connection.request(port, f"{text} sequential {index}", hook)
            seq.append(await one.acknowledge(request))
        conc: list[float] = []
        for burst in range(rounds):
            if drain:
                await drained(port)
            requests = [
                Connection.request(port, f"{text} burst {burst} {index}", hook)
                for index in range(concurrent)
            ]
            conc += await asyncio.gather(
                *(c.acknowledge(request) for c, request in zip(pool, requests, strict=True))
            )
    finally:
        for connection in [one, *pool]:
            connection.close()
    return {"sequential": seq, f"{concurrent} at once": conc}


async def drained(port: int) -> None:
    """Wait until the server's outbox is empty (its background work is done)."""
    async with aiohttp.ClientSession() as http:
        for _ in range(6000):
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                if (await response.json()).get("outbox_pending") == 0:
                    return
            await asyncio.sleep(0.05)
    raise SystemExit("the outbox never drained")


async def open_to_channel(port: int, hook: str, api_url: str, count: int) -> list[float]:
    """Open incidents one at a time, each once the previous one's channel exists."""
    samples = []
    connection = await Connection.open(port)
    try:
        async with aiohttp.ClientSession() as http:
            for index in range(count):
                title = f"channel latency {index}"
                request = Connection.request(port, f"open sev3 {title}", hook)
                started = time.monotonic()
                await connection.acknowledge(request)
                slug = "-" + title.replace(" ", "-")
                samples.append(await created_channel(http, api_url, slug) - started)
    finally:
        connection.close()
    return samples


def start_sevbot(port: int, api_url: str, workdir: Path) -> subprocess.Popen[bytes]:
    """`python -m bot run` with Slack over HTTP pointing at the stand-in."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEVBOT_", "SLACK_"))}
    env |= {
        "PORT": str(port),
        "SEVBOT_HOST": "127.0.0.1",
        "SEVBOT_DATABASE_URL": f"sqlite:///{workdir}/bench.db",
        "SEVBOT_LOG_LEVEL": "WARNING",
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": r.SECRET,
        "SLACK_API_URL": api_url,
        "SEVBOT_SLACK_ANNOUNCE_CHANNEL": "#incidents",
        "PYTHONPATH": str(ROOT),
    }
    log = (workdir / "sevbot.log").open("ab")
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "run"], cwd=workdir, env=env, stdout=log, stderr=log
    )


def start_bolt_baseline(port: int, api_url: str, before_response: bool) -> subprocess.Popen[bytes]:
    """A minimal slack-bolt app on aiohttp that only acks (this script in server mode)."""
    args = [sys.executable, __file__, "--bolt-baseline", str(port), api_url]
    if before_response:
        args.append("--process-before-response")
    return subprocess.Popen(args, env=os.environ | {"PYTHONPATH": str(ROOT)})


def run_bolt_baseline(port: int, api_url: str, before_response: bool) -> None:
    """Server mode: the bolt app a typical tutorial builds, pointed at the stand-in."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.app.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    async def main() -> None:
        from aiohttp import web

        bolt = AsyncApp(
            client=AsyncWebClient(token=BOT_TOKEN, base_url=api_url),
            signing_secret=r.SECRET,
            process_before_response=before_response,
        )

        @bolt.command("/incident")
        async def incident(ack: Any) -> None:
            await ack(response_type="ephemeral", text="Opening incident…")

        async def handle(request: web.Request) -> web.Response:
            return await to_aiohttp_response(
                await bolt.async_dispatch(await to_bolt_request(request))
            )

        web_app = web.Application()
        web_app.router.add_post("/slack/events", handle)
        runner = web.AppRunner(web_app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        await asyncio.Event().wait()

    asyncio.run(main())


def report(label: str, figures: dict[str, list[float]]) -> None:
    """Two lines of percentiles."""
    for phase, samples in figures.items():
        print(f"{label:<44} {phase:<10} {percentiles(samples)}")


async def bench(sequential: int, concurrent: int, rounds: int, channels: int) -> None:
    """Run everything and print the figures."""
    with child_process(serve_standin) as base:
        await _bench(base, sequential, concurrent, rounds, channels)


async def _bench(base: str, sequential: int, concurrent: int, rounds: int, channels: int) -> None:
    api_url, hook = base + "api/", base + "respond/bench"
    processes: list[subprocess.Popen[bytes]] = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            load = load_average()
            print(f"Slack acknowledgement latency over HTTP; {os.cpu_count()} CPUs, load {load}")
            port = free_port()
            server = start_sevbot(port, api_url, Path(tmp))
            processes.append(server)
            async with aiohttp.ClientSession() as http:
                await wait_healthy(http, f"http://127.0.0.1:{port}/healthz", server)
            shape = {"sequential": sequential, "concurrent": concurrent, "rounds": rounds}
            opens = await measure(port, hook, "open sev3 Bench", drain=True, **shape)
            report("sevbot /incident open (work follows the ack)", opens)
            helps = await measure(port, hook, "help", drain=False, **shape)
            report("sevbot /incident help (answered in the ack)", helps)
            await drained(port)
            spaced = await open_to_channel(port, hook, api_url, channels)
            print(
                f"{'sevbot open → channel created':<44} {'one by one':<10} "
                f"p50 {statistics.median(spaced) * 1000:6.2f} ms  "
                f"max {max(spaced) * 1000:6.2f} ms  (n={len(spaced)})"
            )
            for before in (False, True):
                port = free_port()
                baseline = start_bolt_baseline(port, api_url, before)
                processes.append(baseline)
                async with aiohttp.ClientSession() as http:
                    await wait_healthy(http, f"http://127.0.0.1:{port}/slack/events", baseline)
                figures = await measure(port, hook, "open sev3 Bench", drain=False, **shape)
                report(f"plain bolt, process_before_response={before}", figures)
                baseline.terminate()
                baseline.wait()
    finally:
        for process in processes:
            if process.poll() is None:
                process.terminate()
                process.wait()


def main() -> None:
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequential", type=int, default=200)
    parser.add_argument("--concurrent", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=10, help="bursts of --concurrent")
    parser.add_argument("--channels", type=int, default=30, help="opens timed to channel created")
    parser.add_argument("--bolt-baseline", nargs=2, metavar=("PORT", "API_URL"))
    parser.add_argument("--process-before-response", action="store_true")
    args = parser.parse_args()
    if args.bolt_baseline:
        run_bolt_baseline(
            int(args.bolt_baseline[0]), args.bolt_baseline[1], args.process_before_response
        )
        return
    asyncio.run(bench(args.sequential, args.concurrent, args.rounds, args.channels))


if __name__ == "__main__":
    main()
