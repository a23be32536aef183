"""Alerts in, a burst: 500 alerts in 50 groups posted to `sevbot run`'s /hooks/alertmanager.

Issue 18's target: every response under 100 ms at p99, and exactly 50 incidents opened (one
per group, the storm guard off). As Alertmanager does, each group's notifications go one after
another (each carries the group's alerts so far: the first one, then one more each time) and
the 50 groups go at once, so 500 requests arrive in a burst. The hook records each body in the
inbox (one small INSERT) and answers; the notifications are applied after the answer, so the
figures are the answers' while the server opens, pages and updates incidents behind them.

Two processes: the real `sevbot run` (SQLite, the transcript-file chat, a rotation to page) and
this client, on keep-alive connections with a tiny raw-socket client (as bench/slack_ack.py),
so that the figures are the server's. Latency = request written → response read.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GROUPS = 50
PER_GROUP = 10
TOKEN = "bench-alerts-token"
CONFIG = """
page = "maintainers"

[[rotation]]
name = "maintainers"
members = ["console:sam", "console:li", "console:ana"]
start = 2024-01-01

[[alert_source]]
name = "prometheus"
token_env = "SEVBOT_BENCH_ALERT_TOKEN"
"""


def free_port() -> int:
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def body(group: int, alerts: int) -> dict[str, Any]:
    """Group `group`'s notification carrying its first `alerts` alerts."""
    name = f"Bench{group:02d}"
    return {
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "status": "firing",
        "receiver": "sevbot",
        "groupLabels": {"alertname": name},
        "commonLabels": {"alertname": name, "severity": "critical"},
        "commonAnnotations": {"summary": f"Bench group {group} is failing"},
        "externalURL": "http://alertmanager:9093",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": name, "instance": f"host-{n}", "severity": "critical"},
                "annotations": {"summary": f"Bench group {group} is failing"},
                "startsAt": "2026-11-23T13:55:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "http://prometheus:9090/graph",
                "fingerprint": f"g{group}-a{n}",
            }
            for n in range(alerts)
        ],
    }


def request(port: int, group: int, alerts: int) -> bytes:
    """Group `group`'s notification with its first `alerts` alerts, as raw HTTP."""
    payload = json.dumps(body(group, alerts)).encode()
    head = (
        f"POST /hooks/alertmanager HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {TOKEN}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(payload)}\r\n\r\n"
    )
    return head.encode() + payload


async def answer(reader: asyncio.StreamReader) -> int:
    """Read one whole response; its status."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    length = next(
        (int(line.split(":", 1)[1]) for line in head if line.lower().startswith("content-length:")),
        0,
    )
    await reader.readexactly(length)
    return int(head[0].split()[1])


async def group_sender(port: int, group: int, samples: list[float], start: asyncio.Event) -> None:
    """One group's notifications, one after another, as Alertmanager sends them, on one
    keep-alive connection with a deliberately tiny client (the figures are the server's)."""
    requests = [request(port, group, alerts) for alerts in range(1, PER_GROUP + 1)]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        await start.wait()
        for raw in requests:
            sent = time.perf_counter()
            writer.write(raw)
            status = await answer(reader)
            samples.append((time.perf_counter() - sent) * 1000)
            assert status == 200, status
    finally:
        writer.close()


def transcript(path: Path) -> list[dict[str, Any]]:
    """What the bot said so far."""
    if not path.exists():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    return records


def wait_healthy(port: int, process: subprocess.Popen[bytes]) -> None:
    """Until /healthz answers 200."""
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"sevbot run exited {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise SystemExit("sevbot run did not become healthy")


async def burst(port: int) -> list[float]:
    """The 500 requests, 50 groups at once; their latencies in ms."""
    samples: list[float] = []
    start = asyncio.Event()
    tasks = [asyncio.create_task(group_sender(port, g, samples, start)) for g in range(GROUPS)]
    await asyncio.sleep(0.5)  # every connection open and its requests built
    start.set()
    await asyncio.gather(*tasks)
    return samples


def main() -> None:
    """Run sevbot, send the burst, wait for the work to finish, print the figures."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "sevbot.toml").write_text(CONFIG, encoding="utf-8")
        chat = folder / "chat.jsonl"
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("SEVBOT_")}
        env |= {
            "PYTHONPATH": str(ROOT),
            "PORT": str(port),
            "SEVBOT_HOST": "127.0.0.1",
            "SEVBOT_DATABASE_URL": f"sqlite:///{folder}/sevbot.db",
            "SEVBOT_TRANSCRIPT_FILE": str(chat),
            "SEVBOT_CONFIG": str(folder / "sevbot.toml"),
            "SEVBOT_BENCH_ALERT_TOKEN": TOKEN,
            "SEVBOT_LOG_LEVEL": "WARNING",
        }
        with (folder / "sevbot.log").open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "bot", "run"], cwd=folder, env=env, stdout=log, stderr=log
            )
        try:
            wait_healthy(port, process)
            began = time.monotonic()
            samples = asyncio.run(burst(port))
            answered = time.monotonic() - began
            expected = GROUPS * PER_GROUP  # an alerts message per notification: opened, or +1
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                said = [r for r in transcript(chat) if r["kind"] == "alerts"]
                if len(said) >= expected:
                    break
                time.sleep(0.2)
            applied = time.monotonic() - began
            records = transcript(chat)
            opened = {r["incident"] for r in records if r["kind"] == "summary"}
            pages = sum(1 for r in records if r["kind"] == "page")
        finally:
            process.terminate()
            process.wait(timeout=30)
    ordered = sorted(samples)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    print(f"alerts burst: {len(samples)} requests ({GROUPS} groups × {PER_GROUP} alerts)")
    print(
        f"  responses: p50 {statistics.median(ordered):.1f} ms, p99 {p99:.1f} ms, "
        f"max {ordered[-1]:.1f} ms (target: p99 < 100 ms)"
    )
    print(f"  all answered in {answered:.2f} s; all applied in {applied:.2f} s")
    print(f"  incidents opened: {len(opened)} (target: exactly {GROUPS}); pages sent: {pages}")


if __name__ == "__main__":
    main()
