"""`sevbot run` behind the real Prometheus Alertmanager (Debian's `prometheus-alertmanager`):
its webhook receiver with a bearer token opens, pages, updates and resolves incidents, and
acknowledging silences the group in Alertmanager. With Debian's `prometheus`, one test runs the
whole chain: a rule firing in Prometheus → Alertmanager → sevbot.

Skipped, saying why, where the binaries are missing, unless SEVBOT_REQUIRE_ALERTMANAGER=1 (CI).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import free_port, http, sevbot, stop, transcript, wait_healthy
from tests.e2e.conftest import until as poll

ALERT_TOKEN = "am-webhook-token"
API_TOKEN = "ops-api-token"
WAIT = 30.0  # seconds any one thing may take to show up (Alertmanager waits 1 s per group)


def _binary(*names: str) -> str | None:
    for name in names:
        found = shutil.which(name) or shutil.which(name, path="/usr/bin:/usr/sbin:/bin")
        if found:
            return found
    return None


def _need(binary: str | None, package: str) -> str:
    """The binary, or a skip saying what to install (a failure in CI)."""
    if binary is not None:
        return binary
    reason = f"{package} is not installed (apt-get install {package})"
    if os.environ.get("SEVBOT_REQUIRE_ALERTMANAGER") == "1":
        pytest.fail(f"SEVBOT_REQUIRE_ALERTMANAGER=1 but {reason}")
    pytest.skip(reason)


until = functools.partial(poll, seconds=WAIT, every=0.1)
ALERTMANAGER = _binary("prometheus-alertmanager", "alertmanager")
PROMETHEUS = _binary("prometheus")


def am_call(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    """Alertmanager's API (it wants `Content-Type: application/json`); (status, JSON)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """A process whose output goes to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(args, stdout=out, stderr=out)


@dataclass
class Chain:
    """sevbot and Alertmanager running, and how to reach them."""

    tmp: Path
    sevbot_port: int
    am_port: int

    @property
    def am(self) -> str:
        return f"http://127.0.0.1:{self.am_port}"

    def records(self) -> list[dict[str, Any]]:
        """What sevbot said so far (the transcript chat)."""
        return transcript(self.tmp / "chat.jsonl")

    def said(self, kind: str, incident: int | None = None) -> list[dict[str, Any]]:
        """Messages of `kind` (about `incident`, when given)."""
        return [
            r
            for r in self.records()
            if r["kind"] == kind and (incident is None or r["incident"] == incident)
        ]

    def fire(self, *alerts: dict[str, Any]) -> None:
        """POST alerts to Alertmanager's API, as Prometheus does."""
        status, answer = am_call("POST", f"{self.am}/api/v2/alerts", list(alerts))
        assert status == 200, answer

    def command(self, text: str) -> dict[str, Any]:
        """A command through sevbot's API as the `ops` client."""
        url = f"http://127.0.0.1:{self.sevbot_port}/api/commands"
        status, body = http("POST", url, {"text": text}, token=API_TOKEN)
        assert status == 200, body
        return dict(body)

    def silences(self) -> list[dict[str, Any]]:
        """Alertmanager's silences."""
        status, body = am_call("GET", f"{self.am}/api/v2/silences")
        assert status == 200
        return list(body)


def alert(name: str, service: str, severity: str, instance: str, **extra: Any) -> dict[str, Any]:
    """An alert as Alertmanager's API takes it."""
    return {
        "labels": {
            "alertname": name,
            "service": service,
            "severity": severity,
            "instance": instance,
        },
        "annotations": {"summary": f"{name} on {service}", "runbook_url": "https://rb/x"},
        "generatorURL": "http://prometheus:9090/graph",
        **extra,
    }


