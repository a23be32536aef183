"""`POST /hooks/github`: signed GitHub deliveries open, add to and resolve incidents, wait for the
daily or weekly digest, and are applied once per delivery id; forged ones do nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.clock import FakeClock
from incidents.messages import Audience, MessageKind
from incidents.phase import Phase
from incidents.severity import Severity
from tests.github_deliveries import (
    REPO,
    SECRET,
    code_scanning_alert,
    dependabot_alert,
    repository_advisory,
    secret_scanning_alert,
    signature,
    signed,
    workflow_run,
)
from tests.service.alert_helpers import Served, alert_entries, served

SECRET_ENV = "SEVBOT_TEST_GITHUB_SECRET"


def github_source(**options: Any) -> dict[str, Any]:
    """Settings fields: one GitHub source with `options`."""
    source = {"name": "github", "kind": "github", "secret_env": SECRET_ENV, **options}
    return {"alert_source": [source]}


@asynccontextmanager
async def github_app(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, **options: Any
) -> AsyncIterator[Served]:
    """The real application with a GitHub source (its secret in the environment)."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    async with served(tmp_path, clock, monkeypatch, **github_source(**options)) as app:
        yield app


async def deliver(
    app: Served, event: str, body: Any, *, delivery: str | None = None, **headers: str
) -> tuple[int, Any]:
    """POST a signed delivery (headers given here replace GitHub's), apply it, deliver."""
    raw, sent = signed(event, body, delivery=delivery)
    sent.update(headers)
    response = await app.client.post("/hooks/github", data=raw, headers=sent)
    answer = await response.json()
    await app.settle()
    return response.status, answer


def pages(app: Served) -> list[str]:
    """Who was paged by direct message, in order."""
    return [str(m.recipient) for m in app.of_kind(MessageKind.PAGE)]


