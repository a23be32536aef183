"""GET /metrics: the Prometheus text format, parsed back with prometheus-client's own parser."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client.parser import text_string_to_metric_families

from bot.bootstrap import App, build_app
from bot.clock import FakeClock
from bot.config import Settings
from bot.settings_model import SecretStr
from incidents.ports import DeliveryError
from tests.fakes import RecordingChat
from tests.service.conftest import maintainers, say, tick

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
Client = TestClient[object, object]


async def serve(app: App) -> Client:
    """A started aiohttp test client for the app's web application."""
    client: Client = TestClient(TestServer(app.web))
    await client.start_server()
    return client


@pytest.fixture
async def served(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> AsyncIterator[tuple[App, Client]]:
    """The app (on-call paging configured) behind a real aiohttp test server, no token."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/m.db")
    app = await build_app(settings, clock=clock, chats=[chat], oncall=maintainers)
    client = await serve(app)
    try:
        yield app, client
    finally:
        await client.close()
        await app.close()


async def scrape(client: Client, **params: str) -> Samples:
    """GET /metrics and parse it into {(sample name, sorted labels): value}."""
    response = await client.get("/metrics", params=params)
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples: Samples = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """One sample's value; KeyError names it when it is missing."""
    return samples[(name, tuple(sorted(labels.items())))]


async def test_counts_histograms_and_gauges_follow_the_incidents(
    served: tuple[App, Client], clock: FakeClock, chat: RecordingChat
) -> None:
    """Opened, TTA/TTR histograms, reminders, breaches and open incidents by severity/phase."""
    app, client = served
    await say(app, "/incident open sev1 Checkout is failing", who="maria")
    await tick(app, clock, minutes=10)  # 14:08 detection warning, no breach yet
    await say(app, "/incident ack 1", who="sam")
    await say(app, "/incident ic 1 @sam", who="sam")  # sam leads #1 and may resolve it
    await tick(app, clock, minutes=21)  # 14:15 detection breach, 14:30 status reminder
    await say(app, "/incident open sev2 Search is slow", who="maria")
    await say(app, "/incident ic 2 @li", who="li")  # li leads #2 and may change its phase
    await say(app, "/incident phase 2 triage", who="li")
    samples = await scrape(client)
    assert value(samples, "sevbot_incidents_opened_total", severity="sev1") == 1
    assert value(samples, "sevbot_incidents_opened_total", severity="sev2") == 1
    assert value(samples, "sevbot_incidents_opened_total", severity="sev0") == 0
    tta = "sevbot_time_to_acknowledge_seconds"
    assert value(samples, f"{tta}_count", severity="sev1") == 1
    assert value(samples, f"{tta}_sum", severity="sev1") == 600
    assert value(samples, f"{tta}_bucket", severity="sev1", le="300.0") == 0
    assert value(samples, f"{tta}_bucket", severity="sev1", le="900.0") == 1
    assert value(samples, "sevbot_reminders_sent_total", kind="status") == 1
    assert value(samples, "sevbot_breaches_total", target="detection") == 1
    assert value(samples, "sevbot_breaches_total", target="response") == 0
    assert value(samples, "sevbot_open_incidents", severity="sev1", phase="detection") == 1
    assert value(samples, "sevbot_open_incidents", severity="sev2", phase="triage") == 1
    assert value(samples, "sevbot_open_incidents", severity="sev2", phase="detection") == 0
    await tick(app, clock, minutes=29)
    await say(app, "/incident resolve 1 Rolled back", who="sam")
    samples = await scrape(client)
    ttr = "sevbot_time_to_resolve_seconds"
    assert value(samples, f"{ttr}_count", severity="sev1") == 1
    assert value(samples, f"{ttr}_sum", severity="sev1") == 3600
    assert value(samples, "sevbot_open_incidents", severity="sev1", phase="detection") == 0
    assert value(samples, "sevbot_open_incidents", severity="sev1", phase="resolution") == 1


async def test_response_and_review_breaches_are_counted(
    served: tuple[App, Client], clock: FakeClock
) -> None:
    """An unacknowledged SEV-1 breaches its response target; an unwritten review its due date."""
    app, client = served
    await say(app, "/incident open sev1 Checkout is failing", who="maria")
    await tick(app, clock, minutes=61)
    await say(app, "/incident ic 1 @sam", who="sam")  # late, but sam leads #1 now and may resolve
    await say(app, "/incident resolve 1", who="sam")
    await tick(app, clock, hours=24)
    await tick(app, clock, hours=24)
    samples = await scrape(client)
    assert value(samples, "sevbot_breaches_total", target="response") == 1
    assert value(samples, "sevbot_breaches_total", target="review") == 1
    assert value(samples, "sevbot_reminders_sent_total", kind="review") == 1
    assert value(samples, "sevbot_reminders_sent_total", kind="review_due") == 1


async def test_a_breach_announced_by_a_late_phase_change_is_counted(
    served: tuple[App, Client], clock: FakeClock
) -> None:
    """Leaving detection after its 15 min, before its timer fired: the change announces the
    breach, and the counter counts it once (the timer, firing later, adds nothing)."""
    app, client = served
    await say(app, "/incident open sev1 Checkout is failing", who="maria")
    clock.advance(minutes=20)  # no tick: the detection-breach timer has not fired
    await say(app, "/incident phase 1 triage", who="maria")
    await tick(app, clock, minutes=1)
    samples = await scrape(client)
    assert value(samples, "sevbot_breaches_total", target="detection") == 1


async def test_outbox_backlog_dead_and_delivery_failures(
    served: tuple[App, Client], clock: FakeClock, chat: RecordingChat
) -> None:
    """Undelivered messages are the backlog; failed attempts and given-up messages are counted."""
    app, client = served
    await app.service.handle_text("/incident open sev2 One", actor="console:a", platform="console")
    samples = await scrape(client)
    assert value(samples, "sevbot_outbox_backlog") == 3  # summary, page, announcement
    chat.failures.append(DeliveryError("rate limited", retry_after=30))
    chat.failures.append(DeliveryError("channel_not_found", permanent=True))
    await app.dispatcher.deliver_due()  # the first is rate limited; the rest wait behind it
    samples = await scrape(client)
    assert value(samples, "sevbot_delivery_failures_total") == 0  # a rate limit is a wait
    assert value(samples, "sevbot_delivery_rate_limited_total") == 1
    assert value(samples, "sevbot_outbox_backlog") == 3
    clock.advance(seconds=31)
    await app.dispatcher.deliver_due()  # the retry fails for good; the other two go out
    samples = await scrape(client)
    assert value(samples, "sevbot_delivery_failures_total") == 1
    assert value(samples, "sevbot_outbox_dead") == 1
    assert value(samples, "sevbot_outbox_backlog") == 0


async def test_open_action_items_gauge(served: tuple[App, Client]) -> None:
    """Open action items across incidents are a gauge read from the store."""
    app, client = served
    await say(app, "/incident open sev2 One", who="maria")
    await say(app, "/incident action 1 Fix it @sam")
    await say(app, "/incident action 1 Test it @sam")
    await say(app, "/incident action 1 done 1")
    assert value(await scrape(client), "sevbot_open_action_items") == 1


async def test_the_token_guards_metrics(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """With SEVBOT_METRICS_TOKEN: no or a wrong token is 401; a bearer header or ?token= works."""
    settings = Settings(database_url=f"sqlite:///{tmp_path}/t.db", metrics_token=SecretStr("s3"))
    app = await build_app(settings, clock=clock, chats=[chat])
    client = await serve(app)
    try:
        assert (await client.get("/metrics")).status == 401
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status == 401
        assert "Bearer" in wrong.headers["WWW-Authenticate"]
        assert (await client.get("/metrics", params={"token": "nope"})).status == 401
        header = await client.get("/metrics", headers={"Authorization": "Bearer s3"})
        assert header.status == 200
        assert "sevbot_incidents_opened_total" in await header.text()
        assert "sevbot_open_incidents" in await scrape_text(client, token="s3")
    finally:
        await client.close()
        await app.close()


async def scrape_text(client: Client, **params: str) -> str:
    """GET /metrics and return the body, checking it is 200."""
    response = await client.get("/metrics", params=params)
    assert response.status == 200
    return await response.text()


async def test_each_app_has_its_own_registry(
    tmp_path: Path, clock: FakeClock, chat: RecordingChat
) -> None:
    """Two apps count separately (each App's counters are its own, nothing global)."""
    apps = [
        await build_app(Settings(database_url=f"sqlite:///{tmp_path}/{n}.db"), clock=clock)
        for n in ("a", "b")
    ]
    try:
        await apps[0].service.handle_text(
            "/incident open sev2 One", actor="console:a", platform="console"
        )
        counts = [
            app.metrics.incidents_opened.value(severity="sev2")
            for app in apps
            if app.metrics is not None
        ]
        assert counts == [1, 0]
        for app, count in zip(apps, (1, 0), strict=True):
            assert app.metrics is not None
            families = {
                family.name: family
                for family in text_string_to_metric_families(
                    (await app.metrics.exposition()).decode()
                )
            }
            (sample,) = [
                s
                for s in families["sevbot_incidents_opened"].samples
                if s.labels == {"severity": "sev2"}
            ]
            assert sample.value == count
    finally:
        for app in apps:
            await app.close()