def _sevbot_config(tmp: Path, am_port: int) -> Path:
    config = tmp / "sevbot.toml"
    config.write_text(
        f"""
page = "maintainers"

[[rotation]]
name = "maintainers"
members = ["console:sam", "console:li"]
start = 2024-01-01
channel = {{ console = "#oncall" }}

[[alert_source]]
name = "prometheus"
kind = "alertmanager"
token_env = "SEVBOT_ALERT_TOKEN_PROMETHEUS"
severity_label = "severity"
severities = {{ critical = "sev1", error = "sev2", warning = "sev3" }}
open_incident = ["sev0", "sev1", "sev2"]
rotation = "maintainers"
alertmanager_url = "http://127.0.0.1:{am_port}"

[[api_client]]
name = "ops"
token_env = "SEVBOT_TOKEN_OPS"
may = ["ack", "resolve", "open", "note"]
""",
        encoding="utf-8",
    )
    return config


def _alertmanager_config(tmp: Path, sevbot_port: int) -> Path:
    config = tmp / "alertmanager.yml"
    config.write_text(
        f"""
route:
  receiver: sevbot
  group_by: ["alertname", "service"]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sevbot
    webhook_configs:
      - url: http://127.0.0.1:{sevbot_port}/hooks/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: {ALERT_TOKEN}
""",
        encoding="utf-8",
    )
    return config


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    """sevbot run (SQLite, transcript chat, an Alertmanager source with silences) and the real
    Alertmanager with a webhook receiver pointing at it, clustering off."""
    binary = _need(ALERTMANAGER, "prometheus-alertmanager")
    sevbot_port, am_port = free_port(), free_port()
    env = {
        "PORT": str(sevbot_port),
        "SEVBOT_HOST": "127.0.0.1",
        "SEVBOT_DATABASE_URL": f"sqlite:///{tmp_path}/sevbot.db",
        "SEVBOT_TRANSCRIPT_FILE": str(tmp_path / "chat.jsonl"),
        "SEVBOT_CONFIG": str(_sevbot_config(tmp_path, am_port)),
        "SEVBOT_ALERT_TOKEN_PROMETHEUS": ALERT_TOKEN,
        "SEVBOT_TOKEN_OPS": API_TOKEN,
    }
    bot = sevbot("run", env=env, cwd=tmp_path)
    manager = start(
        [
            binary,
            f"--config.file={_alertmanager_config(tmp_path, sevbot_port)}",
            f"--storage.path={tmp_path / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{am_port}",
            "--cluster.listen-address=",
        ],
        tmp_path / "alertmanager.log",
    )
    try:
        wait_healthy(sevbot_port, bot, tmp_path)
        until("Alertmanager to be ready", lambda: _ready(am_port, manager, tmp_path))
        yield Chain(tmp=tmp_path, sevbot_port=sevbot_port, am_port=am_port)
    finally:
        stop(manager)
        stop(bot)


def _ready(port: int, process: subprocess.Popen[bytes], tmp: Path) -> bool:
    if process.poll() is not None:
        log = (tmp / "alertmanager.log").read_text(errors="replace")[-2000:]
        raise AssertionError(f"alertmanager exited {process.returncode}:\n{log}")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=5) as answer:
            return bool(answer.status == 200)
    except OSError:
        return False


def _now(offset: float = 0) -> str:
    return (datetime.now(UTC) + timedelta(seconds=offset)).isoformat()


def test_alertmanager_groups_page_update_and_resolve(chain: Chain) -> None:
    """A critical alert → one SEV-1 incident for its group, paging the primary; a second alert
    in the group adds to it (no new incident); a warning in another group → a card; resolving
    both alerts reaches the incident channel."""
    started = _now(-5)
    chain.fire(alert("HighLatency", "api", "critical", "db-1", startsAt=started))
    until("the incident's alerts", lambda: chain.said("alerts", 1))
    [summary] = chain.said("summary", 1)
    assert summary["title"].startswith("🔴 SEV-1 · HighLatency on api")
    assert [r["recipient"] for r in chain.said("page", 1)] == ["console:sam"]
    chain.fire(
        alert("HighLatency", "api", "critical", "db-1", startsAt=started),
        alert("HighLatency", "api", "critical", "db-2", startsAt=started),
    )
    until("the second alert", lambda: len(chain.said("alerts", 1)) >= 2)
    assert "1 more alert(s) firing" in chain.said("alerts", 1)[1]["text"]
    chain.fire(alert("DiskFilling", "db", "warning", "db-3", startsAt=started))
    card = until("the card", lambda: chain.said("alert_card"))
    assert card[0]["title"] == "🟡 SEV-3 alert: DiskFilling on db"
    ended = _now(-1)
    chain.fire(
        alert("HighLatency", "api", "critical", "db-1", startsAt=started, endsAt=ended),
        alert("HighLatency", "api", "critical", "db-2", startsAt=started, endsAt=ended),
    )
    resolved = until(
        "the resolution",
        lambda: [r for r in chain.said("alerts", 1) if "Every alert has resolved" in r["text"]],
    )
    assert "Resolve the incident" in resolved[0]["text"]
    assert {r["incident"] for r in chain.said("summary")} == {1}