async def test_a_failing_workflow_on_main_opens_a_sev2_and_pages(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI failing on the default branch: a SEV-2 titled after the workflow, the primary paged."""
    async with github_app(tmp_path, clock, monkeypatch) as app:
        status, answer = await deliver(app, "workflow_run", workflow_run("failure"))
        assert (status, answer["acted"]) == (200, True)
        (incident,) = await app.incidents()
        assert incident.severity is Severity.SEV2
        assert incident.title == f"CI failing: CI on main ({REPO})"
        assert pages(app) == ["console:sam"]
        assert "Run #642 failed at acb5820" in app.of_kind(MessageKind.ALERTS)[0].plain_text()


async def test_repeated_failures_add_to_the_incident_and_the_next_success_resolves_it(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A second failing run joins the incident of its workflow and branch; a green run of the
    same workflow resolves it (GitHub sources resolve by themselves)."""
    async with github_app(tmp_path, clock, monkeypatch) as app:
        await deliver(app, "workflow_run", workflow_run("failure", run=1001))
        clock.advance(minutes=10)
        await deliver(app, "workflow_run", workflow_run("timed_out", run=1002))
        (incident,) = await app.incidents()
        assert len(alert_entries(incident)) == 2
        assert "1 more firing" in alert_entries(incident)[1]
        clock.advance(minutes=10)
        await deliver(app, "workflow_run", workflow_run("success", run=1003))
        resolved = await app.incident(incident.number)
        assert resolved.phase is Phase.RESOLUTION or resolved.resolved_at is not None
        assert "Every alert resolved (2" in alert_entries(resolved)[-1]


async def test_a_success_of_another_workflow_or_branch_resolves_nothing(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Groups are per workflow and branch: another workflow's green run leaves it firing."""
    async with github_app(tmp_path, clock, monkeypatch) as app:
        await deliver(app, "workflow_run", workflow_run("failure", workflow=1))
        await deliver(app, "workflow_run", workflow_run("success", run=2, workflow=2))
        (incident,) = await app.incidents()
        assert incident.resolved_at is None


async def test_other_branches_and_conclusions_are_ignored(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A failure on a feature branch, a cancelled run or an `in_progress` action: 200, nothing."""
    async with github_app(tmp_path, clock, monkeypatch) as app:
        feature = workflow_run("failure", branch="feature/x")
        cancelled = workflow_run("cancelled")
        started = workflow_run("failure") | {"action": "in_progress"}
        for body in (feature, cancelled, started):
            status, answer = await deliver(app, "workflow_run", body)
            assert (status, answer["acted"]) == (200, False)
        assert await app.incidents() == []


async def test_configured_branches_replace_the_default_branch(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`branches = ["release"]`: a failure on release opens; one on main does not."""
    async with github_app(tmp_path, clock, monkeypatch, branches=["release"]) as app:
        await deliver(app, "workflow_run", workflow_run("failure", run=1))
        assert await app.incidents() == []
        await deliver(app, "workflow_run", workflow_run("failure", run=2, branch="release"))
        (incident,) = await app.incidents()
        assert incident.title == f"CI failing: CI on release ({REPO})"


async def test_a_critical_dependabot_alert_pages_every_maintainer_at_once(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CRITICAL → SEV-0: everyone on call is paged as it opens, the primary named first
    responder; `fixed` resolves it."""
    async with github_app(tmp_path, clock, monkeypatch) as app:
        await deliver(app, "dependabot_alert", dependabot_alert("created"))
        (incident,) = await app.incidents()
        assert incident.severity is Severity.SEV0
        assert incident.title == (
            f"Dependabot critical: Jinja2 sandbox breakout in jinja2 ({REPO}#2)"
        )
        assert sorted(pages(app)) == ["console:ana", "console:li", "console:sam"]
        (announcement,) = app.of_kind(MessageKind.ANNOUNCEMENT)
        assert "paging everyone in maintainers at once" in announcement.plain_text()
        assert "(primary) is first responder" in announcement.plain_text()
        await deliver(app, "dependabot_alert", dependabot_alert("fixed"))
        assert (await app.incident(incident.number)).resolved_at is not None


@pytest.mark.parametrize(
    ("event", "body", "severity"),
    [
        ("dependabot_alert", dependabot_alert("created", severity="high"), Severity.SEV1),
        ("code_scanning_alert", code_scanning_alert("created", security="critical"), Severity.SEV0),
        ("code_scanning_alert", code_scanning_alert("reopened", security="high"), Severity.SEV1),
        ("code_scanning_alert", code_scanning_alert("created", security=None), Severity.SEV1),
        ("secret_scanning_alert", secret_scanning_alert("created"), Severity.SEV1),
        ("repository_advisory", repository_advisory("published"), Severity.SEV0),
        ("repository_advisory", repository_advisory("reported", "high"), Severity.SEV1),
    ],
)
async def test_security_findings_open_at_their_severity(
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    event: str,
    body: dict[str, Any],
    severity: Severity,
) -> None:
    """Each event's severity field (code scanning: security level, else the rule's `error`
    read as high; secret scanning: high) picks the incident's severity."""
    async with github_app(tmp_path, clock, monkeypatch) as app:
        status, _ = await deliver(app, event, body)
        assert status == 200
        (incident,) = await app.incidents()
        assert incident.severity is severity


@pytest.mark.parametrize(
    ("event", "opened", "closed"),
    [
        ("code_scanning_alert", code_scanning_alert("created"), code_scanning_alert("fixed")),
        (
            "code_scanning_alert",
            code_scanning_alert("created"),
            code_scanning_alert("closed_by_user"),
        ),
        (
            "secret_scanning_alert",
            secret_scanning_alert("created"),
            secret_scanning_alert("resolved"),
        ),
        ("dependabot_alert", dependabot_alert("reopened"), dependabot_alert("dismissed")),
    ],
)
async def test_fixed_dismissed_closed_or_resolved_resolves_the_incident(
    tmp_path: Path,
    clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
    event: str,
    opened: dict[str, Any],
    closed: dict[str, Any],
) -> None:
    """The alert number is the group: its closing action resolves the incident it opened."""
    async with github_app(tmp_path, clock, monkeypatch) as app:
        await deliver(app, event, opened)
        (incident,) = await app.incidents()
        await deliver(app, event, closed)
        assert (await app.incident(incident.number)).resolved_at is not None


async def test_secret_scanning_takes_its_own_level_when_configured(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`severities.secret_scanning = "sev0"`: a leaked secret pages all hands."""
    levels = {"critical": "sev0", "high": "sev1", "secret_scanning": "sev0"}
    async with github_app(tmp_path, clock, monkeypatch, severities=levels) as app:
        await deliver(app, "secret_scanning_alert", secret_scanning_alert("created"))
        (incident,) = await app.incidents()
        assert incident.severity is Severity.SEV0


async def test_a_forged_or_missing_signature_is_401_and_stores_nothing(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed with another secret, not signed, or a signature for another body: 401, no
    incident, nothing in the inbox."""
    async with github_app(tmp_path, clock, monkeypatch) as app:
        body = workflow_run("failure")
        raw, headers = signed("workflow_run", body, secret="not-the-secret")
        response = await app.client.post("/hooks/github", data=raw, headers=headers)
        assert response.status == 401
        del headers["X-Hub-Signature-256"]
        response = await app.client.post("/hooks/github", data=raw, headers=headers)
        assert response.status == 401
        headers["X-Hub-Signature-256"] = signature(b"{}")
        response = await app.client.post("/hooks/github", data=raw, headers=headers)
        assert response.status == 401
        await app.settle()
        assert await app.incidents() == []
        assert await app.app.store.pending_commands("alerts", 10) == []


async def test_a_redelivery_is_applied_once(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same `X-GitHub-Delivery` twice (GitHub's Redeliver): answered 200 both times,
    applied once, even when the second body would add a run."""
    async with github_app(tmp_path, clock, monkeypatch) as app:
        first = await deliver(app, "workflow_run", workflow_run("failure", run=1), delivery="d-1")
        again = await deliver(app, "workflow_run", workflow_run("failure", run=2), delivery="d-1")
        assert first[0] == again[0] == 200
        (incident,) = await app.incidents()
        assert len(alert_entries(incident)) == 1
        assert pages(app) == ["console:sam"]


async def test_ping_answers_200_and_other_events_do_nothing(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GitHub's `ping` on creating the webhook; a `push` (not handled): 2xx and nothing."""
    async with github_app(tmp_path, clock, monkeypatch) as app:
        ping = {"zen": "Keep it logically awesome.", "hook_id": 123456}
        status, answer = await deliver(app, "ping", ping)
        assert (status, answer["event"]) == (200, "ping")
        status, answer = await deliver(app, "push", {"ref": "refs/heads/main"})
        assert (status, answer["ignored"]) == (200, "push")
        assert await app.incidents() == []
        assert app.chat.messages == []


async def test_a_malformed_delivery_is_400(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Signed but not JSON, without its delivery id, or a field of the wrong type: 400."""
    async with github_app(tmp_path, clock, monkeypatch) as app:
        raw = b"not json"
        headers = {
            "X-GitHub-Event": "workflow_run",
            "X-GitHub-Delivery": "d-1",
            "X-Hub-Signature-256": signature(raw),
            "Content-Type": "application/json",
        }
        response = await app.client.post("/hooks/github", data=raw, headers=headers)
        assert response.status == 400
        assert "application/json" in (await response.json())["error"]
        status, _ = await deliver(
            app, "workflow_run", workflow_run("failure"), **{"X-GitHub-Delivery": ""}
        )
        assert status == 400
        bad = dependabot_alert("created") | {"alert": {"number": "two"}}
        status, answer = await deliver(app, "dependabot_alert", bad)
        assert status == 400
        assert "alert.number" in answer["error"]


async def test_a_form_encoded_delivery_is_read_from_its_payload_field(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Content type application/x-www-form-urlencoded: the JSON is the `payload` field, and
    the signature covers the form as sent."""
    import json
    import urllib.parse

    async with github_app(tmp_path, clock, monkeypatch) as app:
        form = urllib.parse.urlencode({"payload": json.dumps(workflow_run("failure"))}).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-GitHub-Event": "workflow_run",
            "X-GitHub-Delivery": "d-form",
            "X-Hub-Signature-256": signature(form),
        }
        response = await app.client.post("/hooks/github", data=form, headers=headers)
        assert response.status == 200
        await app.settle()
        assert len(await app.incidents()) == 1


async def digests(app: Served) -> list[str]:
    """The digests posted so far, as plain text (title and list)."""
    return [
        f"{m.title}\n{m.plain_text()}"
        for m in app.of_kind(MessageKind.ALERT_DIGEST)
        if m.audience is Audience.ONCALL
    ]


async def test_medium_findings_wait_for_one_daily_digest_at_0900(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MEDIUM findings open nothing and page nobody; at 09:00 (the policy's zone, UTC) one
    message lists them with links, in the rotation's on-call channel; a day later, with
    nothing new, nothing is posted; one fixed before its digest is left out."""
    async with github_app(tmp_path, clock, monkeypatch) as app:
        await deliver(app, "dependabot_alert", dependabot_alert("created", 4, "medium"))
        await deliver(app, "code_scanning_alert", code_scanning_alert("created", 8, "medium"))
        await deliver(app, "dependabot_alert", dependabot_alert("created", 5, "moderate"))
        await deliver(app, "dependabot_alert", dependabot_alert("fixed", 5, "moderate"))
        assert await app.incidents() == []
        assert app.chat.messages == []
        clock.set(datetime(2026, 11, 24, 8, 59, tzinfo=UTC))
        await app.app.scheduler.fire_due()
        await app.app.dispatcher.deliver_due()
        assert await digests(app) == []
        clock.set(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
        await app.app.scheduler.fire_due()
        await app.app.dispatcher.deliver_due()
        (digest,) = await digests(app)
        assert "Daily digest from github: 2 finding(s)" in digest
        assert f"https://github.com/{REPO}/security/dependabot/4" in digest
        assert f"https://github.com/{REPO}/security/code-scanning/8" in digest
        assert "dependabot/5" not in digest
        (message,) = app.of_kind(MessageKind.ALERT_DIGEST)
        assert message.rotation == "maintainers"
        clock.set(datetime(2026, 11, 25, 9, 0, tzinfo=UTC))
        await app.app.scheduler.fire_due()
        await app.app.dispatcher.deliver_due()
        assert len(await digests(app)) == 1


async def test_low_findings_wait_for_the_weekly_digest_on_monday(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LOW findings are not in the daily digest; they come on Monday 09:00 UTC."""
    async with github_app(tmp_path, clock, monkeypatch) as app:
        await deliver(app, "dependabot_alert", dependabot_alert("created", 6, "low"))
        for day in (24, 25, 26, 27, 28, 29):
            clock.set(datetime(2026, 11, day, 9, 30, tzinfo=UTC))
            await app.app.scheduler.fire_due()
        await app.app.dispatcher.deliver_due()
        assert await digests(app) == []
        clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        await app.app.scheduler.fire_due()
        await app.app.dispatcher.deliver_due()
        (digest,) = await digests(app)
        assert "Weekly digest from github: 1 finding(s)" in digest
        assert "LOW · Dependabot low" in digest


async def test_the_daily_digest_keeps_the_policy_zone(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Business hours in Europe/Paris: the digest is at 09:00 Paris time (08:00 UTC)."""
    monkeypatch.setenv(SECRET_ENV, SECRET)
    fields = github_source() | {"policy": {"business_hours": "MON-FRI 09:00-17:00 Europe/Paris"}}
    async with served(tmp_path, clock, monkeypatch, **fields) as app:
        await deliver(app, "dependabot_alert", dependabot_alert("created", 4, "medium"))
        clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
        await app.app.scheduler.fire_due()
        await app.app.dispatcher.deliver_due()
        assert len(await digests(app)) == 1


async def test_a_restart_loses_no_digest_and_repeats_none(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A finding received before a restart is in the digest after it; the digest posted
    before another restart is not posted again."""
    async with github_app(tmp_path, clock, monkeypatch) as app:
        await deliver(app, "dependabot_alert", dependabot_alert("created", 4, "medium"))
    clock.set(datetime(2026, 11, 24, 11, 0, tzinfo=UTC))  # down at 09:00: posted late, once
    async with github_app(tmp_path, clock, monkeypatch) as app:
        await app.app.scheduler.fire_due()
        await app.app.dispatcher.deliver_due()
        assert len(await digests(app)) == 1
    async with github_app(tmp_path, clock, monkeypatch) as app:
        await app.app.scheduler.fire_due()
        await app.app.dispatcher.deliver_due()
        assert await digests(app) == []
