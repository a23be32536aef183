"""`sevbot run` taking GitHub webhook deliveries at `/hooks/github`, signed for real: a failing
workflow on main opens a SEV-2 and pages, its next green run resolves it, a forged signature is
401, a critical Dependabot alert opens a SEV-0 that pages every maintainer at once, and MEDIUM
findings wait for the daily digest (its timing is pinned with a fake clock in
tests/service/test_github_hooks.py: the schedule is 09:00, not configurable to seconds)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import free_port, sevbot, stop, transcript, until, wait_healthy
from tests.github_deliveries import SECRET, deliver, dependabot_alert, workflow_run

MAINTAINERS = ["console:ana", "console:li", "console:sam"]


@dataclass
class Bot:
    """sevbot running with a GitHub source, and how to reach it."""

    tmp: Path
    port: int

    def deliver(self, event: str, body: Any, **signing: Any) -> tuple[int, bytes]:
        """POST a signed delivery; (status, body)."""
        return deliver(self.port, event, body, **signing)

    def said(self, kind: str, incident: int | None = None) -> list[dict[str, Any]]:
        """Messages of `kind` (about `incident`, when given) in the transcript."""
        return [
            r
            for r in transcript(self.tmp / "chat.jsonl")
            if r["kind"] == kind and (incident is None or r["incident"] == incident)
        ]


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[Bot]:
    """sevbot run on SQLite with the transcript chat, a rotation and a GitHub source."""
    config = tmp_path / "sevbot.toml"
    config.write_text(
        """
page = "maintainers"

[[rotation]]
name = "maintainers"
members = ["console:sam", "console:li", "console:ana"]
start = 2024-01-01
channel = { console = "#oncall" }

[[alert_source]]
name = "github"
kind = "github"
secret_env = "SEVBOT_GITHUB_WEBHOOK_SECRET"
branches = ["main"]
severities = { critical = "sev0", high = "sev1", ci_failure = "sev2", medium = "digest:daily", low = "digest:weekly" }
""",
        encoding="utf-8",
    )
    port = free_port()
    env = {
        "PORT": str(port),
        "SEVBOT_HOST": "127.0.0.1",
        "SEVBOT_DATABASE_URL": f"sqlite:///{tmp_path}/sevbot.db",
        "SEVBOT_TRANSCRIPT_FILE": str(tmp_path / "chat.jsonl"),
        "SEVBOT_CONFIG": str(config),
        "SEVBOT_GITHUB_WEBHOOK_SECRET": SECRET,
    }
    process = sevbot("run", env=env, cwd=tmp_path)
    try:
        wait_healthy(port, process, tmp_path)
        yield Bot(tmp=tmp_path, port=port)
    finally:
        stop(process)


def test_a_failing_workflow_pages_and_its_next_success_resolves_it(bot: Bot) -> None:
    """workflow_run failure on main → SEV-2 paging the primary; a redelivery changes nothing;
    success of the same workflow → resolved."""
    status, _ = bot.deliver("workflow_run", workflow_run("failure", run=11), delivery="d-11")
    assert status == 200
    until("the incident's summary", lambda: bot.said("summary", 1))
    [summary] = bot.said("summary", 1)
    assert summary["title"].startswith("🟠 SEV-2 · CI failing: CI on main")
    until("the page", lambda: bot.said("page", 1))
    [page] = bot.said("page", 1)  # the primary of the week (the rotation started in 2024)
    assert page["recipient"] in MAINTAINERS
    assert bot.deliver("workflow_run", workflow_run("failure", run=12), delivery="d-11")[0] == 200
    status, _ = bot.deliver("workflow_run", workflow_run("success", run=13))
    assert status == 200
    until("the resolution", lambda: bot.said("resolved", 1))
    assert len(bot.said("alerts", 1)) == 2  # the failure, then every alert resolved: no run 12


def test_a_forged_signature_is_401_and_does_nothing(bot: Bot) -> None:
    """Signed with another secret: 401; nothing is stored. Deliveries are applied in order, so
    once a genuine one sent after it has opened its incident, the forged one would have too."""
    status, _ = bot.deliver("workflow_run", workflow_run("failure"), secret="forged")
    assert status == 401
    genuine = workflow_run("failure", run=30433700, workflow=159999)
    assert bot.deliver("workflow_run", genuine)[0] == 200
    until("the genuine delivery's incident", lambda: bot.said("summary"))
    assert [r["incident"] for r in bot.said("summary")] == [1]
    said = (bot.tmp / "chat.jsonl").read_text(encoding="utf-8")
    assert "runs/30433700" in said
    assert "runs/30433642" not in said  # the forged run's link


def test_a_critical_dependabot_alert_pages_every_maintainer_at_once(bot: Bot) -> None:
    """CRITICAL → SEV-0, each maintainer paged by direct message as it opens; MEDIUM findings
    open nothing and page nobody (they wait for the daily digest)."""
    assert bot.deliver("dependabot_alert", dependabot_alert("created", 4, "medium"))[0] == 200
    assert bot.deliver("dependabot_alert", dependabot_alert("created", 2, "critical"))[0] == 200
    until("three pages", lambda: len(bot.said("page", 1)) >= 3)
    [summary] = bot.said("summary", 1)
    assert summary["title"].startswith("🔴 SEV-0 · Dependabot critical")
    assert sorted(r["recipient"] for r in bot.said("page", 1)) == MAINTAINERS
    [announcement] = bot.said("announcement", 1)
    assert "(primary) is first responder" in announcement["text"]
    assert not bot.said("summary", 2)