def test_acknowledging_silences_the_group_until_it_resolves(chain: Chain) -> None:
    """Acknowledged → a real Alertmanager silence of the group's labels (its id on the
    timeline); resolved → that silence is expired."""
    chain.fire(alert("QueueStuck", "worker", "critical", "w-1", startsAt=_now(-5)))
    until("the incident", lambda: chain.said("alerts", 1))
    assert chain.command("ack 1")["ok"]

    def active() -> list[dict[str, Any]]:
        return [s for s in chain.silences() if s["status"]["state"] == "active"]

    [silence] = until("a silence", active)
    matchers = {(m["name"], m["value"]) for m in silence["matchers"]}
    assert matchers == {("alertname", "QueueStuck"), ("service", "worker")}
    note = until(
        "the silence on the timeline",
        lambda: [r for r in chain.said("alerts", 1) if silence["id"] in r["text"]],
    )
    assert "silencing" in note[0]["text"]
    assert chain.command("resolve 1 Restarted the worker")["ok"]
    until(
        "the silence to expire",
        lambda: (
            next(s for s in chain.silences() if s["id"] == silence["id"])["status"]["state"]
            == "expired"
        ),
    )
    until(
        "the expiry on the timeline",
        lambda: [r for r in chain.said("alerts", 1) if "expired" in r["text"]],
    )


def test_a_prometheus_rule_reaches_sevbot_through_alertmanager(
    chain: Chain, tmp_path: Path
) -> None:
    """The whole chain: a rule that always fires in Prometheus → Alertmanager → an incident."""
    binary = _need(PROMETHEUS, "prometheus")
    rules = tmp_path / "rules.yml"
    rules.write_text(
        json.dumps(
            {
                "groups": [
                    {
                        "name": "sevbot-e2e",
                        "interval": "1s",
                        "rules": [
                            {
                                "alert": "ChainWorks",
                                "expr": "vector(1)",
                                "labels": {"severity": "critical", "service": "chain"},
                                "annotations": {"summary": "Prometheus to sevbot works"},
                            }
                        ],
                    }
                ]
            }
        ),
        encoding="utf-8",
    )
    config = tmp_path / "prometheus.yml"
    config.write_text(
        json.dumps(
            {
                "global": {"evaluation_interval": "1s", "scrape_interval": "15s"},
                "rule_files": [str(rules)],
                "alerting": {
                    "alertmanagers": [
                        {"static_configs": [{"targets": [f"127.0.0.1:{chain.am_port}"]}]}
                    ]
                },
            }
        ),
        encoding="utf-8",
    )
    prometheus = start(
        [
            binary,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'prom-data'}",
            # Alertmanagers are known only a few seconds after start (service discovery): the
            # first firing is sent to none, so resend each second rather than after a minute.
            "--rules.alert.resend-delay=1s",
            f"--web.listen-address=127.0.0.1:{free_port()}",
        ],
        tmp_path / "prometheus.log",
    )
    try:
        summaries = until("the rule's incident", lambda: chain.said("summary"), seconds=60)
        assert summaries[0]["title"] == "🔴 SEV-1 · Prometheus to sevbot works"
        # The summary is delivered before the page: the page may not be in the transcript yet.
        until("the rule's page", lambda: chain.said("page", summaries[0]["incident"]))
    finally:
        stop(prometheus)
